// Variants of each team case kind in other shapes: a killable take tested by sign, a local that
// records a take, a callee dropping its caller's spinlock around a mutex, an ops field stored by
// assignment, a state compared in a wait, a documented nesting.
struct obj { struct mutex m; struct mutex other; spinlock_t sl; wait_queue_head_t wq; int state; int count; };
struct obj_ops { void (*release)(struct obj *o); void (*open)(struct obj *o); };
struct file_ops { void (*release)(struct obj *o); };
struct dev { struct obj *o; const struct obj_ops *ops; };

/* callee-summary: killable take, tested by sign */
static int take_killable(struct obj *o)
{
	int ret = mutex_lock_killable(&o->m);
	if (ret < 0)
		return ret;
	o->count++;
	mutex_unlock(&o->m);
	return 0;
}

/* callee-summary: a local records the take */
static void maybe_locked(struct obj *o, int x)
{
	bool locked = false;
	if (x) {
		mutex_lock(&o->m);
		locked = true;
	}
	o->count++;
	if (locked)
		mutex_unlock(&o->m);
}

void caller1(struct obj *o)
{
	take_killable(o);
	maybe_locked(o, 1);
	mutex_lock(&o->other);
	mutex_unlock(&o->other);
}

/* drop-and-retake: a callee drops its caller's spinlock around a sleep on a mutex */
static void sleepy(struct obj *o)
	__releases(&o->sl) __acquires(&o->sl)
{
	spin_unlock(&o->sl);
	mutex_lock(&o->m);
	mutex_unlock(&o->m);
	spin_lock(&o->sl);
}

void caller2(struct obj *o)
{
	spin_lock(&o->sl);
	sleepy(o);
	spin_unlock(&o->sl);
}

/* pointer-by-type, stored by assignment */
static void obj_release(struct obj *o) { mutex_lock(&o->other); mutex_unlock(&o->other); }
static void file_release(struct obj *o) { mutex_lock(&o->m); mutex_unlock(&o->m); }
static const struct file_ops fops = { .release = file_release };

void setup(struct obj_ops *ops) { ops->release = obj_release; }

void caller3(struct dev *d)
{
	mutex_lock(&d->o->m);
	d->ops->release(d->o);
	mutex_unlock(&d->o->m);
}

/* state-not-lock: a state compared in a wait */
void waiter(struct obj *o)
{
	mutex_lock(&o->m);
	wait_event(o->wq, o->state >= 2);
	mutex_unlock(&o->m);
}

void stepper(struct obj *o)
{
	o->state = 1;
	mutex_lock(&o->other);
	o->state = 2;
	mutex_unlock(&o->other);
	wake_up(&o->wq);
}

/* nested subclass */
void nested(struct obj *a, struct obj *b)
{
	mutex_lock(&a->m);
	mutex_lock_nested(&b->m, SINGLE_DEPTH_NESTING);
	mutex_unlock(&b->m);
	mutex_unlock(&a->m);
}
