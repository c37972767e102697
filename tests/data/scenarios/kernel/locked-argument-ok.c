// the helper takes the lock only when its caller says it does not hold it (pci_walk_bus_locked).
// expect: nothing
struct rw_semaphore { int count; };
struct rw_semaphore bus_sem;
struct bus { int devices; };

static void walk(struct bus *b, int locked)
{
	if (!locked)
		down_read(&bus_sem);
	b->devices++;
	if (!locked)
		up_read(&bus_sem);
}

void walk_bus(struct bus *b)
{
	walk(b, 0);
}

void walk_bus_locked(struct bus *b)
{
	lockdep_assert_held(&bus_sem);
	walk(b, 1);
}

void rescan(struct bus *b)
{
	down_read(&bus_sem);
	walk_bus_locked(b);
	up_read(&bus_sem);
}
