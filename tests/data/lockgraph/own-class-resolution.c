struct mutex { int x; };
typedef struct { int x; } spinlock_t;
struct bucket { spinlock_t lock; };
struct table { struct bucket *buckets; spinlock_t locks[8]; };
struct obj { struct mutex m; struct table *t; };

static void take_spin(spinlock_t *l)
{
	spin_lock(l);
	spin_unlock(l);
}

static void pass_on(spinlock_t *l)
{
	take_spin(l);
}

void user(struct obj *o, int i)
{
	mutex_lock(&o->m);
	pass_on(&o->t->locks[i]);
	take_spin(&o->t->buckets[i].lock);
	mutex_unlock(&o->m);
}
