
void mark(struct fs *fs)
{
	struct root *root = lookup_global(fs, 5);

	if (!!IS_ERR(root))
		root = alloc_root(fs);
	set_bit(ROOT_SHARED, &root->state);
}
