// The rx/tx shape with the sending side's queue a struct on its own stack: a lock no other function
// can hold, so it closes no cycle with the device's rx queue.  The same queue handed over from a
// caller that passes the device's rx queue (dev_resend) does.
struct queue {
	spinlock_t lock;
	int count;
};

struct dev {
	spinlock_t lock;
	struct queue rx;
};

static void queue_add(struct queue *q)
{
	spin_lock(&q->lock);
	q->count++;
	spin_unlock(&q->lock);
}

void dev_send_local(struct dev *d)
{
	struct queue scratch;

	spin_lock(&d->lock);
	queue_add(&scratch);
	spin_unlock(&d->lock);
}

static void dev_poke(struct dev *d)
{
	spin_lock(&d->lock);
	spin_unlock(&d->lock);
}

void dev_receive(struct dev *d)
{
	spin_lock(&d->rx.lock);
	dev_poke(d);
	spin_unlock(&d->rx.lock);
}
