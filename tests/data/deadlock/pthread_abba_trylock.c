// rx -> tx on one side; on the other tx is held and rx only tried.
#include <pthread.h>

struct chan {
	pthread_mutex_t rx;
	pthread_mutex_t tx;
	int queued;
};

static void *chan_poll(void *arg)
{
	struct chan *c = arg;

	pthread_mutex_lock(&c->tx);
	if (pthread_mutex_trylock(&c->rx) == 0) {
		c->queued = 0;
		pthread_mutex_unlock(&c->rx);
	}
	pthread_mutex_unlock(&c->tx);
	return NULL;
}

static void *chan_reset(void *arg)
{
	struct chan *c = arg;

	pthread_mutex_lock(&c->rx);
	pthread_mutex_lock(&c->tx);
	c->queued = 0;
	pthread_mutex_unlock(&c->tx);
	pthread_mutex_unlock(&c->rx);
	return NULL;
}

int main(void)
{
	static struct chan c;
	pthread_t t1, t2;

	pthread_create(&t1, NULL, chan_poll, &c);
	pthread_create(&t2, NULL, chan_reset, &c);
	return 0;
}
