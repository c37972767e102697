// without the level, the two orders of reset_lock and rescan_lock make a cycle.
// expect: circular-locking controller.reset_lock rescan_lock
struct mutex { int owner; };
struct rw_semaphore { int count; };
struct controller { struct rw_semaphore reset_lock; int depth; };
struct mutex rescan_lock;

void ctrl_reset(struct controller *c)
{
	down_read(&c->reset_lock);
	mutex_lock(&rescan_lock);
	mutex_unlock(&rescan_lock);
	up_read(&c->reset_lock);
}

void ctrl_rescan(struct controller *c)
{
	mutex_lock(&rescan_lock);
	down_read(&c->reset_lock);
	up_read(&c->reset_lock);
	mutex_unlock(&rescan_lock);
}
