// ABBA across files: queue.c takes queue.lock then port.lock, port.c the reverse.
// expect: circular-locking port.lock queue.lock
struct mutex { int owner; };
struct port { struct mutex lock; int up; };
struct queue { struct mutex lock; struct port *port; int len; };

void queue_flush(struct queue *q)
{
	mutex_lock(&q->lock);
	mutex_lock(&q->port->lock);
	q->len = 0;
	mutex_unlock(&q->port->lock);
	mutex_unlock(&q->lock);
}
