struct mutex { int x; };
struct dev { struct mutex lock; struct mutex other; struct mutex third; int ready; };

/* A lock wrapper: returns holding dev.lock on every path. */
static void lock_dev(struct dev *d)
{
	mutex_lock(&d->lock);
}

static void unlock_dev(struct dev *d)
{
	mutex_unlock(&d->lock);
}

/* Holds dev.lock on one exit only: the caller may not count on it. */
static int sometimes(struct dev *d)
{
	if (d->ready)
		return 0;
	mutex_lock(&d->lock);
	return 1;
}

static int killable(struct dev *d)
{
	int ret;

	ret = mutex_lock_killable(&d->lock);
	if (ret)
		goto out;
	d->ready = 1;
	mutex_unlock(&d->lock);
out:
	return ret;
}

static int try_then_work(struct dev *d)
{
	if (!mutex_trylock(&d->lock))
		return -EBUSY;
	mutex_lock(&d->third);
	mutex_unlock(&d->third);
	mutex_unlock(&d->lock);
	return 0;
}

void uses_wrappers(struct dev *d)
{
	lock_dev(d);
	mutex_lock(&d->other);
	mutex_unlock(&d->other);
	unlock_dev(d);
	sometimes(d);
	killable(d);
	try_then_work(d);
	mutex_lock(&d->third);
	mutex_unlock(&d->third);
}
