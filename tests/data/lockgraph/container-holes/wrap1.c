
static void wrapper(struct fs *fs, struct root *root)
{
	root = root->parent;
	cow(fs, root);
}
int load_parented(struct fs *fs)
{
	struct root *root = alloc_root(fs);
	struct root *parent = alloc_root(fs);

	set_bit(ROOT_SHARED, &parent->state);
	root->parent = parent;
	rb_find_add(&root->rb_node, &fs->global_tree, root_cmp);
	return 0;
}

void use2(struct fs *fs)
{
	struct root *root = lookup_global(fs, 1);

	mutex_lock(&fs->use);
	wrapper(fs, root);
	mutex_unlock(&fs->use);
}
