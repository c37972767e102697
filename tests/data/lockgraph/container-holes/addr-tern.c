
struct ctx { struct root **pp; };
struct root **gpp;

static void pick(struct fs *fs, struct ctx *c)
{
	*c->pp = lookup_global(fs, 5);
}

static void pick2(struct fs *fs, struct root ***ppp)
{
	**ppp = lookup_global(fs, 5);
}

static void pickv(struct fs *fs, void *p)
{
	*(struct root **)p = lookup_global(fs, 5);
}

static void pickg(struct fs *fs)
{
	*gpp = lookup_global(fs, 5);
}

void mark(struct fs *fs, int x)
{
	struct root *root = alloc_root(fs);


	if (!root)
		return;
	pickv(fs, x ? &root : NULL);
	set_bit(ROOT_SHARED, &root->state);
}
