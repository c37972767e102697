// fixed: the spin lock is dropped before the wait.
// expect: nothing
#include <pthread.h>

struct job { pthread_spinlock_t stat; pthread_mutex_t lock; pthread_cond_t done; int finished; };

void job_wait(struct job *j)
{
	pthread_mutex_lock(&j->lock);
	pthread_spin_lock(&j->stat);
	j->finished = 0;
	pthread_spin_unlock(&j->stat);
	while (!j->finished)
		pthread_cond_wait(&j->done, &j->lock);
	pthread_mutex_unlock(&j->lock);
}
