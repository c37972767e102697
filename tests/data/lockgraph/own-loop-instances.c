// Many instances of one class: each page of a buffer locked in one loop, unlocked in another.
struct page { unsigned long flags; };
struct buffer { struct page *pages[16]; int count; };

int submit(struct page *page);

int read_pages(struct buffer *eb, int wait)
{
	int i, locked = 0, ret = 0, all_uptodate = 1;
	struct page *page;

	for (i = 0; i < eb->count; i++) {
		page = eb->pages[i];
		if (wait == 0) {
			if (!trylock_page(page))
				goto unlock_exit;
		} else {
			lock_page(page);
		}
		locked++;
	}
	for (i = 0; i < eb->count; i++) {
		if (!PageUptodate(eb->pages[i]))
			all_uptodate = 0;
	}
	if (all_uptodate)
		goto unlock_exit;
	for (i = 0; i < eb->count; i++) {
		page = eb->pages[i];
		if (!PageUptodate(page)) {
			if (ret) {
				unlock_page(page);
				continue;
			}
			ret = submit(page);
			if (ret)
				unlock_page(page);
		} else {
			unlock_page(page);
		}
	}
	return ret;

unlock_exit:
	while (locked > 0) {
		locked--;
		page = eb->pages[locked];
		unlock_page(page);
	}
	return ret;
}

/* one page, unlocked twice: still a bad unlock */
void twice(struct page *page)
{
	lock_page(page);
	unlock_page(page);
	unlock_page(page);
}

/* the page cache hands the page over locked: the unlock is of that lock */
int truncate_block(struct address_space *mapping, unsigned long index)
{
	struct page *page;

again:
	page = find_or_create_page(mapping, index, 0);
	if (!page)
		return -ENOMEM;
	if (!PageUptodate(page)) {
		lock_page(page);
		if (page->mapping != mapping) {
			unlock_page(page);
			goto again;
		}
	}
	unlock_page(page);
	return 0;
}
