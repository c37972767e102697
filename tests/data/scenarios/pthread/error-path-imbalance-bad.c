// an error path returns with the mutex held.
// expect: lock-imbalance conn.lock
#include <pthread.h>
#include <errno.h>

struct conn { pthread_mutex_t lock; int open; int sent; };

int conn_send(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	if (!c->open)
		return -ENOTCONN;
	c->sent++;
	pthread_mutex_unlock(&c->lock);
	return 0;
}
