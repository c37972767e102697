// AA fixed: the helper expects the lock held.
// expect: nothing
#include <pthread.h>

struct account { pthread_mutex_t lock; long balance; };

static void account_add_locked(struct account *a, long n)
{
	a->balance += n;
}

void account_transfer_in(struct account *a, long n)
{
	pthread_mutex_lock(&a->lock);
	account_add_locked(a, n);
	pthread_mutex_unlock(&a->lock);
}
