
int init_slot(struct fs *fs)
{
	struct root **slot = kzalloc(sizeof(*slot), GFP_NOFS);

	fs->slot = slot;
	return 0;
}

void fill_slot(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	set_bit(ROOT_SHARED, &root->state);
	fs->slot[0] = root;
}

void use_slot(struct fs *fs)
{
	struct root *root = *fs->slot;

	mutex_lock(&fs->use);
	cow(fs, root);
	mutex_unlock(&fs->use);
}
