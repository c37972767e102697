// scoped_guard(): the lock is dropped at the end of its block, before the helper; an early
// return inside a guarded scope releases it too (no imbalance).
// expect: nothing
struct mutex { int owner; };
struct dev { struct mutex lock; int ready; int n; };

static void dev_count(struct dev *d)
{
	mutex_lock(&d->lock);
	d->n++;
	mutex_unlock(&d->lock);
}

int dev_kick(struct dev *d)
{
	scoped_guard(mutex, &d->lock) {
		if (!d->ready)
			return -EINVAL;
	}
	dev_count(d);
	return 0;
}
