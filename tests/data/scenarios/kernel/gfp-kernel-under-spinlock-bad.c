// a GFP_KERNEL allocation may sleep: not under a spinlock.
// expect: sleep-in-atomic pool.lock kmalloc
typedef struct { int raw; } spinlock_t;
struct pool { spinlock_t lock; void *spare; };

void pool_refill(struct pool *p)
{
	spin_lock(&p->lock);
	if (!p->spare)
		p->spare = kmalloc(64, GFP_KERNEL);
	spin_unlock(&p->lock);
}
