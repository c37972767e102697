// The consumer waits, holding the queue lock, for a semaphore nobody posts; the producer then
// waits for the queue lock.
#include <pthread.h>
#include <semaphore.h>

struct queue {
	pthread_mutex_t lock;
	sem_t items;
	int count;
};

static void *consumer(void *arg)
{
	struct queue *q = arg;

	pthread_mutex_lock(&q->lock);
	sem_wait(&q->items);
	q->count--;
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static void *producer(void *arg)
{
	struct queue *q = arg;

	pthread_mutex_lock(&q->lock);
	q->count++;
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int main(void)
{
	static struct queue q;
	pthread_t t1, t2;

	pthread_create(&t1, NULL, consumer, &q);
	pthread_create(&t2, NULL, producer, &q);
	return 0;
}
