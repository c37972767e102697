
int load_other(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	set_bit(ROOT_SHARED, &root->state);
	rb_find_add(&root->rb_node, &fs->other_tree, root_cmp);
	return 0;
}

void use_loop(struct fs *fs)
{
	struct rb_node *node = rb_first(&fs->global_tree);
	struct root *root;
	int i;

	for (i = 0; i < 2; i++) {
		root = rb_entry(node, struct root, rb_node);
		mutex_lock(&fs->use);
		cow(fs, root);
		mutex_unlock(&fs->use);
		node = rb_first(&fs->other_tree);
	}
}
