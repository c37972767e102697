// A waiter on a condition variable nobody signals; and one that is signalled.
#include <pthread.h>

struct box {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	pthread_cond_t done;
	int full;
};

static void *waiter(void *arg)
{
	struct box *b = arg;

	pthread_mutex_lock(&b->lock);
	pthread_cond_wait(&b->done, &b->lock);
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static void *filler(void *arg)
{
	struct box *b = arg;

	pthread_mutex_lock(&b->lock);
	b->full = 1;
	pthread_cond_signal(&b->ready);
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static void *reader(void *arg)
{
	struct box *b = arg;

	pthread_mutex_lock(&b->lock);
	pthread_cond_wait(&b->ready, &b->lock);
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

int main(void)
{
	static struct box b;
	pthread_t t1, t2, t3;

	pthread_create(&t1, NULL, waiter, &b);
	pthread_create(&t2, NULL, filler, &b);
	pthread_create(&t3, NULL, reader, &b);
	return 0;
}
