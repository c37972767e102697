// a mutex taken under a spinlock: mutex_lock() may sleep, which is a bug in atomic context.
// expect: sleep-in-atomic dev.irq_lock dev.cfg_lock
struct mutex { int owner; };
typedef struct { int raw; } spinlock_t;
struct dev { spinlock_t irq_lock; struct mutex cfg_lock; int irqs; };

void dev_reconfigure(struct dev *d)
{
	spin_lock(&d->irq_lock);
	d->irqs = 0;
	mutex_lock(&d->cfg_lock);
	mutex_unlock(&d->cfg_lock);
	spin_unlock(&d->irq_lock);
}
