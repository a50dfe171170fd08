/*
 * postmap - create, update, query or list lookup tables
 *
 *	postmap [-bfFhinNoprsuvw] [-c config_dir] [-d key] [-q key]
 *		[type:]file ...
 *
 * Builds type:file (hash or btree, default default_database_type) from the
 * text file "file" ("key whitespace value" lines), or with -i adds lines
 * read from standard input; -q looks keys up in any table type, -d deletes
 * them, -s lists a table. The man page postmap(1) has the details; the
 * table work itself is shared with postalias in lib/global/mkmap.c.
 *
 * Exit status: 0 for success (for -q and -d: something was found), 1 for
 * "not found" and for every error, which is reported as
 * "postmap: fatal: ..." on standard error. Problems in the input text are
 * warnings naming file and line; the line is skipped.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "dict.h"
#include "mail_conf.h"
#include "mkmap.h"
#include "postmap.h"

#define POSTMAP_USAGE "usage: %s [-bfFhimnNoprsuUvw] [-c config_dir] " \
	"[-d key] [-q key] [map_type:]file..."

/* What the command line asked for. */
typedef struct POSTMAP_OPTS {
	const MKMAP_CMD *cmd;		/* options shared with postalias */
	int     base64;			/* -F */
	int     headers;		/* -h */
	int     body;			/* -b */
} POSTMAP_OPTS;

static void
usage(const char *progname)
{
	msg_fatal(POSTMAP_USAGE, progname);
}

/* What postmap_entry() needs besides the line. */
typedef struct POSTMAP_CTX {
	const POSTMAP_OPTS *opts;
	VSTRING *value_buf;
	VSTRING *why;
} POSTMAP_CTX;

/* Store one "key value" line; warn and skip what cannot be stored. */
static void
postmap_entry(MKMAP *mkmap, char *line, const char *source, int lineno,
	      void *context)
{
	POSTMAP_CTX *ctx = context;
	VSTRING *why = ctx->why;
	char   *key;
	char   *value;

	if (dict_split_entry(line, &key, &value, why) < 0) {
		if (strncmp(vstring_str(why), "unbalanced", 10) == 0)
			vstring_strcat(why, " -- ignoring this line");
		msg_warn("%s, line %d: %s", source, lineno, vstring_str(why));
		return;
	}
	if (*key != '\0' && key[strlen(key) - 1] == ':')
		msg_warn("%s, line %d: record is in \"key: value\" format; "
			 "is this an alias file?", source, lineno);
	if (ctx->opts->base64) {
		if (postmap_file_value(value, ctx->value_buf, why) < 0) {
			msg_warn("%s, line %d: %s: skipping this entry",
				 source, lineno, vstring_str(why));
			return;
		}
		value = vstring_str(ctx->value_buf);
	}
	mkmap_put(mkmap, key, value);
}

/* Build or update one table from its source file or standard input. */
static void
postmap_build(const char *arg, const POSTMAP_OPTS *opts)
{
	VSTRING *name_buf = vstring_alloc(100);
	POSTMAP_CTX ctx;
	MKMAP  *mkmap;

	ctx.opts = opts;
	ctx.value_buf = vstring_alloc(100);
	ctx.why = vstring_alloc(100);
	mkmap = mkmap_build(mkmap_table_name(arg, name_buf), opts->cmd->incremental,
			    opts->cmd->as_owner, opts->cmd->inherit, opts->cmd->dict_flags,
			    postmap_entry, &ctx);
	mkmap_close(mkmap);
	mkmap_end_owner();
	vstring_free(name_buf);
	vstring_free(ctx.value_buf);
	vstring_free(ctx.why);
}

int
main(int argc, char **argv)
{
	POSTMAP_OPTS opts;
	MKMAP_PRINT pr;
	MKMAP_LIST *list;
	POSTMAP_MSG *msg = NULL;
	const char *progname;
	MKMAP_CMD cmd;
	int     mime = 0;
	int     ch;
	int     found;

	msg_stderr_init(argv[0]);
	progname = msg_progname();
	/* getopt() names the program by argv[0] in its complaints. */
	argv[0] = (char *) progname;
	if (getenv("MAIL_VERBOSE") != NULL)
		msg_verbose = 1;

	mkmap_cmd_init(&cmd, DICT_FLAG_TRY0NULL | DICT_FLAG_TRY1NULL);
	opts.cmd = &cmd;
	opts.base64 = 0;
	opts.headers = 0;
	opts.body = 0;

	while ((ch = getopt(argc, argv, "bc:d:fFhimnNopq:rsuUvw")) > 0) {
		if (mkmap_cmd_option(&cmd, ch, optarg))
			continue;
		switch (ch) {
		case 'b':
			opts.body = 1;
			break;
		case 'F':
			opts.base64 = 1;
			break;
		case 'h':
			opts.headers = 1;
			break;
		case 'm':
			mime = 1;
			break;
		case 'U':
			msg_fatal("option -U (UTF-8 checks on -b/-h query keys) "
				  "is not supported");
		default:
			usage(progname);
		}
	}
	if (optind >= argc)
		usage(progname);
	if ((opts.headers || opts.body || mime)
	    && (cmd.query == NULL || strcmp(cmd.query, "-") != 0))
		msg_fatal("specify -b -h or -m only with \"-q -\"");
	if (mime)
		msg_fatal("option -m (MIME parsing for -b/-h) is not supported");

	mail_conf_init(cmd.config_dir);

	pr.sep = "\t";
	pr.decode = opts.base64 ? postmap_decode_value : NULL;

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
			if (opts.headers || opts.body) {
				msg = postmap_msg_create(stdin, opts.headers,
							 opts.body);
				found = mkmap_query_keys(list, postmap_msg_key,
							 msg, &pr);
				postmap_msg_free(msg);
			} else {
				found = mkmap_query_keys(list, mkmap_stdin_key,
							 NULL, &pr);
			}
		} else {
			found = mkmap_query(list, cmd.query, &pr);
		}
		mkmap_list_free(list);
		mkmap_flush_stdout();
		exit(found ? 0 : 1);
	}

	/* Build each table. */
	mkmap_cmd_build_flags(&cmd);
	for (; optind < argc; optind++)
		postmap_build(argv[optind], &opts);
	exit(0);
}
