
static int pred(const char *why, struct root *a, struct root *b)
{
	if (test_bit(ROOT_SHARED, &b->state))
		return 1;
	return 0;
}

static void cow4(struct fs *fs, struct root *root, struct root *other)
{
	if (pred("a,b", root, other)) {
		mutex_lock(&fs->refs);
		mutex_unlock(&fs->refs);
	}
}

void use4(struct fs *fs, struct root *other)
{
	struct root *root = lookup_global(fs, 1);

	mutex_lock(&fs->use);
	cow4(fs, root, other);
	mutex_unlock(&fs->use);
}
