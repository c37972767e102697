// waiting for a completion sleeps: not with a spinlock held.
// expect: sleep-in-atomic xfer.lock xfer.done
struct completion { int done; };
typedef struct { int raw; } spinlock_t;
struct xfer { spinlock_t lock; struct completion done; int busy; };

void xfer_sync(struct xfer *x)
{
	spin_lock(&x->lock);
	x->busy = 1;
	wait_for_completion(&x->done);
	spin_unlock(&x->lock);
}
