// The cycle dev.a -> dev.b -> dev.a closes only through lookup_ops(t)->release(d): the struct of the
// pointer is unknown, so the call reaches dev_release by the field name alone.
struct mutex { int owner; };
struct dev { struct mutex a; struct mutex b; };

static void dev_release(struct dev *d)
{
	mutex_lock(&d->a);
	mutex_unlock(&d->a);
}

static struct dev_ops { void (*release)(struct dev *); } the_ops = { .release = dev_release };

void dev_put(struct dev *d, struct thing *t)
{
	mutex_lock(&d->b);
	lookup_ops(t)->release(d);
	mutex_unlock(&d->b);
}

void dev_get(struct dev *d)
{
	mutex_lock(&d->a);
	mutex_lock(&d->b);
	mutex_unlock(&d->b);
	mutex_unlock(&d->a);
}
