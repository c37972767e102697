// fixed: the reverse order uses a trylock, which never blocks.
// expect: nothing
#include <pthread.h>

struct chan { pthread_mutex_t rx; pthread_mutex_t tx; };

void chan_poll(struct chan *c)
{
	pthread_mutex_lock(&c->tx);
	if (pthread_mutex_trylock(&c->rx) == 0)
		pthread_mutex_unlock(&c->rx);
	pthread_mutex_unlock(&c->tx);
}

void chan_reset(struct chan *c)
{
	pthread_mutex_lock(&c->rx);
	pthread_mutex_lock(&c->tx);
	pthread_mutex_unlock(&c->tx);
	pthread_mutex_unlock(&c->rx);
}
