// fixed: GFP_ATOMIC does not sleep.
// expect: nothing
typedef struct { int raw; } spinlock_t;
struct pool { spinlock_t lock; void *spare; };

void pool_refill(struct pool *p)
{
	spin_lock(&p->lock);
	if (!p->spare)
		p->spare = kmalloc(64, GFP_ATOMIC);
	spin_unlock(&p->lock);
}
