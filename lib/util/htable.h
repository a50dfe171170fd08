#ifndef POSTERN_HTABLE_H
#define POSTERN_HTABLE_H

/*
 * htable - string-keyed hash table with O(1) average lookup
 *
 * Keys are copied; values are caller-owned pointers. The table grows by
 * doubling when the load factor passes 1, so inserts stay amortised O(1).
 */
#include <stddef.h>

typedef struct HTABLE_INFO {
	char   *key;
	void   *value;
	struct HTABLE_INFO *next;
} HTABLE_INFO;

typedef struct HTABLE {
	size_t  size;			/* buckets */
	size_t  used;			/* entries */
	HTABLE_INFO **data;
} HTABLE;

typedef void (*HTABLE_FREE_FN) (void *value);

extern HTABLE *htable_create(size_t size);
extern HTABLE_INFO *htable_enter(HTABLE *table, const char *key, void *value);
extern HTABLE_INFO *htable_locate(HTABLE *table, const char *key);
extern void *htable_find(HTABLE *table, const char *key);
extern void htable_delete(HTABLE *table, const char *key, HTABLE_FREE_FN free_fn);
extern void htable_free(HTABLE *table, HTABLE_FREE_FN free_fn);
/* A NULL-terminated array of entries, sorted by key; myfree() it. */
extern HTABLE_INFO **htable_list_sorted(HTABLE *table);

#endif
