struct mutex { int x; };
typedef struct { int x; } spinlock_t;
struct node { spinlock_t lock; struct node *next; };
struct dev { struct mutex a; struct mutex b; int n; };

/*
 * Hand over hand: the lock taken in one round is still held when the next round takes the
 * next one, so the second round nests subclass 1 in subclass 1 (lockdep says so too).
 */
void walk(struct node *n)
{
	spin_lock(&n->lock);
	while (n->next) {
		struct node *next = n->next;

		spin_lock_nested(&next->lock, SINGLE_DEPTH_NESTING);
		spin_unlock(&n->lock);
		n = next;
	}
	spin_unlock(&n->lock);
}

/* a is released at the top of each round and taken again at its end: b is never under a. */
void retaken_each_round(struct dev *d)
{
	mutex_lock(&d->a);
	while (d->n) {
		mutex_unlock(&d->a);
		mutex_lock(&d->b);
		mutex_unlock(&d->b);
		mutex_lock(&d->a);
	}
	mutex_unlock(&d->a);
}
