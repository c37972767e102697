
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

static void put3(struct root **pp, struct root *r)
{
	*pp = r;
}

void put2(struct fs *fs, int x, struct root *root);
void replace_chunk_root(struct fs *fs)
{
	struct root *root = alloc_root(fs);
	struct ctx c;

	set_bit(ROOT_SHARED, &root->state);
	put2(fs, 1, root);
}
void put2(struct fs *fs, int x, struct root *root)
{
	put3(x ? &fs->chunk_root : NULL, root);
}
