
void mark(struct fs *fs)
{
	struct root *root = alloc_root(fs);
	struct root **pp = &root;

	*pp = lookup_global(fs, 5);
	set_bit(ROOT_SHARED, &root->state);
}
