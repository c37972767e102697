// the outer lock is held around one order only: the other path can run beside it.
// expect: circular-locking pair.a pair.b
struct mutex { int owner; };
struct pair { struct mutex a; struct mutex b; };
struct mutex pair_big_lock;

void pair_forward(struct pair *p)
{
	mutex_lock(&pair_big_lock);
	mutex_lock(&p->a);
	mutex_lock(&p->b);
	mutex_unlock(&p->b);
	mutex_unlock(&p->a);
	mutex_unlock(&pair_big_lock);
}

void pair_backward(struct pair *p)
{
	mutex_lock(&p->b);
	mutex_lock(&p->a);
	mutex_unlock(&p->a);
	mutex_unlock(&p->b);
}
