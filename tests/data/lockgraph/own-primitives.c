struct mutex { int x; };
struct srcu_struct { int x; };
struct work_struct { int x; };
struct completion { int x; };
struct inode { int i; };
struct xarray { int x; };
struct page { int p; };
struct dev {
	struct mutex lock;
	struct srcu_struct srcu;
	struct work_struct work;
	struct completion done;
	struct xarray pages;
};

void fs_things(struct inode *inode, struct xarray *xa, struct page *page)
{
	inode_lock(inode);
	xa_lock(xa);
	xa_unlock(xa);
	lock_page(page);
	unlock_page(page);
	inode_unlock(inode);
	inode_lock_shared(inode);
	inode_unlock_shared(inode);
}

static void work_fn(struct work_struct *work)
{
	struct dev *d = container_of(work, struct dev, work);

	mutex_lock(&d->lock);
	mutex_unlock(&d->lock);
}

void setup(struct dev *d)
{
	INIT_WORK(&d->work, work_fn);
}

void teardown(struct dev *d)
{
	mutex_lock(&d->lock);
	flush_work(&d->work);
	synchronize_srcu(&d->srcu);
	mutex_unlock(&d->lock);
}

void reader(struct dev *d)
{
	int idx = srcu_read_lock(&d->srcu);

	mutex_lock(&d->lock);
	mutex_unlock(&d->lock);
	srcu_read_unlock(&d->srcu, idx);
}

void atomic_sections(struct dev *d)
{
	unsigned long flags;

	local_irq_save(flags);
	msleep(1);
	local_irq_restore(flags);
	local_bh_disable();
	wait_for_completion(&d->done);
	local_bh_enable();
	preempt_disable();
	mutex_lock(&d->lock);
	mutex_unlock(&d->lock);
	preempt_enable();
	msleep(1);
}
