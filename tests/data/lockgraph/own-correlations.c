// Correlations a walk must not lose where paths meet: the sign of a return value, a loop that
// never ends by its condition, and a field a function sets while it holds a lock.
struct fs {
	struct mutex reclaim;
	struct mutex chunk;
	spinlock_t list_lock;
	struct list_head list;
};

struct trans {
	struct fs *fs;
	bool removing;
};

int next_item(struct fs *f);
int remove_item(struct trans *t);
void run_one(struct fs *f);

/* if (ret) unlock; if (ret < 0) goto error; if (ret > 0) break;  -- falling through means ret == 0 */
int relocate_all(struct fs *f)
{
	int ret;

	while (1) {
		mutex_lock(&f->reclaim);
		ret = next_item(f);
		if (ret)
			mutex_unlock(&f->reclaim);
		if (ret < 0)
			goto error;
		if (ret > 0)
			break;
		run_one(f);
		mutex_unlock(&f->reclaim);
	}
	return 0;
error:
	return ret;
}

/* for (;;) leaves only by the breaks, each with the lock held */
void run_ordered(struct fs *f)
{
	for (;;) {
		spin_lock(&f->list_lock);
		if (list_empty(&f->list))
			break;
		if (next_item(f) >= 0)
			break;
		spin_unlock(&f->list_lock);
		run_one(f);
	}
	spin_unlock(&f->list_lock);
}

/* t->removing is set when chunk is taken and cleared when it is dropped: out: tests it */
int remove_chunk(struct trans *t)
{
	struct fs *f = t->fs;
	int ret;

	ret = remove_item(t);
	if (ret)
		goto out;
	t->removing = true;
	mutex_lock(&f->chunk);
	ret = remove_item(t);
	if (ret)
		goto out;
	mutex_unlock(&f->chunk);
	t->removing = false;
	ret = remove_item(t);
out:
	if (t->removing) {
		mutex_unlock(&f->chunk);
		t->removing = false;
	}
	return ret;
}

/* the sign is only a sign: ret < 0 and ret == -5 may both hold, and ret >= 0 after ret != 0 is > 0 */
int signs(struct fs *f)
{
	int ret = next_item(f);

	if (ret >= 0)
		return 0;
	mutex_lock(&f->chunk);
	if (ret == -5)
		mutex_unlock(&f->chunk);
	else
		mutex_unlock(&f->chunk);
	return ret;
}
