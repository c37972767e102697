// own-instances-stack.c with the queue passed down by the callers: one of them passes the device's
// rx queue, the one dev_receive holds, so dev.lock -> queue.lock -> dev.lock is a true cycle.
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

static void dev_send_to(struct dev *d, struct queue *q)
{
	spin_lock(&d->lock);
	queue_add(q);
	spin_unlock(&d->lock);
}

void dev_send_local(struct dev *d)
{
	struct queue scratch;

	dev_send_to(d, &scratch);
}

void dev_resend(struct dev *d)
{
	dev_send_to(d, &d->rx);
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
