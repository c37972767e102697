// an error path releases the lock a second time: it is no longer held there.
// expect: lock-imbalance dev.lock
struct mutex { int owner; };
struct dev { struct mutex lock; int ready; int n; };

int dev_stop(struct dev *d)
{
	mutex_lock(&d->lock);
	d->n--;
	mutex_unlock(&d->lock);
	if (!d->ready) {
		mutex_unlock(&d->lock);
		return -EINVAL;
	}
	return 0;
}
