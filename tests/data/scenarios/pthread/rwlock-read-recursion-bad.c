// a read lock taken again by its holder: with a writer waiting in between (a writer-preferring
// rwlock, as POSIX allows), the second rdlock waits for the writer, which waits for the first.
// expect: recursive-locking registry.lock
#include <pthread.h>

struct registry { pthread_rwlock_t lock; int count; };

static int registry_count(struct registry *r)
{
	int n;

	pthread_rwlock_rdlock(&r->lock);
	n = r->count;
	pthread_rwlock_unlock(&r->lock);
	return n;
}

int registry_dump(struct registry *r)
{
	int n;

	pthread_rwlock_rdlock(&r->lock);
	n = registry_count(r);
	pthread_rwlock_unlock(&r->lock);
	return n;
}
