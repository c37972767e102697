// the helper sleeps only when its gfp mask allows it; the caller under the spinlock passes GFP_NOWAIT.
// expect: nothing
typedef struct { int raw; } spinlock_t;
struct tree { spinlock_t lock; int nodes; };

static void tree_trim(struct tree *t, unsigned int mask)
{
	t->nodes--;
	if (gfpflags_allow_blocking(mask))
		cond_resched();
}

void tree_prune(struct tree *t)
{
	spin_lock(&t->lock);
	tree_trim(t, GFP_NOWAIT);
	spin_unlock(&t->lock);
}
