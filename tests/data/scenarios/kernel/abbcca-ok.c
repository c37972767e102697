// ABBCCA fixed: drv_remove takes bus.lock first, as the other paths order it.
// expect: nothing
struct mutex { int owner; };
struct bus { struct mutex lock; };
struct dev { struct mutex lock; };
struct drv { struct mutex lock; };
struct ctx { struct bus *bus; struct dev *dev; struct drv *drv; };

void bus_rescan(struct ctx *c)
{
	mutex_lock(&c->bus->lock);
	mutex_lock(&c->dev->lock);
	mutex_unlock(&c->dev->lock);
	mutex_unlock(&c->bus->lock);
}

void dev_bind(struct ctx *c)
{
	mutex_lock(&c->dev->lock);
	mutex_lock(&c->drv->lock);
	mutex_unlock(&c->drv->lock);
	mutex_unlock(&c->dev->lock);
}

void drv_remove(struct ctx *c)
{
	mutex_lock(&c->bus->lock);
	mutex_lock(&c->drv->lock);
	mutex_unlock(&c->drv->lock);
	mutex_unlock(&c->bus->lock);
}
