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
struct mutex ga, gb;
#define root_shared(r) ((r)->id > 0)
static int root_cmp(const void *key, const struct rb_node *node)
{
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

static void cowb(struct fs *fs, struct root *root)
{
	if (root_shared(root)) {
		mutex_lock(&gb);
		mutex_unlock(&gb);
	}
}

void useb(struct fs *fs)
{
	struct root *root = lookup_global(fs, 1);

	mutex_lock(&ga);
	cowb(fs, root);
	mutex_unlock(&ga);
}
