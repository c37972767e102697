
struct fs2 { struct rb_root global_tree; int n; };

int load_shared(struct fs *fs, struct fs2 *o)
{
	struct root *root = alloc_root(fs);

	set_bit(ROOT_SHARED, &root->state);
	if (o) {
		struct fs2 *fs = o;

		fs->n = 1;
	}
	rb_find_add(&root->rb_node, &fs->global_tree, root_cmp);
	return 0;
}
