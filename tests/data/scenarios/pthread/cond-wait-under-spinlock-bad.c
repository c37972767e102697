// waiting on a condition variable (the userspace completion) while a spin lock is held; and
// pthread_cond_wait() takes job.lock again under job.stat, the reverse of the order at the top.
// expect: sleep-in-atomic job.stat job.done
// expect: circular-locking job.lock job.stat
#include <pthread.h>

struct job { pthread_spinlock_t stat; pthread_mutex_t lock; pthread_cond_t done; int finished; };

void job_wait(struct job *j)
{
	pthread_mutex_lock(&j->lock);
	pthread_spin_lock(&j->stat);
	while (!j->finished)
		pthread_cond_wait(&j->done, &j->lock);
	pthread_spin_unlock(&j->stat);
	pthread_mutex_unlock(&j->lock);
}
