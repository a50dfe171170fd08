#ifndef POSTERN_MKMAP_H
#define POSTERN_MKMAP_H

/*
 * mkmap - build, update, query and list tables for postmap and postalias
 *
 * postmap(1) and postalias(1) differ only in the syntax of the source
 * text and in how they print "key value"; everything else they do to a
 * table lives here. Every problem with a table is fatal (msg_fatal), as
 * for the Postfix commands: "open database x.db: ...", "table hash:x:
 * ...". Lookups answer 1 (found) or 0 (not found).
 */
#include <sys/stat.h>

#include "vstring.h"
#include "dict.h"

/* "name" -> "default_database_type:name"; "type:name" is kept. */
extern const char *mkmap_table_name(const char *arg, VSTRING *buf);

/* Fatal unless "type:name" has a type the commands can create. */
extern void mkmap_check_type(const char *type_name);

/*
 * Building. While the table is being written, the process runs as the
 * owner of the source file (when started by root, unless disabled) and
 * new files get the group/other read bits of the source file.
 */
typedef struct MKMAP MKMAP;

#define MKMAP_OPEN_REBUILD	0	/* empty table, replaced at close */
#define MKMAP_OPEN_UPDATE	1	/* add to the table, create if missing */

/*
 * Become the owner of "st" (NULL: stay as we are) and choose the mode of
 * new files: source group/other read bits, or 0644 when inherit is 0.
 * mkmap_end_owner() undoes it.
 */
extern void mkmap_begin_owner(const struct stat *st, int as_owner, int inherit);
extern void mkmap_end_owner(void);

/* Signals are held from mkmap_open() until mkmap_close() returns. */
extern MKMAP *mkmap_open(const char *type_name, int how, int dict_flags);
extern void mkmap_put(MKMAP *mkmap, const char *key, const char *value);
extern DICT *mkmap_dict(MKMAP *mkmap);
extern void mkmap_close(MKMAP *mkmap);

/*
 * Build or update a table from a text source: the file named by the table
 * (or standard input when incremental), read as logical lines; each line
 * goes to entry_fn. The table is opened as the source file's owner
 * (mkmap_begin_owner); the caller closes it and calls mkmap_end_owner().
 */
typedef void (*MKMAP_ENTRY_FN) (MKMAP *mkmap, char *line, const char *source,
				        int lineno, void *context);
extern MKMAP *mkmap_build(const char *type_name, int incremental, int as_owner,
			          int inherit, int dict_flags,
			          MKMAP_ENTRY_FN entry_fn, void *context);

/*
 * Tables named on the command line, opened when first needed (fatal on
 * failure), in the order given.
 */
typedef struct MKMAP_LIST MKMAP_LIST;

extern MKMAP_LIST *mkmap_list_create(char **names, int count, int open_flags,
				     int dict_flags);
extern void mkmap_list_free(MKMAP_LIST *list);

/* Source of lookup keys for "-q -" and "-d -": 1 with a key, 0 at end. */
typedef int (*MKMAP_KEY_FN) (VSTRING *key, void *context);

/* One line of standard input, without its newline. */
extern int mkmap_stdin_key(VSTRING *key, void *context);

/*
 * How values are printed: "key" sep "value". decode (may be NULL)
 * rewrites a value before printing (postmap -F); it returns 0, or -1
 * after warning about a malformed value.
 */
typedef int (*MKMAP_DECODE_FN) (DICT *dict, const char *key,
				const char *value, VSTRING *result);

typedef struct MKMAP_PRINT {
	const char *sep;
	MKMAP_DECODE_FN decode;
} MKMAP_PRINT;

/* -q key: print the first value found. */
extern int mkmap_query(MKMAP_LIST *list, const char *key, const MKMAP_PRINT *pr);

/* -q -: print "key sep value" for each key found in some table. */
extern int mkmap_query_keys(MKMAP_LIST *list, MKMAP_KEY_FN next_key,
			    void *context, const MKMAP_PRINT *pr);

/* -d key: delete one entry from each table; found in any? */
extern int mkmap_delete(MKMAP_LIST *list, const char *key);

/* -d -: the same for each key; any found? */
extern int mkmap_delete_keys(MKMAP_LIST *list, MKMAP_KEY_FN next_key,
			     void *context);

/* -s: print every entry of the first table. */
extern int mkmap_dump(MKMAP_LIST *list, const MKMAP_PRINT *pr);

/* Flush standard output; fatal on a write error. */
extern void mkmap_flush_stdout(void);

/*
 * Command-line state that postmap and postalias share, and the options
 * both accept: -c -d -f -i -n -N -o -p -q -r -s -u -v -w.
 * mkmap_cmd_option() returns 1 when it handled the option.
 */
typedef struct MKMAP_CMD {
	const char *config_dir;		/* -c */
	const char *query;		/* -q key */
	const char *delete;		/* -d key */
	int     sequence;		/* -s */
	int     null_flags;		/* -n/-N: DICT_FLAG_TRY*NULL */
	int     dict_flags;		/* FOLD_FIX (-f), DUP_* (-r/-w) */
	int     incremental;		/* -i */
	int     as_owner;		/* not -o */
	int     inherit;		/* not -p */
} MKMAP_CMD;

extern void mkmap_cmd_init(MKMAP_CMD *cmd, int null_flags);
extern int mkmap_cmd_option(MKMAP_CMD *cmd, int ch, const char *arg);
/* dict_flags for building: NUL-terminated keys unless -n, or an update. */
extern void mkmap_cmd_build_flags(MKMAP_CMD *cmd);

#endif
