
struct mutex ga, gb;
static void cow7(struct fs *fs, struct root *root, int bit)
{
	if (test_bit(bit, &root->state)) {
		mutex_lock(&gb);
		mutex_unlock(&gb);
	}
}

void use7(struct fs *fs)
{
	struct root *root = lookup_global(fs, 1);

	mutex_lock(&ga);
	cow7(fs, root, ROOT_SHARED);
	mutex_unlock(&ga);
}

void mark(struct fs *fs)
{
	struct root *root = lookup_global(fs, 5);

	set_bit(ROOT_SHARED, &root->state);
}
