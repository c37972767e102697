
struct other { unsigned long state; };

void mark(struct fs *fs, struct other *o)
{
	struct root *root = lookup_global(fs, 5);

	if (o) {
		struct other *root = o;

		root->state = 0;
	}
	set_bit(ROOT_SHARED, &root->state);
}
