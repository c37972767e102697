// a subclass computed at run time (the controller's depth in the hierarchy) is lockdep's nesting by
// level: the two orders are taken at different levels, so the cycle is not reported.
// expect: nothing
struct mutex { int owner; };
struct rw_semaphore { int count; };
struct controller { struct rw_semaphore reset_lock; int depth; };
struct mutex rescan_lock;

void ctrl_reset(struct controller *c)
{
	down_read_nested(&c->reset_lock, c->depth);
	mutex_lock(&rescan_lock);
	mutex_unlock(&rescan_lock);
	up_read(&c->reset_lock);
}

void ctrl_rescan(struct controller *c)
{
	mutex_lock(&rescan_lock);
	down_read_nested(&c->reset_lock, c->depth);
	up_read(&c->reset_lock);
	mutex_unlock(&rescan_lock);
}
