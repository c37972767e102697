
static void init_fs_root(struct root *root)
{
	set_bit(ROOT_SHARED, &root->state);
}

void make_fs_root(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	init_fs_root(root);
}

void mark(struct fs *fs)
{
	struct root *root = lookup_global(fs, 5);
	void (*fn)(struct root *);

	fn = init_fs_root;
	fn(root);
}
