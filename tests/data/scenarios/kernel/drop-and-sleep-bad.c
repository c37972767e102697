// the helper sleeps with its caller's spinlock still held.
// expect: sleep-in-atomic cfg.lock cfg.wq
typedef struct { int raw; } spinlock_t;
struct wait_queue_head { int n; };
struct cfg { spinlock_t lock; struct wait_queue_head wq; int blocked; int users; };

static void cfg_wait(struct cfg *c)
{
	wait_event(c->wq, !c->blocked);
}

void cfg_get(struct cfg *c)
{
	spin_lock_irq(&c->lock);
	if (c->blocked)
		cfg_wait(c);
	c->users++;
	spin_unlock_irq(&c->lock);
}
