// Two ioctls take a and b in opposite orders, but both under the same outer lock:
// lockdep reports a -> b -> a, and no schedule can deadlock.
struct dev {
	struct mutex outer;
	struct mutex a;
	struct mutex b;
};

static long dev_ioctl_ab(struct dev *d, unsigned int cmd)
{
	mutex_lock(&d->outer);
	mutex_lock(&d->a);
	mutex_lock(&d->b);
	mutex_unlock(&d->b);
	mutex_unlock(&d->a);
	mutex_unlock(&d->outer);
	return 0;
}

static long dev_ioctl_ba(struct dev *d, unsigned int cmd)
{
	mutex_lock(&d->outer);
	mutex_lock(&d->b);
	mutex_lock(&d->a);
	mutex_unlock(&d->a);
	mutex_unlock(&d->b);
	mutex_unlock(&d->outer);
	return 0;
}
