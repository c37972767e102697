// AA fixed: the helper asserts the lock instead of taking it.
// expect: nothing
struct mutex { int owner; };
struct dev { struct mutex lock; int n; };

static void dev_bump_locked(struct dev *d)
{
	lockdep_assert_held(&d->lock);
	d->n++;
}

void dev_update(struct dev *d)
{
	mutex_lock(&d->lock);
	dev_bump_locked(d);
	mutex_unlock(&d->lock);
}
