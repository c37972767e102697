// an error path returns with the lock held.
// expect: lock-imbalance dev.lock
struct mutex { int owner; };
struct dev { struct mutex lock; int ready; int n; };

int dev_start(struct dev *d)
{
	mutex_lock(&d->lock);
	if (!d->ready)
		return -EINVAL;
	d->n++;
	mutex_unlock(&d->lock);
	return 0;
}
