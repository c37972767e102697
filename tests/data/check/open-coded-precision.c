// Which flags are open-coded locks: set, a lock dropped while set (held when set, or waited for
// inside the region), cleared, waiters woken, waiters sleeping until it is clear.
struct box {
	struct mutex lock;
	struct mutex work_lock;
	unsigned long flags;
	bool busy;
	bool running;
	wait_queue_head_t wq;
};

#define BOX_CLEANING 1
#define BOX_WRITEBACK 2

void do_work(struct box *b);

/* set under the lock, the lock dropped for the work: an open-coded lock */
void box_update(struct box *b)
{
	mutex_lock(&b->lock);
	b->busy = true;
	mutex_unlock(&b->lock);
	do_work(b);
	mutex_lock(&b->lock);
	b->busy = false;
	wake_up_all(&b->wq);
	mutex_unlock(&b->lock);
}

void box_use(struct box *b)
{
	mutex_lock(&b->lock);
	wait_event_cmd(b->wq, !b->busy, mutex_unlock(&b->lock), mutex_lock(&b->lock));
	mutex_unlock(&b->lock);
}

/* set with nothing held, a lock waited for and dropped inside: still one (pciehp's ist_running) */
void box_thread(struct box *b)
{
	b->running = true;
	mutex_lock(&b->work_lock);
	do_work(b);
	mutex_unlock(&b->work_lock);
	b->running = false;
	wake_up(&b->wq);
}

void box_request(struct box *b)
{
	wait_event(b->wq, !b->running);
}

/* a "cleaner is running" mark whose region only tries its lock: no one waits inside, no lock */
void box_cleaner(struct box *b)
{
	set_bit(BOX_CLEANING, &b->flags);
	if (mutex_trylock(&b->work_lock)) {
		do_work(b);
		mutex_unlock(&b->work_lock);
	}
	clear_and_wake_up_bit(BOX_CLEANING, &b->flags);
}

void box_remount(struct box *b)
{
	wait_on_bit(&b->flags, BOX_CLEANING, TASK_UNINTERRUPTIBLE);
}

/* a writeback bit: set under a spinlock, cleared when the I/O completes, waited for as I/O */
void box_start_io(struct box *b)
{
	mutex_lock(&b->lock);
	set_bit(BOX_WRITEBACK, &b->flags);
	mutex_unlock(&b->lock);
}

void box_end_io(struct box *b)
{
	clear_bit(BOX_WRITEBACK, &b->flags);
	wake_up_bit(&b->flags, BOX_WRITEBACK);
}

void box_wait_io(struct box *b)
{
	wait_on_bit_io(&b->flags, BOX_WRITEBACK, TASK_UNINTERRUPTIBLE);
}
