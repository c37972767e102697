
static void mark_bit(struct root *root, int bit)
{
	set_bit(bit, &root->state);
}

void mark(struct fs *fs)
{
	struct root *root = lookup_global(fs, 5);

	mark_bit(root, ROOT_SHARED);
}
