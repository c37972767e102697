// synchronize_srcu() waits for every reader; a reader that takes the mutex the syncer holds never ends.
// expect: circular-locking vm.lock vm.srcu
struct mutex { int owner; };
struct srcu_struct { int idx; };
struct vm { struct mutex lock; struct srcu_struct srcu; int slots; };

void vm_update(struct vm *v)
{
	mutex_lock(&v->lock);
	v->slots++;
	synchronize_srcu(&v->srcu);
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
