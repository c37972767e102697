// the error path forgets the unlock the other paths do.
// expect: lock-imbalance mm_struct.mmap_lock
struct rw_semaphore { int count; };
struct mm_struct { struct rw_semaphore mmap_lock; };

long get_pages_remote(struct mm_struct *mm, unsigned long addr, int *locked);

int fault_in(struct mm_struct *mm, unsigned long addr)
{
	mmap_read_lock(mm);
	if (get_pages_remote(mm, addr, 0) < 0)
		return -EFAULT;
	mmap_read_unlock(mm);
	return 0;
}
