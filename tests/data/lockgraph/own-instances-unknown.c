// The rx/tx shape once more, with the sending side's queue a pointer loaded from memory
// (d->cur): which queue it is, the source does not say, so it may be the rx queue.
struct queue {
	spinlock_t lock;
	int count;
};

struct dev {
	spinlock_t lock;
	struct queue rx;
	struct queue tx;
	struct queue *cur;
};

static void queue_add(struct queue *q)
{
	spin_lock(&q->lock);
	q->count++;
	spin_unlock(&q->lock);
}

void dev_send(struct dev *d)
{
	spin_lock(&d->lock);
	queue_add(d->cur);
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
