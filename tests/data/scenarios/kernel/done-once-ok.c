// The same, behind a done-once guard: recording a root takes the relocation mutex only while the root is
// not yet recorded in this transaction, and the locked region records it.  Whether the commit reaches it
// before or after that is the root's state at run time (the roots it commits were recorded when they
// joined the transaction); lockdep reports only what runs, and aptool does not report it.
// expect: nothing
struct mutex { int owner; };
struct fs { struct mutex reloc_mutex; };
struct root { struct fs *fs; unsigned long last_trans; };
struct trans { unsigned long transid; };

static void mark_root(struct trans *trans, struct root *root)
{
	root->last_trans = trans->transid;
}

static int record_root(struct trans *trans, struct root *root)
{
	if (root->last_trans == trans->transid)
		return 0;

	mutex_lock(&root->fs->reloc_mutex);
	mark_root(trans, root);
	mutex_unlock(&root->fs->reloc_mutex);
	return 0;
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
