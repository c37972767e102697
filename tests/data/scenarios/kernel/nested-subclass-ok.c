// nested subclass: parent and child share a lock class; the child's is taken with a
// documented nesting level, as lockdep wants: no recursion.
// expect: nothing
struct mutex { int owner; };
struct node { struct mutex lock; struct node *parent; int gen; };

void node_reparent(struct node *child)
{
	mutex_lock(&child->parent->lock);
	mutex_lock_nested(&child->lock, SINGLE_DEPTH_NESTING);
	child->gen = child->parent->gen;
	mutex_unlock(&child->lock);
	mutex_unlock(&child->parent->lock);
}
