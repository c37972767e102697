// Three work functions, each holding one lock while it takes the next: a -> b -> c -> a.
struct ring {
	spinlock_t a;
	spinlock_t b;
	spinlock_t c;
	struct work_struct wa, wb, wc;
	int count;
};

static void take_b(struct ring *r)
{
	spin_lock(&r->b);
	r->count++;
	spin_unlock(&r->b);
}

static void ring_work_a(struct work_struct *w)
{
	struct ring *r = container_of(w, struct ring, wa);

	spin_lock(&r->a);
	take_b(r);
	spin_unlock(&r->a);
}

static void ring_work_b(struct work_struct *w)
{
	struct ring *r = container_of(w, struct ring, wb);

	spin_lock(&r->b);
	if (r->count) {
		spin_lock(&r->c);
		r->count--;
		spin_unlock(&r->c);
	}
	spin_unlock(&r->b);
}

static void ring_work_c(struct work_struct *w)
{
	struct ring *r = container_of(w, struct ring, wc);

	spin_lock(&r->c);
	spin_lock(&r->a);
	r->count = 0;
	spin_unlock(&r->a);
	spin_unlock(&r->c);
}

static void ring_init(struct ring *r)
{
	INIT_WORK(&r->wa, ring_work_a);
	INIT_WORK(&r->wb, ring_work_b);
	INIT_WORK(&r->wc, ring_work_c);
}
