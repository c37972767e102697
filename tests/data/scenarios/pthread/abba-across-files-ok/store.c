#include <pthread.h>

struct cache { pthread_mutex_t lock; int entries; };
struct store { pthread_mutex_t lock; struct cache *cache; int dirty; };

void store_evict(struct store *s)
{
	pthread_mutex_lock(&s->cache->lock);
	pthread_mutex_lock(&s->lock);
	s->cache->entries = 0;
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_unlock(&s->cache->lock);
}
