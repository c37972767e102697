struct mutex { int x; };
struct rb_node { struct rb_node *left, *right; };
struct rb_root { struct rb_node *node; };
struct list_head { struct list_head *next, *prev; };
struct root { unsigned long state; int id; struct rb_node rb_node; struct list_head list; struct root *parent; };
struct fs {
	struct mutex refs;
	struct mutex global, direct, slot, shared, later, handed, beside, says_nothing, fresh, fresh_set, moved;
	struct rb_root global_tree, shared_tree, later_tree, handed_tree;
	struct list_head beside_list;
	struct root *chunk_root;
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

static bool root_less(struct rb_node *a, const struct rb_node *b)
{
	return false;
}

/* A shared root's blocks may be shared: only then does the COW take the refs lock. */
static int root_shared(struct root *root)
{
	if (test_bit(ROOT_SHARED, &root->state) && root->id != 0)
		return 1;
	return 0;
}

static void cow(struct fs *fs, struct root *root)
{
	if (root_shared(root)) {
		mutex_lock(&fs->refs);
		mutex_unlock(&fs->refs);
	}
}

static void cow_direct(struct fs *fs, struct root *root)
{
	if (!test_bit(ROOT_SHARED, &root->state))
		return;
	mutex_lock(&fs->refs);
	mutex_unlock(&fs->refs);
}

/* Says nothing of the bit: it may return 1 for a root without it. */
static int root_maybe_shared(struct root *root)
{
	if (test_bit(ROOT_SHARED, &root->state) || root->id)
		return 1;
	return 0;
}

static void cow_maybe(struct fs *fs, struct root *root)
{
	if (root_maybe_shared(root)) {
		mutex_lock(&fs->refs);
		mutex_unlock(&fs->refs);
	}
}

/* --- the global roots: made and inserted here, marked dirty, never shared ---------------------- */

static int insert_global(struct fs *fs, struct root *root)
{
	rb_find_add(&root->rb_node, &fs->global_tree, root_cmp);
	return 0;
}

int load_global_roots(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	if (!root)
		return -ENOMEM;
	set_bit(ROOT_DIRTY, &root->state);
	return insert_global(fs, root);
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

static void init_fs_root(struct root *root)
{
	set_bit(ROOT_SHARED, &root->state);
}

/* Lookup or create: a global root goes back as it is; only a root made here is marked shared. */
struct root *get_root(struct fs *fs, int id)
{
	struct root *root;

	root = lookup_global(fs, id);
	if (root)
		return root;
	root = alloc_root(fs);
	if (IS_ERR_OR_NULL(root))
		return NULL;
	init_fs_root(root);
	return root;
}

/* Not found: a global root is never shared. */
void use_global(struct fs *fs)
{
	struct root *root = lookup_global(fs, 1);

	mutex_lock(&fs->global);
	cow(fs, root);
	mutex_unlock(&fs->global);
}

/* Not found: the same, with the bit tested in the callee itself. */
void use_global_direct(struct fs *fs)
{
	struct root *root = lookup_global(fs, 2);

	mutex_lock(&fs->direct);
	cow_direct(fs, root);
	mutex_unlock(&fs->direct);
}

/* --- a pointer field holds one root at a time ------------------------------------------------ */

int load_chunk_root(struct fs *fs)
{
	struct root *chunk_root = alloc_root(fs);

	fs->chunk_root = chunk_root;
	return 0;
}

/* Not found: the chunk root is never shared. */
void use_slot(struct fs *fs)
{
	struct root *root = fs->chunk_root;

	mutex_lock(&fs->slot);
	cow(fs, root);
	mutex_unlock(&fs->slot);
}

/* --- trees whose roots may be shared ---------------------------------------------------------- */

int load_shared(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	if (!root)
		return -ENOMEM;
	init_fs_root(root);
	rb_find_add(&root->rb_node, &fs->shared_tree, root_cmp);
	return 0;
}

/* Found: marked shared before it went in. */
void use_shared(struct fs *fs)
{
	struct root *root = rb_entry(rb_first(&fs->shared_tree), struct root, rb_node);

	mutex_lock(&fs->shared);
	cow(fs, root);
	mutex_unlock(&fs->shared);
}

int load_later(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	rb_add(&root->rb_node, &fs->later_tree, root_less);
	set_bit(ROOT_SHARED, &root->state);
	return 0;
}

/* Found: marked shared after it went in. */
void use_later(struct fs *fs)
{
	struct root *root = rb_entry(rb_first(&fs->later_tree), struct root, rb_node);

	mutex_lock(&fs->later);
	cow(fs, root);
	mutex_unlock(&fs->later);
}

int load_handed(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	rb_add(&root->rb_node, &fs->handed_tree, root_less);
	register_tree(&fs->handed_tree);
	return 0;
}

/* Found: the tree's address went to a function outside the model, which may add any root. */
void use_handed(struct fs *fs)
{
	struct root *root = rb_entry(rb_first(&fs->handed_tree), struct root, rb_node);

	mutex_lock(&fs->handed);
	cow(fs, root);
	mutex_unlock(&fs->handed);
}

int load_beside(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	list_add(&root->list, &fs->beside_list);
	return 0;
}

void add_next(struct fs *fs)
{
	struct root *root = alloc_root(fs);
	struct root *first = list_first_entry(&fs->beside_list, struct root, list);

	init_fs_root(root);
	list_add(&root->list, &first->list);
}

/* Found: a shared root went into the list next to one of its elements. */
void use_beside(struct fs *fs)
{
	struct root *root = list_first_entry(&fs->beside_list, struct root, list);

	mutex_lock(&fs->beside);
	cow(fs, root);
	mutex_unlock(&fs->beside);
}

/* Found: the predicate may return 1 without the bit. */
void use_says_nothing(struct fs *fs)
{
	struct root *root = lookup_global(fs, 3);

	mutex_lock(&fs->says_nothing);
	cow_maybe(fs, root);
	mutex_unlock(&fs->says_nothing);
}

/* --- fresh objects: zero until something sets the bit ----------------------------------------- */

/* Not found: nothing set any bit of a zeroed root. */
void use_fresh(struct fs *fs)
{
	struct root *root = kzalloc(sizeof(*root), GFP_KERNEL);

	mutex_lock(&fs->fresh);
	cow(fs, root);
	mutex_unlock(&fs->fresh);
	kfree(root);
}

/* Found: the bit was set before the call. */
void use_fresh_set(struct fs *fs)
{
	struct root *root = kzalloc(sizeof(*root), GFP_KERNEL);

	set_bit(ROOT_SHARED, &root->state);
	mutex_lock(&fs->fresh_set);
	cow(fs, root);
	mutex_unlock(&fs->fresh_set);
	kfree(root);
}

/* The test is of another root than the one passed: its parent may be anything. */
static void cow_parent(struct fs *fs, struct root *root)
{
	root = root->parent;
	if (root_shared(root)) {
		mutex_lock(&fs->refs);
		mutex_unlock(&fs->refs);
	}
}

/* Found: a global root's parent may be shared. */
void use_moved(struct fs *fs)
{
	struct root *root = lookup_global(fs, 4);

	mutex_lock(&fs->moved);
	cow_parent(fs, root);
	mutex_unlock(&fs->moved);
}
