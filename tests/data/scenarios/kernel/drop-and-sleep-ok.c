// a helper that drops its caller's spinlock, sleeps, and takes it again (pci_wait_cfg): no sleep under it.
// expect: nothing
typedef struct { int raw; } spinlock_t;
struct wait_queue_head { int n; };
struct cfg { spinlock_t lock; struct wait_queue_head wq; int blocked; int users; };

static void cfg_wait(struct cfg *c)
	__must_hold(&c->lock)
{
	spin_unlock_irq(&c->lock);
	wait_event(c->wq, !c->blocked);
	spin_lock_irq(&c->lock);
}

void cfg_get(struct cfg *c)
{
	spin_lock_irq(&c->lock);
	if (c->blocked)
		cfg_wait(c);
	c->users++;
	spin_unlock_irq(&c->lock);
}
