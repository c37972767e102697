// One init helper for every tree: one lock class (lockdep keys a lock by its init site), except
// where the helper re-keys the lock for the callers that pass a given owner.
struct io_tree {
	spinlock_t lock;
	unsigned int owner;
	void *private_data;
};

struct inode_info {
	spinlock_t lock;
	struct io_tree io_tree;
	struct io_tree extent_tree;
};

struct transaction {
	struct io_tree pinned;
};

enum { TREE_INODE_IO = 1, TREE_INODE_EXTENT = 2, TREE_PINNED = 3 };

static struct lock_class_key extent_tree_class;

void io_tree_init(struct io_tree *tree, unsigned int owner, void *private_data)
{
	spin_lock_init(&tree->lock);
	tree->owner = owner;
	tree->private_data = private_data;
	if (owner == TREE_INODE_EXTENT)
		lockdep_set_class(&tree->lock, &extent_tree_class);
}

void inode_init(struct inode_info *ei, struct transaction *t)
{
	spin_lock_init(&ei->lock);
	io_tree_init(&ei->io_tree, TREE_INODE_IO, ei);
	io_tree_init(&ei->extent_tree, TREE_INODE_EXTENT, NULL);
	io_tree_init(&t->pinned, TREE_PINNED, NULL);
}

static void delalloc_hook(struct inode_info *ei)
{
	spin_lock(&ei->lock);
	spin_unlock(&ei->lock);
}

/* the inode's io tree calls back into the inode under the tree lock: io_tree.lock -> inode_info.lock */
void clear_bits(struct io_tree *tree)
{
	spin_lock(&tree->lock);
	if (tree->private_data)
		delalloc_hook(tree->private_data);
	spin_unlock(&tree->lock);
}

int find_bit(struct io_tree *tree)
{
	int found;

	spin_lock(&tree->lock);
	found = tree->owner;
	spin_unlock(&tree->lock);
	return found;
}

/* the extent tree under the inode lock: inode_info.lock -> inode_info.extent_tree.lock, its own class */
void size_write(struct inode_info *ei)
{
	spin_lock(&ei->lock);
	find_bit(&ei->extent_tree);
	spin_unlock(&ei->lock);
}

/* the io tree under the inode lock: the shared class, and a real cycle with clear_bits */
void size_write_io(struct inode_info *ei)
{
	spin_lock(&ei->lock);
	find_bit(&ei->io_tree);
	spin_unlock(&ei->lock);
}
