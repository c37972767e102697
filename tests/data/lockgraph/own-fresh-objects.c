struct mutex { int x; };
struct rw_semaphore { int x; };
struct fs {
	struct rw_semaphore commit_sem;
	struct mutex fresh, asked, given, stack, designated, calloc, built, escaped, twice, linked;
	struct list_head paths;
};
struct list_head { struct list_head *next, *prev; };
struct path { int need_sem; int keep; int slot; struct list_head list; };

/* Takes the commit semaphore only for a path whose owner asked for it, and leaves the request as it was. */
static int next_leaf(struct fs *fs, struct path *path)
{
	int need = 0;

	path->keep = 1;
	if (path->need_sem) {
		path->need_sem = 0;
		need = 1;
		down_read(&fs->commit_sem);
	}
	path->keep = 0;
	if (need) {
		path->need_sem = 1;
		up_read(&fs->commit_sem);
	}
	return 0;
}

static int next_item(struct fs *fs, struct path *path)
{
	path->slot++;
	return next_leaf(fs, path);
}

static struct path *alloc_path(void)
{
	return kmem_cache_zalloc(path_cache, GFP_NOFS);
}

static void free_path(struct path *path)
{
	kmem_cache_free(path_cache, path);
}

static void ask_for_sem(struct path *path)
{
	path->need_sem = 1;
}

/* A zeroed path from a helper that returns one, no one asks the semaphore for: next_leaf() never takes it,
 * also the second time round (it restores the request it found). */
void walk_fresh(struct fs *fs)
{
	struct path *path = NULL;

	path = alloc_path();
	if (!path)
		return;
	mutex_lock(&fs->fresh);
	next_item(fs, path);
	next_item(fs, path);
	mutex_unlock(&fs->fresh);
	free_path(path);
}

/* The same path after a helper asked for the semaphore: asked -> commit_sem. */
void walk_asked(struct fs *fs)
{
	struct path *path = alloc_path();

	if (!path)
		return;
	ask_for_sem(path);
	mutex_lock(&fs->asked);
	next_item(fs, path);
	mutex_unlock(&fs->asked);
	free_path(path);
}

/* A path from the caller: anything may have been asked of it.  given -> commit_sem. */
void walk_given(struct fs *fs, struct path *path)
{
	mutex_lock(&fs->given);
	next_item(fs, path);
	mutex_unlock(&fs->given);
}

/* On the stack, zeroed by its initialiser: no commit_sem. */
void walk_stack(struct fs *fs)
{
	struct path path = {};

	mutex_lock(&fs->stack);
	next_item(fs, &path);
	mutex_unlock(&fs->stack);
}

/* Initialised with the request: designated -> commit_sem. */
void walk_designated(struct fs *fs)
{
	struct path path = { .keep = 0, .need_sem = 1 };

	mutex_lock(&fs->designated);
	next_item(fs, &path);
	mutex_unlock(&fs->designated);
}

/* kcalloc zeroes too: no commit_sem. */
void walk_calloc(struct fs *fs)
{
	struct path *paths = kcalloc(2, sizeof(*paths), GFP_KERNEL);

	mutex_lock(&fs->calloc);
	next_item(fs, paths);
	mutex_unlock(&fs->calloc);
	kfree(paths);
}

/* A helper that allocates, fills in one field and returns the object: that field is known non-zero. */
static struct path *alloc_asking_path(void)
{
	struct path *path = kzalloc(sizeof(*path), GFP_KERNEL);

	if (!path)
		return ERR_PTR(-ENOMEM);
	path->need_sem = 1;
	return path;
}

/* built -> commit_sem. */
void walk_built(struct fs *fs)
{
	struct path *path = alloc_asking_path();

	mutex_lock(&fs->built);
	next_item(fs, path);
	mutex_unlock(&fs->built);
}

/* Handed to a function outside the model first: anything may be written into it.  escaped -> commit_sem. */
void walk_escaped(struct fs *fs)
{
	struct path *path = alloc_path();

	register_path(fs, path);
	mutex_lock(&fs->escaped);
	next_item(fs, path);
	mutex_unlock(&fs->escaped);
}

/* Asks for the semaphore on its way out, whatever it found: the first call does not take it, the second does. */
static int next_leaf_sticky(struct fs *fs, struct path *path)
{
	if (path->need_sem) {
		down_read(&fs->commit_sem);
		up_read(&fs->commit_sem);
	}
	path->need_sem = 1;
	return 0;
}

/* twice -> commit_sem: through the second call. */
void walk_twice(struct fs *fs)
{
	struct path *path = alloc_path();

	mutex_lock(&fs->twice);
	next_leaf_sticky(fs, path);
	next_leaf_sticky(fs, path);
	mutex_unlock(&fs->twice);
	free_path(path);
}

/* Linked into a list by its embedded node first: whoever walks the list may write it.  linked -> commit_sem. */
void walk_linked(struct fs *fs)
{
	struct path *path = alloc_path();

	list_add(&path->list, &fs->paths);
	mutex_lock(&fs->linked);
	next_item(fs, path);
	mutex_unlock(&fs->linked);
}
