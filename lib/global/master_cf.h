#ifndef POSTERN_MASTER_CF_H
#define POSTERN_MASTER_CF_H

/*
 * master_cf - the services file master.cf (Postfix's master(5) format)
 *
 * A logical line (comments and blank lines skipped, lines that start with
 * white space continue the previous one) defines one service in eight or
 * more white-space separated columns:
 *
 *	service type private unpriv chroot wakeup maxproc command [args...]
 *
 * A column may group white space inside "{ }". "-" selects the default.
 * The parser validates each column as Postfix 3.7 does; the first error
 * ends the parse with "FILE, line N: reason" in *why. Mistakes Postfix
 * only warns about (unbalanced "{ }" in an argument, a "-o { }" without
 * name=value, a logical line that starts with white space) are reported
 * with msg_warn() as "FILE, line N: ..." and parsing goes on.
 *
 * Command arguments are normalized the way Postfix's postconf shows them:
 * option clusters that contain "o" are split ("-vo x=y" becomes "-v", "-o",
 * "x=y"; "-ox=y" becomes "-o", "x=y"), a "-o { name = value }" value
 * becomes "name=value", and every other argument written as "{ text }"
 * loses its braces and the white space just inside them. The command
 * (column 8) and the first seven columns keep their text as written.
 *
 * Duplicate service/type pairs are kept (postconf -M shows them all);
 * master_cf_find() returns the last one, the one the master uses
 * (master(5): "only the last one is remembered").
 */
#include <stddef.h>
#include <stdio.h>

#include "argv.h"
#include "vstring.h"

typedef struct MASTER_CF MASTER_CF;		/* a parsed file */
typedef struct MASTER_CF_ENT MASTER_CF_ENT;	/* one service */

/* Service types (column 2); 0 is never a valid type. */
#define MASTER_CF_TYPE_INET		1
#define MASTER_CF_TYPE_UNIX		2
#define MASTER_CF_TYPE_UNIX_DGRAM	3
#define MASTER_CF_TYPE_FIFO		4
#define MASTER_CF_TYPE_PASS		5

/* Columns, for master_cf_field(). */
#define MASTER_CF_FLD_SERVICE	0
#define MASTER_CF_FLD_TYPE	1
#define MASTER_CF_FLD_PRIVATE	2
#define MASTER_CF_FLD_UNPRIV	3
#define MASTER_CF_FLD_CHROOT	4
#define MASTER_CF_FLD_WAKEUP	5
#define MASTER_CF_FLD_MAXPROC	6
#define MASTER_CF_FLD_COMMAND	7
#define MASTER_CF_FLD_COUNT	8

/* master_cf_maxproc() for "-": the caller uses $default_process_limit. */
#define MASTER_CF_MAXPROC_DEFAULT	(-1)

/*
 * Read and parse the file at path. Returns NULL and sets *why to
 * "open PATH: reason", "read PATH: reason" or "PATH, line N: reason".
 */
extern MASTER_CF *master_cf_read(const char *path, VSTRING *why);
/* The same from an open stream; name is used in messages. */
extern MASTER_CF *master_cf_read_stream(FILE *fp, const char *name,
					VSTRING *why);
extern void master_cf_free(MASTER_CF *mc);

/* Entries in file order: index 0 .. master_cf_count() - 1. */
extern size_t master_cf_count(const MASTER_CF *mc);
extern const MASTER_CF_ENT *master_cf_entry(const MASTER_CF *mc, size_t idx);
/* The last entry with this service name and type, or NULL. */
extern const MASTER_CF_ENT *master_cf_find(const MASTER_CF *mc,
					   const char *service, int type);

/* Type name <-> code ("inet" <-> MASTER_CF_TYPE_INET); 0 / NULL if none. */
extern int master_cf_type_code(const char *name);
extern const char *master_cf_type_name(int type);

/* A column's text as written ("-" included); the command for FLD_COMMAND. */
extern const char *master_cf_field(const MASTER_CF_ENT *ent, int field);
extern const char *master_cf_service(const MASTER_CF_ENT *ent);
extern int master_cf_type(const MASTER_CF_ENT *ent);

/*
 * Resolved column values. private: default y, always 0 for inet (an
 * Internet service can't be private); unpriv: default y; chroot: default n
 * (Postfix >= 3.0). wakeup: seconds, 0 for none (default); "N?" sets
 * master_cf_wakeup_after_use(). maxproc: 0 for no limit, or
 * MASTER_CF_MAXPROC_DEFAULT. Numbers beyond INT_MAX read as INT_MAX.
 */
extern int master_cf_private(const MASTER_CF_ENT *ent);
extern int master_cf_unpriv(const MASTER_CF_ENT *ent);
extern int master_cf_chroot(const MASTER_CF_ENT *ent);
extern int master_cf_wakeup(const MASTER_CF_ENT *ent);
extern int master_cf_wakeup_after_use(const MASTER_CF_ENT *ent);
extern int master_cf_maxproc(const MASTER_CF_ENT *ent);

/* The command name and the normalized argv (argv[0] is the command). */
extern const char *master_cf_command(const MASTER_CF_ENT *ent);
extern const ARGV *master_cf_argv(const MASTER_CF_ENT *ent);

/*
 * The well-formed "-o name=value" overrides among the leading options, in
 * order. A malformed one ("-o name") stays in argv, is left out here, and
 * was warned about.
 */
extern size_t master_cf_override_count(const MASTER_CF_ENT *ent);
extern const char *master_cf_override_name(const MASTER_CF_ENT *ent, size_t i);
extern const char *master_cf_override_value(const MASTER_CF_ENT *ent, size_t i);

/* Where the entry's logical line starts. */
extern const char *master_cf_file(const MASTER_CF_ENT *ent);
extern int master_cf_line(const MASTER_CF_ENT *ent);

/*
 * master_cf_format.c: append the entry as "postconf -M" shows it (fold:
 * as "postconf -Mf"), newline included. Returns out.
 */
extern VSTRING *master_cf_format(VSTRING *out, const MASTER_CF_ENT *ent,
				 int fold);

#endif
