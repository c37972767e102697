struct mutex { int x; };
struct top { struct mutex lock; };
struct a { struct mutex lock; };
struct b { struct mutex lock; };
struct a_ops { void (*open)(struct top *t); };
struct b_ops { void (*open)(struct top *t); };

static struct a the_a;
static struct b the_b;

static void a_open(struct top *t) { mutex_lock(&the_a.lock); mutex_unlock(&the_a.lock); }
static void b_open(struct top *t) { mutex_lock(&the_b.lock); mutex_unlock(&the_b.lock); }
static const struct a_ops a_table = { .open = a_open };
static const struct b_ops b_table[] = { { .open = b_open } };

void typed(struct top *t, const struct a_ops *ops)
{
	mutex_lock(&t->lock);
	ops->open(t);
	mutex_unlock(&t->lock);
}

void untyped(struct top *t, void *cookie)
{
	mutex_lock(&t->lock);
	mystery(cookie)->open(t);
	mutex_unlock(&t->lock);
}
