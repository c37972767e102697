
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
void add_shared(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	set_bit(ROOT_SHARED, &root->state);
	list_add(&root->list, fs->glist.next);
}
