// The same two functions with a plain lock on both sides: a real ABBA deadlock.
struct pair {
	struct mutex a;
	struct mutex b;
	int state;
};

static int pair_forward(struct pair *p)
{
	mutex_lock(&p->a);
	mutex_lock(&p->b);
	p->state = 1;
	mutex_unlock(&p->b);
	mutex_unlock(&p->a);
	return 0;
}

static int pair_backward(struct pair *p)
{
	mutex_lock(&p->b);
	mutex_lock(&p->a);
	p->state = 2;
	mutex_unlock(&p->a);
	mutex_unlock(&p->b);
	return 0;
}
