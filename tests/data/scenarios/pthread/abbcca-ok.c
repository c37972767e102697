// ABBCCA fixed: log_rotate takes db.lock first.
// expect: nothing
#include <pthread.h>

struct db { pthread_mutex_t lock; };
struct index { pthread_mutex_t lock; };
struct log { pthread_mutex_t lock; };
struct ctx { struct db *db; struct index *index; struct log *log; };

void db_commit(struct ctx *c)
{
	pthread_mutex_lock(&c->db->lock);
	pthread_mutex_lock(&c->index->lock);
	pthread_mutex_unlock(&c->index->lock);
	pthread_mutex_unlock(&c->db->lock);
}

void index_rebuild(struct ctx *c)
{
	pthread_mutex_lock(&c->index->lock);
	pthread_mutex_lock(&c->log->lock);
	pthread_mutex_unlock(&c->log->lock);
	pthread_mutex_unlock(&c->index->lock);
}

void log_rotate(struct ctx *c)
{
	pthread_mutex_lock(&c->db->lock);
	pthread_mutex_lock(&c->log->lock);
	pthread_mutex_unlock(&c->log->lock);
	pthread_mutex_unlock(&c->db->lock);
}
