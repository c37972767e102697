// trylock: once it succeeded the lock is held, and blocking on another under it orders them.
// expect: circular-locking chan.rx chan.tx
#include <pthread.h>

struct chan { pthread_mutex_t rx; pthread_mutex_t tx; };

void chan_poll(struct chan *c)
{
	if (pthread_mutex_trylock(&c->tx) == 0) {
		pthread_mutex_lock(&c->rx);
		pthread_mutex_unlock(&c->rx);
		pthread_mutex_unlock(&c->tx);
	}
}

void chan_reset(struct chan *c)
{
	pthread_mutex_lock(&c->rx);
	pthread_mutex_lock(&c->tx);
	pthread_mutex_unlock(&c->tx);
	pthread_mutex_unlock(&c->rx);
}
