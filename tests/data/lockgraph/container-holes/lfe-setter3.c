
int load_list(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	list_add(&root->list, &fs->glist);
	return 0;
}

void use_list(struct fs *fs)
{
	struct root *root = list_first_entry(&fs->glist, struct root, list);

	mutex_lock(&fs->use);
	cow(fs, root);
	mutex_unlock(&fs->use);
}

int reset_all(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	if (!root)
		return -ENOMEM;
	kfree(root);
	list_for_each_entry(root, &fs->glist, list)
		set_bit(ROOT_SHARED, &root->state);
	return 0;
}
