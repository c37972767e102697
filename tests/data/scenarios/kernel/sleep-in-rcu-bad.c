// sleeping in an RCU read-side critical section.
// expect: sleep-in-atomic rcu msleep
struct peer { int state; };

int peer_wait(struct peer *p)
{
	int state;

	rcu_read_lock();
	state = p->state;
	if (state)
		msleep(10);
	rcu_read_unlock();
	return state;
}
