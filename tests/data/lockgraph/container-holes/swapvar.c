
void mark(struct fs *fs)
{
	struct root *root = alloc_root(fs);
	struct root *other = lookup_global(fs, 5);

	swap(root, other);
	set_bit(ROOT_SHARED, &root->state);
}
