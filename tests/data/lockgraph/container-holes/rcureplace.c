
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

void replace_chunk_root(struct fs *fs)
{
	struct root *root = alloc_root(fs);
	struct root *old;

	set_bit(ROOT_SHARED, &root->state);
	old = rcu_replace_pointer(fs->chunk_root, root, 1);
}
