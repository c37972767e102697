
int load_other(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	set_bit(ROOT_SHARED, &root->state);
	rb_find_add(&root->rb_node, &fs->other_tree, root_cmp);
	return 0;
}

void use_two(struct fs *fs, int which)
{
	struct rb_node *node = rb_first(&fs->global_tree);
	struct root *root;

	if (which)
		goto other;
again:
	root = rb_entry(node, struct root, rb_node);
	mutex_lock(&fs->use);
	cow(fs, root);
	mutex_unlock(&fs->use);
	return;
other:
	node = rb_first(&fs->other_tree);
	goto again;
}
