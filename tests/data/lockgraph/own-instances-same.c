// The same shape as own-instances-distinct.c, but both dependencies are on the rx queue:
// the same lock at both ends, a true cycle.
struct queue {
	spinlock_t lock;
	int count;
};

struct dev {
	spinlock_t lock;
	struct queue rx;
	struct queue tx;
};

static void queue_add(struct queue *q)
{
	spin_lock(&q->lock);
	q->count++;
	spin_unlock(&q->lock);
}

/* dev.lock -> queue.lock, on the rx queue, the one dev_receive holds: a true cycle */
void dev_send(struct dev *d)
{
	struct queue *q = NULL;

	spin_lock(&d->lock);
	q = &d->rx;
	queue_add(q);
	spin_unlock(&d->lock);
}

static void dev_poke(struct dev *d)
{
	spin_lock(&d->lock);
	spin_unlock(&d->lock);
}

/* queue.lock -> dev.lock, on the rx queue (the lock named through the member itself) */
void dev_receive(struct dev *d)
{
	spin_lock(&d->rx.lock);
	dev_poke(d);
	spin_unlock(&d->rx.lock);
}
