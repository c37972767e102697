// Readers of a rw semaphore in both orders with a mutex: readers do not block each other...
// unless a writer queues between them (rw_semaphores are fair).
struct table {
	struct rw_semaphore sem;
	struct mutex m;
	int size;
};

static int table_lookup(struct table *t)
{
	int size;

	down_read(&t->sem);
	mutex_lock(&t->m);
	size = t->size;
	mutex_unlock(&t->m);
	up_read(&t->sem);
	return size;
}

static int table_resize(struct table *t)
{
	mutex_lock(&t->m);
	down_read(&t->sem);
	t->size++;
	up_read(&t->sem);
	mutex_unlock(&t->m);
	return 0;
}

static void table_replace(struct table *t)
{
	down_write(&t->sem);
	t->size = 0;
	up_write(&t->sem);
}
