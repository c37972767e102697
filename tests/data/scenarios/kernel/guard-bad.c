// guard(): the lock is held to the end of the scope, so the helper called inside it takes it again.
// expect: recursive-locking dev.lock
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
	guard(mutex)(&d->lock);
	if (!d->ready)
		return -EINVAL;
	dev_count(d);
	return 0;
}
