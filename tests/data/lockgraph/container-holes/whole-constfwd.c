struct mutex { int x; };
struct fs { struct mutex refs, use; int v; };

static void inner(struct fs *fs, int flag)
{
	if (flag) {
		mutex_lock(&fs->refs);
		mutex_unlock(&fs->refs);
	}
}

static void wrapper(struct fs *fs, int flag)
{
	flag = fs->v;
	inner(fs, flag);
}

void use(struct fs *fs)
{
	mutex_lock(&fs->use);
	wrapper(fs, 0);
	mutex_unlock(&fs->use);
}
