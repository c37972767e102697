
static void init_fs_root(struct root *root)
{
	set_bit(ROOT_SHARED, &root->state);
}

void make_fs_root(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	init_fs_root(root);
}

typedef void (*root_fn)(struct root *);
static root_fn pick_fn(void)
{
	return init_fs_root;
}

void mark(struct fs *fs)
{
	struct root *root = lookup_global(fs, 5);

	pick_fn()(root);
}
