// a common outer lock held around both orders: the two paths cannot run at once, so the
// inner orders cannot deadlock.
// expect: nothing
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
	mutex_lock(&pair_big_lock);
	mutex_lock(&p->b);
	mutex_lock(&p->a);
	mutex_unlock(&p->a);
	mutex_unlock(&p->b);
	mutex_unlock(&pair_big_lock);
}
