struct mutex { int x; };
typedef struct { int x; } spinlock_t;
struct inner { struct mutex m; };
struct outer { struct mutex m; spinlock_t s; struct inner *in; };

/* Declared: called with o->s held, drops it to sleep, returns holding it again. */
static void sleep_unlocked(struct outer *o)
	__releases(&o->s) __acquires(&o->s)
{
	spin_unlock(&o->s);
	mutex_lock(&o->in->m);
	mutex_unlock(&o->in->m);
	spin_lock(&o->s);
}

static void release_it(struct outer *o)
	__releases(&o->s)
{
	spin_unlock(&o->s);
}

void run(struct outer *o)
{
	mutex_lock(&o->m);
	spin_lock(&o->s);
	sleep_unlocked(o);
	release_it(o);
	mutex_lock(&o->in->m);
	mutex_unlock(&o->in->m);
	mutex_unlock(&o->m);
}
