
struct mutex ga, gb;
struct bag2 { struct root *other; };
static void cow9(struct fs *fs, struct root *root, struct root *other)
{
	swap(root, other);
	if (root_shared(root)) { mutex_lock(&gb); mutex_unlock(&gb); }
}
void mark(struct fs *fs, struct bag2 *b)
{
	struct root *r = alloc_root(fs);

	set_bit(ROOT_SHARED, &r->state);
	b->other = r;
}
void use9(struct fs *fs, struct bag2 *b, int x)
{
	struct root *root = lookup_global(fs, 1);
	struct root *other = b->other;

	mutex_lock(&ga);
	cow9(fs, root, other);
	mutex_unlock(&ga);
}
