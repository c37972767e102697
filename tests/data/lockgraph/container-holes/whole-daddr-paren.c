struct mutex { int x; };
struct rb_node { struct rb_node *left, *right; };
struct rb_root { struct rb_node *node; };
struct list_head { struct list_head *next, *prev; };
struct root { unsigned long state; int id; struct rb_node rb_node; struct list_head list; struct root *parent; };
struct fs {
	struct mutex refs, use;
	struct rb_root global_tree, other_tree;
	struct list_head glist;
	struct root *chunk_root;
	struct root **slot;
};
#define ROOT_SHARED 1
#define ROOT_DIRTY 2

static struct root *alloc_root(struct fs *fs)
{
	struct root *root = kzalloc(sizeof(*root), GFP_NOFS);

	return root;
}

static int root_cmp(const void *key, const struct rb_node *node)
{
	return 0;
}

static int root_shared(struct root *root)
{
	if (test_bit(ROOT_SHARED, &root->state))
		return 1;
	return 0;
}

static void to_parent(struct root **r)
{
	*r = (*r)->parent;
}

static void cow(struct fs *fs, struct root *root)
{
	to_parent(&(root));
	if (!test_bit(ROOT_SHARED, &root->state))
		return;
	mutex_lock(&fs->refs);
	mutex_unlock(&fs->refs);
}

int load_global_roots(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	if (!root)
		return -ENOMEM;
	rb_find_add(&root->rb_node, &fs->global_tree, root_cmp);
	return 0;
}

static struct root *lookup_global(struct fs *fs, int id)
{
	struct rb_node *node;
	struct root *root = NULL;

	node = rb_find(&id, &fs->global_tree, root_cmp);
	if (node)
		root = container_of(node, struct root, rb_node);
	return root;
}

void use_global(struct fs *fs)
{
	struct root *root = lookup_global(fs, 1);

	mutex_lock(&fs->use);
	cow(fs, root);
	mutex_unlock(&fs->use);
}

int load_parented(struct fs *fs)
{
	struct root *root = alloc_root(fs);
	struct root *parent = alloc_root(fs);

	set_bit(ROOT_SHARED, &parent->state);
	root->parent = parent;
	rb_find_add(&root->rb_node, &fs->global_tree, root_cmp);
	return 0;
}
