/*
 * dict_mem - in-memory key/value table behind inline: and texthash:
 *
 *	dict_mem_alloc() makes an empty read-only table with lookup and
 *	sequence methods.
 *	dict_mem_enter() adds a key or replaces its value.
 *	dict_mem_locate() says whether a key is present (1) or not (0).
 *
 * Keys are stored as given: the caller folds them before entering when
 * DICT_FLAG_FOLD_FIX is set, as dict_get() folds lookup keys. dict_seq()
 * walks the keys in sorted order so that listings are stable.
 *
 * Errors: none; lookups answer found or not found.
 */
#include <string.h>

#include "mymalloc.h"
#include "htable.h"
#include "dict.h"
#include "dict_priv.h"

typedef struct DICT_MEM {
	DICT    dict;			/* generic part, first */
	HTABLE *table;			/* key -> value (mystrdup) */
	HTABLE_INFO **seq_list;		/* sorted snapshot for dict_seq() */
	size_t  seq_pos;
} DICT_MEM;

static int
dict_mem_lookup(DICT *dict, const char *key, const char **value)
{
	DICT_MEM *dm = (DICT_MEM *) dict;
	const char *val = htable_find(dm->table, key);

	if (val == NULL)
		return (DICT_STAT_FAIL);
	*value = val;
	return (DICT_STAT_SUCCESS);
}

static int
dict_mem_sequence(DICT *dict, int func, const char **key, const char **value)
{
	DICT_MEM *dm = (DICT_MEM *) dict;
	HTABLE_INFO *ht;

	if (func == DICT_SEQ_FUN_FIRST) {
		if (dm->seq_list)
			myfree(dm->seq_list);
		dm->seq_list = htable_list_sorted(dm->table);
		dm->seq_pos = 0;
	}
	if (dm->seq_list == NULL || (ht = dm->seq_list[dm->seq_pos]) == NULL)
		return (DICT_STAT_FAIL);
	dm->seq_pos++;
	*key = ht->key;
	*value = ht->value;
	return (DICT_STAT_SUCCESS);
}

static int
dict_mem_close(DICT *dict, VSTRING *why)
{
	DICT_MEM *dm = (DICT_MEM *) dict;

	if (dm->seq_list)
		myfree(dm->seq_list);
	htable_free(dm->table, myfree);
	dict_free(dict);
	return (0);
}

DICT   *
dict_mem_alloc(const char *type, const char *name, int dict_flags)
{
	DICT_MEM *dm = (DICT_MEM *) dict_alloc(type, name, sizeof(*dm));

	dm->dict.flags = dict_flags;
	dm->dict.lookup = dict_mem_lookup;
	dm->dict.sequence = dict_mem_sequence;
	dm->dict.close = dict_mem_close;
	dm->table = htable_create(13);
	return (&dm->dict);
}

void
dict_mem_enter(DICT *dict, const char *key, const char *value)
{
	DICT_MEM *dm = (DICT_MEM *) dict;
	HTABLE_INFO *ht;

	/* A sequence in progress would see freed entries: end it. */
	if (dm->seq_list) {
		myfree(dm->seq_list);
		dm->seq_list = NULL;
	}
	if ((ht = htable_locate(dm->table, key)) != NULL) {
		myfree(ht->value);
		ht->value = mystrdup(value);
	} else {
		htable_enter(dm->table, key, mystrdup(value));
	}
}

int
dict_mem_locate(DICT *dict, const char *key)
{
	DICT_MEM *dm = (DICT_MEM *) dict;

	return (htable_locate(dm->table, key) != NULL);
}
