// fixed: the spinlock is dropped before the wait.
// expect: nothing
struct completion { int done; };
typedef struct { int raw; } spinlock_t;
struct xfer { spinlock_t lock; struct completion done; int busy; };

void xfer_sync(struct xfer *x)
{
	spin_lock(&x->lock);
	x->busy = 1;
	spin_unlock(&x->lock);
	wait_for_completion(&x->done);
}
