// AA: a default pthread mutex is not recursive; the helper relocks what its caller holds.
// expect: recursive-locking account.lock
#include <pthread.h>

struct account { pthread_mutex_t lock; long balance; };

static void account_add(struct account *a, long n)
{
	pthread_mutex_lock(&a->lock);
	a->balance += n;
	pthread_mutex_unlock(&a->lock);
}

void account_transfer_in(struct account *a, long n)
{
	pthread_mutex_lock(&a->lock);
	account_add(a, n);
	pthread_mutex_unlock(&a->lock);
}
