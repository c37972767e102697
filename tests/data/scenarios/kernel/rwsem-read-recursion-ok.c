// rwsem read recursion fixed: the caller already holds the semaphore; the helper does not take it again.
// expect: nothing
struct rw_semaphore { int count; };
struct mapping { struct rw_semaphore sem; int pages; };

static int mapping_count_locked(struct mapping *m)
{
	return m->pages;
}

int mapping_report(struct mapping *m)
{
	int n;

	down_read(&m->sem);
	n = mapping_count_locked(m);
	up_read(&m->sem);
	return n;
}
