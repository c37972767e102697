struct mutex { int x; };
struct fs { struct mutex commit; struct mutex chunk; struct mutex devices; };

enum flush { NO_FLUSH, FLUSH_ALL };

static void commit(struct fs *fs)
{
	mutex_lock(&fs->commit);
	mutex_lock(&fs->devices);
	mutex_unlock(&fs->devices);
	mutex_unlock(&fs->commit);
}

static int do_reserve(struct fs *fs, enum flush flush)
{
	int ret = try_reserve(fs);

	if (!ret || flush == NO_FLUSH)
		return ret;
	commit(fs);
	return 0;
}

/* Passes its caller's flush on: the constant travels. */
static int reserve(struct fs *fs, enum flush flush)
{
	return do_reserve(fs, flush);
}

static void by_mode(struct fs *fs, int mode)
{
	switch (mode) {
	case 1:
		commit(fs);
		break;
	default:
		break;
	}
}

/* The documented order is devices -> chunk; a reservation under chunk never flushes. */
void alloc_chunk(struct fs *fs)
{
	mutex_lock(&fs->devices);
	mutex_lock(&fs->chunk);
	reserve(fs, NO_FLUSH);
	by_mode(fs, 0);
	mutex_unlock(&fs->chunk);
	mutex_unlock(&fs->devices);
}

/* Flushing outside any lock: commit() runs. */
void write_data(struct fs *fs)
{
	reserve(fs, FLUSH_ALL);
	mutex_lock(&fs->chunk);
	by_mode(fs, 1);
	mutex_unlock(&fs->chunk);
}
