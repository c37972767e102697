// An ABBA pair where one side first waits for a completion nobody signals: the search stops at that
// wait (a task waits for ever), before the two locks ever meet.
struct pair {
	struct mutex a;
	struct mutex b;
	struct completion ready;
	int state;
};

static int pair_forward(struct pair *p)
{
	wait_for_completion(&p->ready);
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
