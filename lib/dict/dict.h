#ifndef POSTERN_DICT_H
#define POSTERN_DICT_H

/*
 * dict - lookup tables behind one "type:name" interface
 *
 * Every lookup answers one of three ways, and callers must keep them apart:
 * found (DICT_STAT_SUCCESS), not found (DICT_STAT_FAIL), or a lookup error
 * (DICT_STAT_ERROR: the table could not be read; callers turn it into a 4xx
 * or a deferral, never into "unknown user").
 *
 * Types: inline:{k=v, ...}, static:value, texthash:/file, hash:/file and
 * btree:/file (Berkeley DB, file name without the .db suffix), cidr:/file,
 * regexp:/file (POSIX), pcre:/file (PCRE2). A returned value stays valid
 * until the next operation on the same table.
 */
#include <fcntl.h>

#include "vstring.h"
#include "argv.h"

typedef struct DICT DICT;

#define DICT_STAT_ERROR		(-1)	/* lookup error: table unreadable */
#define DICT_STAT_SUCCESS	0	/* found */
#define DICT_STAT_FAIL		1	/* not found */

/* dict_flags for dict_open() */
#define DICT_FLAG_NONE		0
#define DICT_FLAG_DUP_WARN	(1<<0)	/* put: warn about duplicate keys, keep first */
#define DICT_FLAG_DUP_IGNORE	(1<<1)	/* put: silently keep first */
#define DICT_FLAG_DUP_REPLACE	(1<<2)	/* put: last one wins */
#define DICT_FLAG_FOLD_FIX	(1<<3)	/* fold keys to lower case (fixed-string tables) */
#define DICT_FLAG_TRY0NULL	(1<<4)	/* keys/values stored without trailing NUL */
#define DICT_FLAG_TRY1NULL	(1<<5)	/* keys/values stored with trailing NUL (Postfix default) */
#define DICT_FLAG_LOCK		(1<<6)	/* lock the file during updates and reads */
#define DICT_FLAG_BULK_UPDATE	(1<<7)	/* postmap-style rebuild: write a temp file, rename at close */
#define DICT_FLAG_PATTERN	(1<<8)	/* set by the table: keys are patterns, not fixed strings */
#define DICT_FLAG_NO_SEQ	(1<<9)	/* set by the table: dict_seq() unsupported */

/* func for dict_seq() */
#define DICT_SEQ_FUN_FIRST	0
#define DICT_SEQ_FUN_NEXT	1

/*
 * Open "type:name". open_flags are O_RDONLY, or O_RDWR|O_CREAT[|O_TRUNC]
 * for tables that support updates. On failure returns NULL and puts a
 * reason ("open /etc/x.db: No such file or directory", "FILE, line N: ...")
 * into why.
 */
extern DICT *dict_open(const char *type_name, int open_flags, int dict_flags, VSTRING *why);
extern int dict_get(DICT *dict, const char *key, const char **value);
extern int dict_put(DICT *dict, const char *key, const char *value);
extern int dict_del(DICT *dict, const char *key);
extern int dict_seq(DICT *dict, int func, const char **key, const char **value);
extern int dict_sync(DICT *dict);
extern void dict_close(DICT *dict);
extern const char *dict_type(DICT *dict);
extern const char *dict_name(DICT *dict);
extern int dict_flags(DICT *dict);
/* Why the last operation returned DICT_STAT_ERROR. */
extern const char *dict_error_text(DICT *dict);
/* Sorted list of the table types this build supports (postconf -m). */
extern ARGV *dict_type_names(void);

/*
 * Notes on the calls above (lib/dict):
 *
 * dict_put() answers DICT_STAT_SUCCESS when stored, DICT_STAT_FAIL when an
 * existing key was kept (DICT_FLAG_DUP_IGNORE, or DUP_WARN, which also
 * logs 'FILE.db: duplicate entry: "key"'), and DICT_STAT_ERROR for a
 * duplicate with no DUP flag, a write error, or a read-only table type.
 * dict_del() answers DICT_STAT_FAIL when the key was absent; dict_seq()
 * answers DICT_STAT_FAIL at the end, DICT_STAT_ERROR for table types
 * without sequencing (static:, cidr:, regexp:, pcre:; DICT_FLAG_NO_SEQ).
 * dict_sync() returns 0 or DICT_STAT_ERROR. Tables that need read access
 * only (everything but hash: and btree:) refuse O_RDWR at open.
 * Pattern tables (cidr:, regexp:, pcre:) log bad rules and skip them, as
 * Postfix does; only a missing or unreadable file fails the open.
 *
 * Added by lib/dict (not in the original interface):
 *
 * dict_close_status() closes the table like dict_close() and says whether
 * that worked: 0, or -1 with a reason in why. For a DICT_FLAG_BULK_UPDATE
 * table this is the moment the new file replaces the old one; on failure
 * the old table stays in place. dict_close() logs the same failure as a
 * warning.
 *
 * dict_split_entry() splits one logical line of table source text in
 * place into key and value, as postmap(1) reads it: "key whitespace
 * value", where a key may contain white space inside double quotes or
 * after a backslash (the quotes and backslashes stay part of the key, as
 * in Postfix: 'k\ 5 v' has key 'k\ 5'). Returns 0,
 * or -1 with "expected format: key whitespace value" or "unbalanced '\"'
 * in '...'" in why. Used by texthash: and by postmap/postalias.
 */
extern int dict_close_status(DICT *dict, VSTRING *why);
extern int dict_split_entry(char *line, char **key, char **value, VSTRING *why);

#endif
