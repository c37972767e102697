// The btrfs shape: a tree's lock is held while its clear hook calls back into the owner, but
// only trees given an owner at init have one.  The pinned tree of a transaction gets NULL, so
// holding its lock never reaches the space lock; the inode's tree does reach it.
//   ctl.lock -> tree.lock (pinned)   tree.lock (inode's io tree) -> space.lock -> ctl.lock
// are two different tree locks: no cycle.
struct tree {
	spinlock_t lock;
	void *private_data;
	int bits;
};

struct space {
	spinlock_t lock;
	long used;
};

struct inode_info {
	struct tree io_tree;
	struct space *space;
};

struct transaction {
	struct tree pinned;
};

struct ctl {
	spinlock_t lock;
	struct space *space;
};

void tree_init(struct tree *tree, void *private_data)
{
	spin_lock_init(&tree->lock);
	tree->private_data = private_data;
}

void inode_init(struct inode_info *ei)
{
	tree_init(&ei->io_tree, ei);
}

void transaction_init(struct transaction *t)
{
	tree_init(&t->pinned, NULL);
}

static void release_space(struct inode_info *ei)
{
	spin_lock(&ei->space->lock);
	ei->space->used--;
	spin_unlock(&ei->space->lock);
}

static void clear_hook(struct tree *tree, int bits)
{
	if (tree->private_data)
		release_space(tree->private_data);
	tree->bits &= ~bits;
}

/* tree.lock -> space.lock, for a tree with an owner */
void clear_bits(struct tree *tree, int bits)
{
	spin_lock(&tree->lock);
	clear_hook(tree, bits);
	spin_unlock(&tree->lock);
}

int find_bit(struct tree *tree)
{
	int found;

	spin_lock(&tree->lock);
	found = tree->bits;
	spin_unlock(&tree->lock);
	return found;
}

/* ctl.lock -> tree.lock, on the pinned tree */
void write_out(struct ctl *ctl, struct transaction *t)
{
	spin_lock(&ctl->lock);
	find_bit(&t->pinned);
	spin_unlock(&ctl->lock);
}

/* space.lock -> ctl.lock */
void space_update(struct space *s, struct ctl *ctl)
{
	spin_lock(&s->lock);
	spin_lock(&ctl->lock);
	spin_unlock(&ctl->lock);
	spin_unlock(&s->lock);
}

void unpin(struct transaction *t)
{
	clear_bits(&t->pinned, 1);
}

void truncate(struct inode_info *ei)
{
	clear_bits(&ei->io_tree, 1);
}
