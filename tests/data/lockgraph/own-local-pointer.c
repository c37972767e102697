// A walk control on the caller's stack decides which function a pointer call reaches:
// free_tree() passes one whose process() only pins, replay_tree() one whose process() replays
// (and takes the inode lock).  The commit lock is held only around free_tree().
struct fs {
	struct mutex commit;
	struct mutex inode_lock;
};

struct walk_control {
	int free;
	int (*process)(struct fs *f, struct walk_control *wc);
};

static int pin_one(struct fs *f, struct walk_control *wc)
{
	return wc->free;
}

static int replay_one(struct fs *f, struct walk_control *wc)
{
	mutex_lock(&f->inode_lock);
	mutex_unlock(&f->inode_lock);
	return 0;
}

static int walk_down(struct fs *f, struct walk_control *wc)
{
	return wc->process(f, wc);
}

static int walk_tree(struct fs *f, struct walk_control *wc)
{
	return walk_down(f, wc);
}

static void free_tree(struct fs *f)
{
	struct walk_control wc = {
		.free = 1,
		.process = pin_one,
	};

	walk_tree(f, &wc);
}

void switch_roots(struct fs *f)
{
	mutex_lock(&f->commit);
	free_tree(f);
	mutex_unlock(&f->commit);
}

void replay_tree(struct fs *f)
{
	struct walk_control wc = { .process = pin_one };

	walk_tree(f, &wc);
	wc.process = replay_one;
	walk_tree(f, &wc);  /* replays with nothing held */
}

/* a walk with no stack object of its own on the way: any stored function may be reached */
void walk_any(struct fs *f, struct walk_control *wc)
{
	mutex_lock(&f->commit);
	walk_tree(f, wc);
	mutex_unlock(&f->commit);
}
