struct mutex { int x; };
typedef struct { int x; } spinlock_t;
struct node { spinlock_t lock; struct node *parent; };
struct tree { struct mutex big; struct mutex leaf; struct node *root; };

static struct lock_class_key leaf_key;

void parent_child(struct node *n)
{
	spin_lock(&n->parent->lock);
	spin_lock_nested(&n->lock, 2);
	spin_unlock(&n->lock);
	spin_unlock(&n->parent->lock);
}

void many(struct tree *t, struct node *a, struct node *b)
{
	mutex_lock(&t->big);
	spin_lock_nest_lock(&a->lock, &t->big);
	spin_lock_nest_lock(&b->lock, &t->big);
	spin_unlock(&b->lock);
	spin_unlock(&a->lock);
	mutex_unlock(&t->big);
}

void init_leaf(struct tree *t)
{
	mutex_init(&t->leaf);
	lockdep_set_class(&t->leaf, &leaf_key);
}

void two_leaves(struct tree *t, struct tree *u)
{
	mutex_lock(&t->leaf);
	mutex_lock(&u->leaf);
	mutex_unlock(&u->leaf);
	mutex_unlock(&t->leaf);
}
