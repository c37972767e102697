// a callee may drop the lock and says so through an out-parameter: the conditional unlock is no imbalance.
// expect: nothing
struct rw_semaphore { int count; };
struct mm_struct { struct rw_semaphore mmap_lock; };

long get_pages_remote(struct mm_struct *mm, unsigned long addr, int *locked);

void fault_in(struct mm_struct *mm, unsigned long addr)
{
	int locked = 1;

	mmap_read_lock(mm);
	get_pages_remote(mm, addr, &locked);
	if (locked)
		mmap_read_unlock(mm);
}
