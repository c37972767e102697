// fixed: the work is flushed after the lock is dropped.
// expect: nothing
struct mutex { int owner; };
struct work_struct { int pending; };
struct dev { struct mutex lock; struct work_struct work; int events; };

static void dev_work_fn(struct work_struct *work)
{
	struct dev *d = container_of(work, struct dev, work);

	mutex_lock(&d->lock);
	d->events = 0;
	mutex_unlock(&d->lock);
}

void dev_init(struct dev *d)
{
	INIT_WORK(&d->work, dev_work_fn);
}

void dev_shutdown(struct dev *d)
{
	mutex_lock(&d->lock);
	d->events = -1;
	mutex_unlock(&d->lock);
	flush_work(&d->work);
}
