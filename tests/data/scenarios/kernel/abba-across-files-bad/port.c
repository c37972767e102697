struct mutex { int owner; };
struct queue { struct mutex lock; int len; };
struct port { struct mutex lock; struct queue *queue; int up; };

void port_down(struct port *p)
{
	mutex_lock(&p->lock);
	p->up = 0;
	mutex_lock(&p->queue->lock);
	p->queue->len = 0;
	mutex_unlock(&p->queue->lock);
	mutex_unlock(&p->lock);
}
