// an SRCU read lock never waits: taking it under a mutex, and the mutex under it, closes no cycle.
// expect: nothing
struct mutex { int owner; };
struct srcu_struct { int idx; };
struct vm { struct mutex lock; struct srcu_struct srcu; int slots; };

void vm_update(struct vm *v)
{
	int idx;

	mutex_lock(&v->lock);
	idx = srcu_read_lock(&v->srcu);
	v->slots++;
	srcu_read_unlock(&v->srcu, idx);
	mutex_unlock(&v->lock);
}

void vm_read(struct vm *v)
{
	int idx = srcu_read_lock(&v->srcu);

	mutex_lock(&v->lock);
	v->slots--;
	mutex_unlock(&v->lock);
	srcu_read_unlock(&v->srcu, idx);
}
