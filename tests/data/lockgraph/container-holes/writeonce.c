
void mark(struct fs *fs)
{
	struct root *root = lookup_global(fs, 5);

	WRITE_ONCE(root->state, root->state | (1UL << ROOT_SHARED));
}
