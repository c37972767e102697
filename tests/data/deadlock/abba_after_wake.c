// An ABBA pair where one side first waits for a completion another function signals: that wait
// ends, so the cycle itself is what the simulator reaches.
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

/* the completion the first thread waits for: signalled elsewhere, by no thread of the cycle */
void pair_ready(struct pair *p)
{
	complete(&p->ready);
}
