/*
 * htable - string-keyed hash table with O(1) average lookup
 *
 *	htable_create() makes an empty table sized for about size entries.
 *	htable_enter() adds a new key (it panics when the key exists: use
 *	htable_locate() first to update).
 *	htable_locate() finds an entry, htable_find() its value or NULL.
 *	htable_delete() removes one key, htable_free() the whole table;
 *	free_fn, when not NULL, releases values.
 *	htable_list_sorted() returns the entries sorted by key.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "htable.h"

static size_t
htable_hash(const char *key, size_t size)
{
	unsigned long h = 2166136261UL;	/* FNV-1a */

	while (*key) {
		h ^= (unsigned char) *key++;
		h *= 16777619UL;
	}
	return (h % size);
}

HTABLE *
htable_create(size_t size)
{
	HTABLE *table = mymalloc(sizeof(*table));

	if (size < 13)
		size = 13;
	table->size = size;
	table->used = 0;
	table->data = mycalloc(size, sizeof(HTABLE_INFO *));
	return (table);
}

static void
htable_grow(HTABLE *table)
{
	size_t  new_size = table->size * 2 + 1;
	HTABLE_INFO **new_data = mycalloc(new_size, sizeof(HTABLE_INFO *));
	HTABLE_INFO *ht;
	HTABLE_INFO *next;
	size_t  i;
	size_t  h;

	for (i = 0; i < table->size; i++) {
		for (ht = table->data[i]; ht; ht = next) {
			next = ht->next;
			h = htable_hash(ht->key, new_size);
			ht->next = new_data[h];
			new_data[h] = ht;
		}
	}
	myfree(table->data);
	table->data = new_data;
	table->size = new_size;
}

HTABLE_INFO *
htable_locate(HTABLE *table, const char *key)
{
	HTABLE_INFO *ht;

	for (ht = table->data[htable_hash(key, table->size)]; ht; ht = ht->next)
		if (strcmp(ht->key, key) == 0)
			return (ht);
	return (NULL);
}

void   *
htable_find(HTABLE *table, const char *key)
{
	HTABLE_INFO *ht = htable_locate(table, key);

	return (ht ? ht->value : NULL);
}

HTABLE_INFO *
htable_enter(HTABLE *table, const char *key, void *value)
{
	HTABLE_INFO *ht;
	size_t  h;

	if (htable_locate(table, key) != NULL)
		msg_panic("htable_enter: duplicate key \"%s\"", key);
	if (table->used >= table->size)
		htable_grow(table);
	ht = mymalloc(sizeof(*ht));
	ht->key = mystrdup(key);
	ht->value = value;
	h = htable_hash(key, table->size);
	ht->next = table->data[h];
	table->data[h] = ht;
	table->used++;
	return (ht);
}

void
htable_delete(HTABLE *table, const char *key, HTABLE_FREE_FN free_fn)
{
	HTABLE_INFO **hp = &table->data[htable_hash(key, table->size)];
	HTABLE_INFO *ht;

	for (; (ht = *hp) != NULL; hp = &ht->next) {
		if (strcmp(ht->key, key) == 0) {
			*hp = ht->next;
			if (free_fn)
				free_fn(ht->value);
			myfree(ht->key);
			myfree(ht);
			table->used--;
			return;
		}
	}
}

void
htable_free(HTABLE *table, HTABLE_FREE_FN free_fn)
{
	HTABLE_INFO *ht;
	HTABLE_INFO *next;
	size_t  i;

	if (table == NULL)
		return;
	for (i = 0; i < table->size; i++) {
		for (ht = table->data[i]; ht; ht = next) {
			next = ht->next;
			if (free_fn)
				free_fn(ht->value);
			myfree(ht->key);
			myfree(ht);
		}
	}
	myfree(table->data);
	myfree(table);
}

static int
htable_info_cmp(const void *a, const void *b)
{
	return (strcmp((*(HTABLE_INFO *const *) a)->key,
		       (*(HTABLE_INFO *const *) b)->key));
}

HTABLE_INFO **
htable_list_sorted(HTABLE *table)
{
	HTABLE_INFO **list = mymalloc_array(table->used + 1, sizeof(*list));
	HTABLE_INFO *ht;
	size_t  i;
	size_t  n = 0;

	for (i = 0; i < table->size; i++)
		for (ht = table->data[i]; ht; ht = ht->next)
			list[n++] = ht;
	qsort(list, n, sizeof(*list), htable_info_cmp);
	list[n] = NULL;
	return (list);
}
