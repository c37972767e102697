// fixed: the read section ends before the sleep.
// expect: nothing
struct peer { int state; };

int peer_wait(struct peer *p)
{
	int state;

	rcu_read_lock();
	state = p->state;
	rcu_read_unlock();
	if (state)
		msleep(10);
	return state;
}
