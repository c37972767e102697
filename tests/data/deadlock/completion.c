// The reset path waits, under the device lock, for a completion that nothing ever completes;
// the status path then waits for the device lock.  The firmware path completes another one.
struct fw_dev {
	struct mutex lock;
	struct completion reset_done;
	struct completion fw_loaded;
	int status;
};

static int fw_dev_reset(struct fw_dev *d)
{
	mutex_lock(&d->lock);
	reinit_completion(&d->reset_done);
	wait_for_completion(&d->reset_done);
	mutex_unlock(&d->lock);
	return 0;
}

static int fw_dev_status(struct fw_dev *d)
{
	int status;

	mutex_lock(&d->lock);
	status = d->status;
	mutex_unlock(&d->lock);
	return status;
}

static int fw_dev_load(struct fw_dev *d)
{
	wait_for_completion(&d->fw_loaded);
	return d->status;
}

static void fw_dev_loaded(struct fw_dev *d)
{
	mutex_lock(&d->lock);
	d->status = 1;
	mutex_unlock(&d->lock);
	complete_all(&d->fw_loaded);
}
