// trylock: taking b with a trylock never blocks, but once it succeeded b is held, and
// taking a under it orders b before a; the other path orders a before b.
// expect: circular-locking link.a link.b
struct mutex { int owner; };
struct link { struct mutex a; struct mutex b; };

void link_poll(struct link *l)
{
	if (mutex_trylock(&l->b)) {
		mutex_lock(&l->a);
		mutex_unlock(&l->a);
		mutex_unlock(&l->b);
	}
}

void link_reset(struct link *l)
{
	mutex_lock(&l->a);
	mutex_lock(&l->b);
	mutex_unlock(&l->b);
	mutex_unlock(&l->a);
}
