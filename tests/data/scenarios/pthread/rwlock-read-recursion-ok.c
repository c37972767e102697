// fixed: the helper runs under its caller's read lock.
// expect: nothing
#include <pthread.h>

struct registry { pthread_rwlock_t lock; int count; };

static int registry_count_locked(struct registry *r)
{
	return r->count;
}

int registry_dump(struct registry *r)
{
	int n;

	pthread_rwlock_rdlock(&r->lock);
	n = registry_count_locked(r);
	pthread_rwlock_unlock(&r->lock);
	return n;
}
