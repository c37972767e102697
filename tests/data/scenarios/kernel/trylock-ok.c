// trylock fixed: the reverse order is taken with a trylock, which never blocks: no dependency.
// expect: nothing
struct mutex { int owner; };
struct link { struct mutex a; struct mutex b; };

void link_poll(struct link *l)
{
	mutex_lock(&l->b);
	if (mutex_trylock(&l->a)) {
		mutex_unlock(&l->a);
	}
	mutex_unlock(&l->b);
}

void link_reset(struct link *l)
{
	mutex_lock(&l->a);
	mutex_lock(&l->b);
	mutex_unlock(&l->b);
	mutex_unlock(&l->a);
}
