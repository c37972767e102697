
struct ctx { struct root **pp; };

int load_chunk_root(struct fs *fs)
{
	struct root *chunk_root = alloc_root(fs);

	fs->chunk_root = chunk_root;
	return 0;
}

void use_slot(struct fs *fs)
{
	struct root *root = fs->chunk_root;

	mutex_lock(&fs->use);
	cow(fs, root);
	mutex_unlock(&fs->use);
}

static void put(struct ctx *c, struct root *r)
{
	*c->pp = r;
}

void replace_chunk_root(struct fs *fs)
{
	struct root *root = alloc_root(fs);
	struct ctx c = { .pp = &fs->chunk_root };

	set_bit(ROOT_SHARED, &root->state);
	put(&c, root);
}
