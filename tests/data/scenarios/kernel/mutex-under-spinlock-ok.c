// fixed: the mutex is taken first, the spinlock inside it.
// expect: nothing
struct mutex { int owner; };
typedef struct { int raw; } spinlock_t;
struct dev { spinlock_t irq_lock; struct mutex cfg_lock; int irqs; };

void dev_reconfigure(struct dev *d)
{
	mutex_lock(&d->cfg_lock);
	spin_lock(&d->irq_lock);
	d->irqs = 0;
	spin_unlock(&d->irq_lock);
	mutex_unlock(&d->cfg_lock);
}
