// A commit holds the relocation mutex and records a root in the transaction, which takes it again:
// nothing says the root was recorded before.
// expect: recursive-locking fs.reloc_mutex
struct mutex { int owner; };
struct fs { struct mutex reloc_mutex; };
struct root { struct fs *fs; unsigned long last_trans; };
struct trans { unsigned long transid; };

static void mark_root(struct trans *trans, struct root *root)
{
	root->last_trans = trans->transid;
}

static void record_root(struct trans *trans, struct root *root)
{
	mutex_lock(&root->fs->reloc_mutex);
	mark_root(trans, root);
	mutex_unlock(&root->fs->reloc_mutex);
}

static void run_items(struct trans *trans, struct root *root)
{
	record_root(trans, root);
}

void commit(struct trans *trans, struct root *root)
{
	mutex_lock(&root->fs->reloc_mutex);
	run_items(trans, root);
	mutex_unlock(&root->fs->reloc_mutex);
}
