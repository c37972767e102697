
static void setw(unsigned long *w)
{
	*w |= 1UL << ROOT_SHARED;
}

void mark(struct fs *fs, int x)
{
	struct root *root = lookup_global(fs, 5);

	setw(x ? &root->state : NULL);
}
