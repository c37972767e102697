// fixed: one unlock on every path.
// expect: nothing
struct mutex { int owner; };
struct dev { struct mutex lock; int ready; int n; };

int dev_stop(struct dev *d)
{
	mutex_lock(&d->lock);
	d->n--;
	mutex_unlock(&d->lock);
	if (!d->ready)
		return -EINVAL;
	return 0;
}
