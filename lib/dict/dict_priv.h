#ifndef POSTERN_DICT_PRIV_H
#define POSTERN_DICT_PRIV_H

/*
 * dict_priv - what table implementations share with dict.c (not for callers)
 *
 * A table type embeds struct DICT as its first member and fills in the
 * methods it supports; dict_alloc() preloads every method with a stub that
 * fails with "... operation is not supported", so a read-only type only
 * provides lookup and close. dict.c does key folding, flag checks and the
 * error-text bookkeeping around each call, so methods see a key already
 * folded when DICT_FLAG_FOLD_FIX applies.
 *
 *	dict_alloc() allocates a table of size bytes (>= sizeof(DICT)).
 *	dict_free() releases what dict_alloc() allocated (call it last in a
 *	close method).
 *	dict_set_error() records the reason for a DICT_STAT_ERROR answer and
 *	returns DICT_STAT_ERROR.
 *	dict_pattern_source() opens the rule text of a pattern table: the
 *	file NAME, or for NAME "{ {rule}, {rule} }" an in-memory file with one
 *	rule per line (Postfix 3.7 inline form).
 *	dict_read_line() is readlline() plus Postfix's warning and skip for
 *	a logical line that starts with white space (dict_entry.c).
 */
#include <stdio.h>

#include "vstring.h"
#include "dict.h"

struct DICT {
	char   *type;			/* "hash", "pcre", ... */
	char   *name;			/* as given after the colon */
	int     flags;			/* DICT_FLAG_* */
	int     (*lookup) (DICT *, const char *key, const char **value);
	int     (*update) (DICT *, const char *key, const char *value);
	int     (*remove) (DICT *, const char *key);
	int     (*sequence) (DICT *, int func, const char **key, const char **value);
	int     (*sync) (DICT *);
	int     (*close) (DICT *, VSTRING *why);	/* must call dict_free() */
	VSTRING *error;			/* reason for the last DICT_STAT_ERROR */
	VSTRING *fold_buf;		/* lower-cased key */
};

typedef DICT *(*DICT_OPEN_FN) (const char *name, int open_flags,
				int dict_flags, VSTRING *why);

extern DICT *dict_alloc(const char *type, const char *name, size_t size);
extern void dict_free(DICT *dict);
extern int dict_set_error(DICT *dict, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern FILE *dict_pattern_source(const char *type, const char *name,
				 VSTRING *text, VSTRING *why);
extern VSTRING *dict_read_line(VSTRING *buf, FILE *fp, const char *name,
			       int *lineno, int *first_line);

/* Table types (one file each). */
extern DICT *dict_inline_open(const char *, int, int, VSTRING *);
extern DICT *dict_static_open(const char *, int, int, VSTRING *);
extern DICT *dict_thash_open(const char *, int, int, VSTRING *);
extern DICT *dict_hash_open(const char *, int, int, VSTRING *);
extern DICT *dict_btree_open(const char *, int, int, VSTRING *);
extern DICT *dict_cidr_open(const char *, int, int, VSTRING *);
extern DICT *dict_regexp_open(const char *, int, int, VSTRING *);
extern DICT *dict_pcre_open(const char *, int, int, VSTRING *);
extern DICT *dict_unix_open(const char *, int, int, VSTRING *);
extern DICT *dict_proxy_open(const char *, int, int, VSTRING *);

/* In-memory key/value store shared by inline: and texthash:. */
extern DICT *dict_mem_alloc(const char *type, const char *name, int dict_flags);
extern void dict_mem_enter(DICT *dict, const char *key, const char *value);
extern int dict_mem_locate(DICT *dict, const char *key);

/* Pattern-table syntax: text starts with keyword word ("if", "endif"),
 * case-insensitive, ending where letters and digits end. */
extern int dict_keyword(const char *text, const char *word);

#endif
