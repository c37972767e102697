// the helper always takes the lock, and a caller already holds it.
// expect: recursive-locking bus_sem
struct rw_semaphore { int count; };
struct rw_semaphore bus_sem;
struct bus { int devices; };

static void walk(struct bus *b)
{
	down_read(&bus_sem);
	b->devices++;
	up_read(&bus_sem);
}

void rescan(struct bus *b)
{
	down_read(&bus_sem);
	walk(b);
	up_read(&bus_sem);
}
