// the outer lock is held around one order only.
// expect: circular-locking pair.a pair.b
#include <pthread.h>

struct pair { pthread_mutex_t a; pthread_mutex_t b; };
pthread_mutex_t pair_big_lock = PTHREAD_MUTEX_INITIALIZER;

void pair_forward(struct pair *p)
{
	pthread_mutex_lock(&pair_big_lock);
	pthread_mutex_lock(&p->a);
	pthread_mutex_lock(&p->b);
	pthread_mutex_unlock(&p->b);
	pthread_mutex_unlock(&p->a);
	pthread_mutex_unlock(&pair_big_lock);
}

void pair_backward(struct pair *p)
{
	pthread_mutex_lock(&p->b);
	pthread_mutex_lock(&p->a);
	pthread_mutex_unlock(&p->a);
	pthread_mutex_unlock(&p->b);
}
