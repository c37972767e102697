// nested subclass missing: parent and child share a lock class and the child's is taken
// without a nesting annotation: lockdep (and aptool) report recursive locking.
// expect: recursive-locking node.lock
struct mutex { int owner; };
struct node { struct mutex lock; struct node *parent; int gen; };

void node_reparent(struct node *child)
{
	mutex_lock(&child->parent->lock);
	mutex_lock(&child->lock);
	child->gen = child->parent->gen;
	mutex_unlock(&child->lock);
	mutex_unlock(&child->parent->lock);
}
