struct mutex { int x; };
struct dev { struct mutex a; struct mutex b; int x; int y; };

void f(struct dev *d)
{
	mutex_lock(&d->a);
	if (d->x)
		goto inner;
	mutex_unlock(&d->a);
	return;
	if (d->y) {
inner:
		mutex_lock(&d->b);
		mutex_unlock(&d->b);
	}
	mutex_unlock(&d->a);
}
