// AA: a helper takes the lock its caller already holds.
// expect: recursive-locking dev.lock
struct mutex { int owner; };
struct dev { struct mutex lock; int n; };

static void dev_bump(struct dev *d)
{
	mutex_lock(&d->lock);
	d->n++;
	mutex_unlock(&d->lock);
}

void dev_update(struct dev *d)
{
	mutex_lock(&d->lock);
	dev_bump(d);
	mutex_unlock(&d->lock);
}
