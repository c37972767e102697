
void mark(struct fs *fs)
{
	struct root *root = alloc_root(fs);
	int i = 0;

	while (!test_and_set_bit(ROOT_SHARED, &root->state)) {
		root = lookup_global(fs, i);
		i++;
	}
}
