
static void mark_cb(void *data)
{
	set_bit(ROOT_SHARED, &((struct root *)data)->state);
}

void mark(struct fs *fs)
{
	struct root *root = lookup_global(fs, 5);

	mark_cb(root);
}
