/*
 * postalias - create, update, query or list alias databases
 *
 *	postalias [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key]
 *		[type:]file ...
 *
 * Builds type:file (hash or btree, default default_database_type) from an
 * aliases(5) file, or with -i adds entries read from standard input; -q
 * looks names up, -d deletes them, -s lists a database as "name: value".
 * Like Sendmail and Postfix, every database it writes also gets the
 * entries "@" -> "@" (the database is complete) and the NIS entries
 * YP_LAST_MODIFIED and YP_MASTER_NAME, which are stored without a
 * trailing NUL and without case folding. The man page postalias(1) has
 * the details; table work is shared with postmap in lib/global/mkmap.c.
 *
 * Exit status: 0 for success (for -q and -d: something was found), 1 for
 * "not found" and for every error ("postalias: fatal: ..." on standard
 * error). Problems in the input text are warnings naming file and line.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "dict.h"
#include "mail_conf.h"
#include "mkmap.h"
#include "postalias.h"

#define POSTALIAS_USAGE "usage: %s [-Nfinoprsuvw] [-c config_dir] " \
	"[-d key] [-q key] [map_type:]file..."

#define DUP_FLAGS (DICT_FLAG_DUP_WARN | DICT_FLAG_DUP_IGNORE \
		   | DICT_FLAG_DUP_REPLACE)
#define NULL_FLAGS (DICT_FLAG_TRY0NULL | DICT_FLAG_TRY1NULL)

static void
usage(const char *progname)
{
	msg_fatal(POSTALIAS_USAGE, progname);
}

/*
 * Add the Sendmail and NIS entries. "@" follows the table's own rules
 * (after a rebuild an "@" from the source file wins, with a duplicate
 * warning); the YP_ entries are always stored as NIS wants them: as
 * given, without NUL. An update replaces old values of all three.
 */
static void
postalias_signatures(MKMAP *mkmap, const char *type_name,
		     const MKMAP_CMD *opts)
{
	VSTRING *stamp = vstring_alloc(20);
	int     flags;

	if (mkmap != NULL) {
		mkmap_put(mkmap, "@", "@");
		mkmap_close(mkmap);
	} else {
		flags = (opts->dict_flags & ~DUP_FLAGS) | DICT_FLAG_DUP_REPLACE;
		mkmap = mkmap_open(type_name, MKMAP_OPEN_UPDATE, flags);
		mkmap_put(mkmap, "@", "@");
		mkmap_close(mkmap);
	}
	flags = (opts->dict_flags & ~(DUP_FLAGS | NULL_FLAGS | DICT_FLAG_FOLD_FIX))
		| DICT_FLAG_DUP_REPLACE | DICT_FLAG_TRY0NULL;
	mkmap = mkmap_open(type_name, MKMAP_OPEN_UPDATE, flags);
	vstring_sprintf(stamp, "%010ld", (long) time(NULL));
	mkmap_put(mkmap, "YP_LAST_MODIFIED", vstring_str(stamp));
	mkmap_put(mkmap, "YP_MASTER_NAME", mail_conf_str("myhostname"));
	mkmap_close(mkmap);
	vstring_free(stamp);
}

/* What postalias_entry() needs besides the line. */
typedef struct POSTALIAS_CTX {
	VSTRING *key;
	VSTRING *value;
} POSTALIAS_CTX;

/* Store one "name: value, ..." entry; warn and skip a malformed one. */
static void
postalias_entry(MKMAP *mkmap, char *line, const char *source, int lineno,
		void *context)
{
	POSTALIAS_CTX *ctx = context;
	const char *why;

	if (postalias_split(line, ctx->key, ctx->value, &why) < 0) {
		msg_warn("%s, line %d: %s", source, lineno, why);
		return;
	}
	mkmap_put(mkmap, vstring_str(ctx->key), vstring_str(ctx->value));
}

/* Build or update one alias database. */
static void
postalias_build(const char *arg, const MKMAP_CMD *opts)
{
	VSTRING *name_buf = vstring_alloc(100);
	const char *type_name = mkmap_table_name(arg, name_buf);
	POSTALIAS_CTX ctx;
	MKMAP  *mkmap;

	ctx.key = vstring_alloc(100);
	ctx.value = vstring_alloc(100);
	mkmap = mkmap_build(type_name, opts->incremental, opts->as_owner,
			    opts->inherit, opts->dict_flags,
			    postalias_entry, &ctx);

	/*
	 * A rebuilt table gets its "@" entry before it replaces the old one;
	 * an updated table gets it under replace semantics.
	 */
	if (opts->incremental) {
		mkmap_close(mkmap);
		mkmap = NULL;
	}
	postalias_signatures(mkmap, type_name, opts);
	mkmap_end_owner();
	vstring_free(name_buf);
	vstring_free(ctx.key);
	vstring_free(ctx.value);
}

int
main(int argc, char **argv)
{
	MKMAP_PRINT pr;
	MKMAP_LIST *list;
	const char *progname;
	MKMAP_CMD cmd;
	int     ch;
	int     found;

	msg_stderr_init(argv[0]);
	progname = msg_progname();
	/* getopt() names the program by argv[0] in its complaints. */
	argv[0] = (char *) progname;
	if (getenv("MAIL_VERBOSE") != NULL)
		msg_verbose = 1;

	mkmap_cmd_init(&cmd, NULL_FLAGS);

	while ((ch = getopt(argc, argv, "c:d:finNopq:rsuvw")) > 0) {
		if (!mkmap_cmd_option(&cmd, ch, optarg))
			usage(progname);
	}
	if (optind >= argc)
		usage(progname);

	mail_conf_init(cmd.config_dir);

	pr.sep = ":\t";
	pr.decode = NULL;

	if (cmd.query != NULL || cmd.delete != NULL || cmd.sequence) {
		cmd.dict_flags |= cmd.null_flags;
		list = mkmap_list_create(argv + optind, argc - optind,
					 cmd.delete ? O_RDWR : O_RDONLY,
					 cmd.dict_flags);
		if (cmd.sequence) {
			(void) mkmap_dump(list, &pr);
			found = 1;
		} else if (cmd.delete != NULL && strcmp(cmd.delete, "-") == 0) {
			found = mkmap_delete_keys(list, mkmap_stdin_key, NULL);
		} else if (cmd.delete != NULL) {
			found = mkmap_delete(list, cmd.delete);
		} else if (strcmp(cmd.query, "-") == 0) {
			found = mkmap_query_keys(list, mkmap_stdin_key, NULL, &pr);
		} else {
			found = mkmap_query(list, cmd.query, &pr);
		}
		mkmap_list_free(list);
		mkmap_flush_stdout();
		exit(found ? 0 : 1);
	}

	mkmap_cmd_build_flags(&cmd);
	for (; optind < argc; optind++)
		postalias_build(argv[optind], &cmd);
	exit(0);
}
