// the helper always yields the CPU, and is called under the spinlock.
// expect: sleep-in-atomic tree.lock cond_resched
typedef struct { int raw; } spinlock_t;
struct tree { spinlock_t lock; int nodes; };

static void tree_trim(struct tree *t)
{
	t->nodes--;
	cond_resched();
}

void tree_prune(struct tree *t)
{
	spin_lock(&t->lock);
	tree_trim(t);
	spin_unlock(&t->lock);
}
