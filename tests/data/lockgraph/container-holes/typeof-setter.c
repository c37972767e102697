
void mark(struct fs *fs)
{
	struct root *root0 = lookup_global(fs, 5);
	typeof(root0) root = root0;

	set_bit(ROOT_SHARED, &root->state);
}
