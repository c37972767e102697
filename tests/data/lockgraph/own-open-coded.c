struct mutex { int x; };
struct wait_queue_head { int x; };
struct res {
	struct mutex m;
	struct wait_queue_head wq;
	bool busy;
	void *owner;
	atomic_t users;
	unsigned long flags;
};

/* An open-coded lock: set, drop the real lock, work, clear, wake; waiters sleep until clear. */
void claim(struct res *r)
{
	mutex_lock(&r->m);
	wait_event_cmd(r->wq, !r->busy, mutex_unlock(&r->m), mutex_lock(&r->m));
	r->busy = true;
	mutex_unlock(&r->m);
	msleep(1);
	mutex_lock(&r->m);
	r->busy = false;
	wake_up_all(&r->wq);
	mutex_unlock(&r->m);
}

/* The bit-lock shape. */
void bit_lock(struct res *r)
{
	while (test_and_set_bit_lock(RES_LOCKED, &r->flags))
		wait_on_bit(&r->flags, RES_LOCKED, TASK_UNINTERRUPTIBLE);
	mutex_lock(&r->m);
	mutex_unlock(&r->m);
}

void bit_unlock(struct res *r)
{
	clear_bit_unlock(RES_LOCKED, &r->flags);
	wake_up_bit(&r->flags, RES_LOCKED);
}

/* A pointer and a counter read in wait conditions: events, not locks. */
void take_owner(struct res *r, void *me)
{
	wait_event(r->wq, r->owner == NULL);
	r->owner = me;
	mutex_lock(&r->m);
	r->owner = NULL;
	mutex_unlock(&r->m);
}

void count(struct res *r)
{
	atomic_set(&r->users, 0);
	wait_event(r->wq, atomic_read(&r->users) == 0);
	atomic_set(&r->users, users_now);
	mutex_lock(&r->m);
	mutex_unlock(&r->m);
}

/* Waiting for the open-coded lock while holding the mutex its holder takes: a cycle lockdep cannot see. */
void waiter_under(struct res *r)
{
	mutex_lock(&r->m);
	wait_event(r->wq, !r->busy);
	mutex_unlock(&r->m);
}
