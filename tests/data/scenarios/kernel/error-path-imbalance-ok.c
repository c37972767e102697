// fixed: the error path leaves through the unlock.
// expect: nothing
struct mutex { int owner; };
struct dev { struct mutex lock; int ready; int n; };

int dev_start(struct dev *d)
{
	int ret = 0;

	mutex_lock(&d->lock);
	if (!d->ready) {
		ret = -EINVAL;
		goto out_unlock;
	}
	d->n++;
out_unlock:
	mutex_unlock(&d->lock);
	return ret;
}
