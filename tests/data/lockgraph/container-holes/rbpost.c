
void mark(struct fs *fs)
{
	struct root *root = alloc_root(fs);
	struct root *next;

	rbtree_postorder_for_each_entry_safe(root, next, &fs->global_tree, rb_node)
		set_bit(ROOT_SHARED, &root->state);
}
