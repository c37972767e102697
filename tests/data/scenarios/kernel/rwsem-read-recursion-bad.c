// rwsem read recursion: rwsem readers never recurse (a writer queued between the two
// down_read() calls blocks the second, and the first is never released).
// expect: recursive-locking mapping.sem
struct rw_semaphore { int count; };
struct mapping { struct rw_semaphore sem; int pages; };

static int mapping_count(struct mapping *m)
{
	int n;

	down_read(&m->sem);
	n = m->pages;
	up_read(&m->sem);
	return n;
}

int mapping_report(struct mapping *m)
{
	int n;

	down_read(&m->sem);
	n = mapping_count(m);
	up_read(&m->sem);
	return n;
}
