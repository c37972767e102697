
struct bag { struct list_head shared; };

int load_list(struct fs *fs)
{
	struct root *root = alloc_root(fs);

	list_add(&root->list, &fs->glist);
	return 0;
}

int load_shared(struct fs *fs, struct bag *bag)
{
	struct root *root = alloc_root(fs);

	set_bit(ROOT_SHARED, &root->state);
	list_add(&root->list, &bag->shared);
	return 0;
}

static void cow5(struct fs *fs, struct root *root, struct bag *bag)
{
	list_for_each_entry(root, &bag->shared, list) {
		if (root_shared(root)) {
			mutex_lock(&fs->refs);
			mutex_unlock(&fs->refs);
		}
	}
}

void use_list(struct fs *fs, struct bag *bag)
{
	struct root *root = list_first_entry(&fs->glist, struct root, list);

	mutex_lock(&fs->use);
	cow5(fs, root, bag);
	mutex_unlock(&fs->use);
}
