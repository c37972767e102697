// An open-coded lock: the updater sets busy, drops the lock and takes the inner lock; the reader
// waits for busy to clear while it holds the inner lock.  Lockdep sees no cycle.
struct box {
	struct mutex lock;
	struct mutex inner;
	bool busy;
	wait_queue_head_t wq;
};

static void box_update(struct box *b)
{
	mutex_lock(&b->lock);
	b->busy = true;
	mutex_unlock(&b->lock);
	mutex_lock(&b->inner);
	mutex_unlock(&b->inner);
	mutex_lock(&b->lock);
	b->busy = false;
	wake_up_all(&b->wq);
	mutex_unlock(&b->lock);
}

static void box_read(struct box *b)
{
	mutex_lock(&b->inner);
	mutex_lock(&b->lock);
	wait_event_cmd(b->wq, !b->busy, mutex_unlock(&b->lock), mutex_lock(&b->lock));
	mutex_unlock(&b->lock);
	mutex_unlock(&b->inner);
}

static void box_read_outside(struct box *b)
{
	mutex_lock(&b->lock);
	wait_event_cmd(b->wq, !b->busy, mutex_unlock(&b->lock), mutex_lock(&b->lock));
	mutex_unlock(&b->lock);
	mutex_lock(&b->inner);
	mutex_unlock(&b->inner);
}
