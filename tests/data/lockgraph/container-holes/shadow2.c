
void mark(struct fs *fs)
{
	struct root *root = lookup_global(fs, 5);

	if (!root)
		return;
	{
		struct root *root = alloc_root(fs);

		if (!root)
			return;
		root->id = 1;
	}
	set_bit(ROOT_SHARED, &root->state);
}
