// rwlock read recursion in process context: a writer queued between the two read_lock()
// calls makes the second one wait behind it (queued rwlocks), so it can deadlock.
// expect: recursive-locking table.lock
typedef struct { int cnts; } rwlock_t;
struct table { rwlock_t lock; int size; };

static int table_size(struct table *t)
{
	int n;

	read_lock(&t->lock);
	n = t->size;
	read_unlock(&t->lock);
	return n;
}

int table_dump(struct table *t)
{
	int n;

	read_lock(&t->lock);
	n = table_size(t);
	read_unlock(&t->lock);
	return n;
}
