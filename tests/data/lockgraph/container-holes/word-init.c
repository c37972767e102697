
struct wctx { unsigned long *w; };
static void setw(struct wctx *c)
{
	*c->w |= 1UL << ROOT_SHARED;
}

void mark(struct fs *fs)
{
	struct root *root = lookup_global(fs, 5);
	struct wctx c = { .w = &root->state };

	setw(&c);
}
