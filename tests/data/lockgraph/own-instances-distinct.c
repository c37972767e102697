// One lock class, two objects: a queue embedded in a device twice, as its rx and its tx queue.
// Lockdep keys both queue locks alike and would join dev.lock -> queue.lock (tx) with
// queue.lock (rx) -> dev.lock; the two are different locks, so there is no cycle.
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

/* dev.lock -> queue.lock, on the tx queue (through a local pointer given one place) */
void dev_send(struct dev *d)
{
	struct queue *q = NULL;

	spin_lock(&d->lock);
	q = &d->tx;
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
