// fixed: every path unlocks.
// expect: nothing
#include <pthread.h>
#include <errno.h>

struct conn { pthread_mutex_t lock; int open; int sent; };

int conn_send(struct conn *c)
{
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	if (!c->open) {
		ret = -ENOTCONN;
		goto out;
	}
	c->sent++;
out:
	pthread_mutex_unlock(&c->lock);
	return ret;
}
