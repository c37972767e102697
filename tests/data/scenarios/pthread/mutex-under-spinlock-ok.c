// fixed: the mutex is taken outside the spin lock.
// expect: nothing
#include <pthread.h>

struct ring { pthread_spinlock_t head; pthread_mutex_t big; int n; };

void ring_push(struct ring *r)
{
	pthread_mutex_lock(&r->big);
	pthread_spin_lock(&r->head);
	r->n++;
	pthread_spin_unlock(&r->head);
	pthread_mutex_unlock(&r->big);
}
