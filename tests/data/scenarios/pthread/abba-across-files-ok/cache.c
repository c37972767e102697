// ABBA across files, fixed: both files take cache.lock first.
// expect: nothing
#include <pthread.h>

struct store { pthread_mutex_t lock; int dirty; };
struct cache { pthread_mutex_t lock; struct store *store; int entries; };

void cache_writeback(struct cache *c)
{
	pthread_mutex_lock(&c->lock);
	pthread_mutex_lock(&c->store->lock);
	c->store->dirty = 0;
	pthread_mutex_unlock(&c->store->lock);
	pthread_mutex_unlock(&c->lock);
}
