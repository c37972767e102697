// waiting on a condition variable (the userspace completion) while a spin lock is held.
// expect: sleep-in-atomic job.done
#include <pthread.h>

struct job { pthread_spinlock_t stat; pthread_mutex_t lock; pthread_cond_t done; int finished; };

void job_wait(struct job *j)
{
	pthread_spin_lock(&j->stat);
	pthread_mutex_lock(&j->lock);
	while (!j->finished)
		pthread_cond_wait(&j->done, &j->lock);
	pthread_mutex_unlock(&j->lock);
	pthread_spin_unlock(&j->stat);
}
