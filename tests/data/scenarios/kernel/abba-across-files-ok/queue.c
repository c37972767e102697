// ABBA across files, fixed: both files take queue.lock before port.lock.
// expect: nothing
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
