// blocking on a mutex while holding a spin lock: every other spinner burns its CPU meanwhile.
// expect: sleep-in-atomic ring.head ring.big
#include <pthread.h>

struct ring { pthread_spinlock_t head; pthread_mutex_t big; int n; };

void ring_push(struct ring *r)
{
	pthread_spin_lock(&r->head);
	r->n++;
	pthread_mutex_lock(&r->big);
	pthread_mutex_unlock(&r->big);
	pthread_spin_unlock(&r->head);
}
