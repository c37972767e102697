// rwlock read recursion with interrupts disabled: in interrupt context a reader passes a
// queued writer, so the nested read_lock() cannot deadlock (lockdep's read-recursion rule).
// expect: nothing
typedef struct { int cnts; } rwlock_t;
struct table { rwlock_t lock; int size; };

static int table_size(struct table *t)
{
	int n;

	read_lock(&t->lock);
	n = t->size;
	read_unlock(&t->lock);
	return n;
}

int table_dump(struct table *t)
{
	unsigned long flags;
	int n;

	read_lock_irqsave(&t->lock, flags);
	n = table_size(t);
	read_unlock_irqrestore(&t->lock, flags);
	return n;
}
