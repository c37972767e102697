
void mark(struct fs *fs)
{
	__auto_type root = lookup_global(fs, 5);

	set_bit(ROOT_SHARED, &root->state);
}
