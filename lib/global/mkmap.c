/*
 * mkmap - build, update, query and list tables for postmap and postalias
 *
 *	mkmap_table_name() puts default_database_type before a bare name.
 *	mkmap_check_type() refuses types that cannot be built from text.
 *	mkmap_begin_owner()/mkmap_end_owner() run a build as the owner of
 *	its source file, with the source's read permissions for new files.
 *	mkmap_open(), mkmap_put(), mkmap_dict(), mkmap_close() write a table
 *	with signals held, so an interrupted build never leaves a table that
 *	readers could mistake for a complete one.
 *	mkmap_list_create()/mkmap_list_free() hold the tables named on the
 *	command line, opened on first use.
 *	mkmap_query(), mkmap_query_keys(), mkmap_delete(),
 *	mkmap_delete_keys(), mkmap_dump() implement -q, -d and -s.
 *	mkmap_stdin_key() reads keys for "-q -" and "-d -".
 *	mkmap_flush_stdout() makes a failed write to stdout fatal.
 *
 * Errors: fatal, as in the Postfix commands: a table that cannot be
 * opened, read or written ends the command with exit status 1.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "dict.h"
#include "mail_conf.h"
#include "readlline.h"
#include "vstream.h"
#include "mkmap.h"

struct MKMAP {
	DICT   *dict;
	sigset_t saved_mask;		/* signal mask before mkmap_open() */
};

struct MKMAP_LIST {
	char  **names;			/* "type:name" */
	DICT  **dicts;			/* NULL until first use */
	int     count;
	int     open_flags;
	int     dict_flags;
};

/* Types that postmap/postalias can create from a text file. */
static const char *mkmap_creatable[] = {"hash", "btree", NULL};

const char *
mkmap_table_name(const char *arg, VSTRING *buf)
{
	if (strchr(arg, ':') != NULL)
		return (arg);
	vstring_sprintf(buf, "%s:%s", mail_conf_str("default_database_type"),
			arg);
	return (vstring_str(buf));
}

void
mkmap_check_type(const char *type_name)
{
	size_t  len = strcspn(type_name, ":");
	const char **cpp;
	ARGV   *known;
	size_t  i;
	int     found = 0;

	for (cpp = mkmap_creatable; *cpp; cpp++)
		if (strlen(*cpp) == len && strncmp(*cpp, type_name, len) == 0)
			return;
	known = dict_type_names();
	for (i = 0; i < known->len; i++)
		if (strlen(known->argv[i]) == len
		    && strncmp(known->argv[i], type_name, len) == 0)
			found = 1;
	argv_free(known);
	if (found)
		msg_fatal("unsupported dictionary type: %.*s does not support "
			  "bulk-mode creation.", (int) len, type_name);
	msg_fatal("unsupported dictionary type: %.*s", (int) len, type_name);
}

/* What mkmap_begin_owner() changed, so that mkmap_end_owner() can undo it. */
static struct {
	int     active;
	int     switched;
	mode_t  umask;
	uid_t   euid;
	gid_t   egid;
	gid_t  *groups;
	int     ngroups;
} mkmap_owner;

void
mkmap_begin_owner(const struct stat *st, int as_owner, int inherit)
{
	mode_t  mask = 022;
	gid_t   gid;
	int     n;

	if (mkmap_owner.active)
		msg_panic("mkmap_begin_owner: already active");
	mkmap_owner.active = 1;
	mkmap_owner.switched = 0;

	/* New files get the source's group and other read bits. */
	if (st != NULL && inherit)
		mask |= ~st->st_mode & 077;
	mkmap_owner.umask = umask(mask);

	/*
	 * Root builds a user's table as that user, so that the source file's
	 * owner cannot make root write where the owner could not.
	 */
	if (st == NULL || !as_owner || geteuid() != 0
	    || (st->st_uid == geteuid() && st->st_gid == getegid()))
		return;
	mkmap_owner.euid = geteuid();
	mkmap_owner.egid = getegid();
	if ((n = getgroups(0, NULL)) < 0)
		msg_fatal("getgroups: %m");
	mkmap_owner.groups = mymalloc_array((size_t) n + 1, sizeof(gid_t));
	if ((mkmap_owner.ngroups = getgroups(n, mkmap_owner.groups)) < 0)
		msg_fatal("getgroups: %m");
	gid = st->st_gid;
	if (setgroups(1, &gid) < 0)
		msg_fatal("setgroups(%ld): %m", (long) gid);
	if (setegid(st->st_gid) < 0)
		msg_fatal("setegid(%ld): %m", (long) st->st_gid);
	if (seteuid(st->st_uid) < 0)
		msg_fatal("seteuid(%ld): %m", (long) st->st_uid);
	mkmap_owner.switched = 1;
	if (msg_verbose)
		msg_info("running as uid %ld gid %ld", (long) st->st_uid,
			 (long) st->st_gid);
}

void
mkmap_end_owner(void)
{
	if (!mkmap_owner.active)
		msg_panic("mkmap_end_owner: not active");
	if (mkmap_owner.switched) {
		if (seteuid(mkmap_owner.euid) < 0)
			msg_fatal("seteuid(%ld): %m", (long) mkmap_owner.euid);
		if (setegid(mkmap_owner.egid) < 0)
			msg_fatal("setegid(%ld): %m", (long) mkmap_owner.egid);
		if (setgroups((size_t) mkmap_owner.ngroups, mkmap_owner.groups) < 0)
			msg_fatal("setgroups: %m");
		myfree(mkmap_owner.groups);
		mkmap_owner.groups = NULL;
	}
	umask(mkmap_owner.umask);
	mkmap_owner.active = 0;
	mkmap_owner.switched = 0;
}

MKMAP  *
mkmap_open(const char *type_name, int how, int dict_flags)
{
	MKMAP  *mkmap;
	sigset_t block;
	VSTRING *why;
	int     open_flags = O_RDWR | O_CREAT;

	mkmap_check_type(type_name);
	if (how == MKMAP_OPEN_REBUILD) {
		open_flags |= O_TRUNC;
		dict_flags |= DICT_FLAG_BULK_UPDATE;
	} else if (how != MKMAP_OPEN_UPDATE) {
		msg_panic("mkmap_open: bad mode %d", how);
	}
	dict_flags |= DICT_FLAG_LOCK;

	mkmap = mymalloc(sizeof(*mkmap));
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, &mkmap->saved_mask) < 0)
		msg_fatal("sigprocmask: %m");

	why = vstring_alloc(100);
	if ((mkmap->dict = dict_open(type_name, open_flags, dict_flags, why)) == NULL)
		msg_fatal("%s", vstring_str(why));
	vstring_free(why);
	return (mkmap);
}

void
mkmap_put(MKMAP *mkmap, const char *key, const char *value)
{
	if (dict_put(mkmap->dict, key, value) == DICT_STAT_ERROR)
		msg_fatal("%s", dict_error_text(mkmap->dict));
}

DICT   *
mkmap_dict(MKMAP *mkmap)
{
	return (mkmap->dict);
}

void
mkmap_close(MKMAP *mkmap)
{
	VSTRING *why = vstring_alloc(100);

	if (dict_close_status(mkmap->dict, why) != 0)
		msg_fatal("%s", vstring_str(why));
	vstring_free(why);
	if (sigprocmask(SIG_SETMASK, &mkmap->saved_mask, NULL) < 0)
		msg_fatal("sigprocmask: %m");
	myfree(mkmap);
}

MKMAP_LIST *
mkmap_list_create(char **names, int count, int open_flags, int dict_flags)
{
	MKMAP_LIST *list = mymalloc(sizeof(*list));
	VSTRING *buf = vstring_alloc(100);
	int     i;

	if (count < 0)
		msg_panic("mkmap_list_create: bad count %d", count);
	list->count = count;
	list->open_flags = open_flags;
	list->dict_flags = dict_flags | DICT_FLAG_LOCK;
	list->names = mymalloc_array((size_t) count + 1, sizeof(char *));
	list->dicts = mymalloc_array((size_t) count + 1, sizeof(DICT *));
	for (i = 0; i < count; i++) {
		list->names[i] = mystrdup(mkmap_table_name(names[i], buf));
		list->dicts[i] = NULL;
	}
	vstring_free(buf);
	return (list);
}

void
mkmap_list_free(MKMAP_LIST *list)
{
	int     i;

	for (i = 0; i < list->count; i++) {
		if (list->dicts[i] != NULL)
			dict_close(list->dicts[i]);
		myfree(list->names[i]);
	}
	myfree(list->names);
	myfree(list->dicts);
	myfree(list);
}

/* The i-th table, opened now if need be. */
static DICT *
mkmap_list_dict(MKMAP_LIST *list, int i)
{
	VSTRING *why;

	if (i < 0 || i >= list->count)
		msg_panic("mkmap_list_dict: index %d out of range", i);
	if (list->dicts[i] == NULL) {
		why = vstring_alloc(100);
		list->dicts[i] = dict_open(list->names[i], list->open_flags,
					   list->dict_flags, why);
		if (list->dicts[i] == NULL)
			msg_fatal("%s", vstring_str(why));
		vstring_free(why);
	}
	return (list->dicts[i]);
}

int
mkmap_stdin_key(VSTRING *key, void *context)
{
	static VSTREAM *in;
	int     status;

	(void) context;
	if (in == NULL)
		in = vstream_fdopen(0, O_RDONLY);

	/*
	 * Answer what was asked before waiting for more: flush the answers
	 * only when no further key is already buffered, so that a pipeline
	 * of keys costs one write per batch, and a dialogue still gets every
	 * answer at once.
	 */
	if (vstream_peek(in) == 0)
		mkmap_flush_stdout();
	status = vstream_fgets_bound(in, key, (size_t) SSIZE_MAX);
	if (vstream_ferror(in))
		msg_fatal("read standard input: %m");
	if (status == VSTREAM_GETS_EOF)
		return (0);
	if (vstring_len(key) > 0 && vstring_end(key)[-1] == '\n')
		vstring_truncate(key, vstring_len(key) - 1);
	return (1);
}

/*
 * Look up key in the tables in order; the first table that has it
 * answers. A lookup error is fatal: "not found" would be a lie.
 */
static int
mkmap_lookup(MKMAP_LIST *list, const char *key, DICT **dictp,
	     const char **value)
{
	DICT   *dict;
	int     i;

	for (i = 0; i < list->count; i++) {
		dict = mkmap_list_dict(list, i);
		switch (dict_get(dict, key, value)) {
		case DICT_STAT_SUCCESS:
			*dictp = dict;
			return (1);
		case DICT_STAT_FAIL:
			break;
		default:
			msg_fatal("%s", dict_error_text(dict));
		}
	}
	return (0);
}

/* The value as it is to be printed; NULL when decoding failed. */
static const char *
mkmap_print_value(DICT *dict, const char *key, const char *value,
		  const MKMAP_PRINT *pr, VSTRING *buf)
{
	if (pr->decode == NULL)
		return (value);
	if (pr->decode(dict, key, value, buf) < 0)
		return (NULL);
	return (vstring_str(buf));
}

int
mkmap_query(MKMAP_LIST *list, const char *key, const MKMAP_PRINT *pr)
{
	VSTRING *buf = vstring_alloc(100);
	const char *value;
	const char *out;
	DICT   *dict;
	int     found;

	if ((found = mkmap_lookup(list, key, &dict, &value)) != 0) {
		if ((out = mkmap_print_value(dict, key, value, pr, buf)) == NULL)
			msg_fatal("table %s:%s: query error", dict_type(dict),
				  dict_name(dict));
		printf("%s\n", out);
	}
	vstring_free(buf);
	mkmap_flush_stdout();
	return (found);
}

int
mkmap_query_keys(MKMAP_LIST *list, MKMAP_KEY_FN next_key, void *context,
		 const MKMAP_PRINT *pr)
{
	VSTRING *key = vstring_alloc(100);
	VSTRING *buf = vstring_alloc(100);
	const char *value;
	const char *out;
	DICT   *dict;
	int     found = 0;

	while (next_key(key, context)) {
		if (!mkmap_lookup(list, vstring_str(key), &dict, &value))
			continue;
		if ((out = mkmap_print_value(dict, vstring_str(key), value,
					     pr, buf)) == NULL)
			msg_fatal("table %s:%s: query error", dict_type(dict),
				  dict_name(dict));
		printf("%s%s%s\n", vstring_str(key), pr->sep, out);
		found = 1;
	}
	vstring_free(key);
	vstring_free(buf);
	return (found);
}

/* Delete key from one table: 1 when it was there. */
static int
mkmap_delete_one(DICT *dict, const char *key)
{
	switch (dict_del(dict, key)) {
	case DICT_STAT_SUCCESS:
		return (1);
	case DICT_STAT_FAIL:
		return (0);
	default:
		msg_fatal("%s", dict_error_text(dict));
	}
}

int
mkmap_delete(MKMAP_LIST *list, const char *key)
{
	int     found = 0;
	int     i;

	for (i = 0; i < list->count; i++)
		found |= mkmap_delete_one(mkmap_list_dict(list, i), key);
	return (found);
}

int
mkmap_delete_keys(MKMAP_LIST *list, MKMAP_KEY_FN next_key, void *context)
{
	VSTRING *key = vstring_alloc(100);
	int     found = 0;
	int     i;

	/* Open every table before changing any. */
	for (i = 0; i < list->count; i++)
		(void) mkmap_list_dict(list, i);
	while (next_key(key, context))
		for (i = 0; i < list->count; i++)
			found |= mkmap_delete_one(list->dicts[i], vstring_str(key));
	vstring_free(key);
	return (found);
}

int
mkmap_dump(MKMAP_LIST *list, const MKMAP_PRINT *pr)
{
	VSTRING *buf = vstring_alloc(100);
	DICT   *dict;
	const char *key;
	const char *value;
	const char *out;
	int     func;
	int     status;
	int     count = 0;

	if (list->count < 1)
		msg_panic("mkmap_dump: no table");
	dict = mkmap_list_dict(list, 0);
	for (func = DICT_SEQ_FUN_FIRST;; func = DICT_SEQ_FUN_NEXT) {
		status = dict_seq(dict, func, &key, &value);
		if (status == DICT_STAT_FAIL)
			break;
		if (status != DICT_STAT_SUCCESS)
			msg_fatal("%s", dict_error_text(dict));
		/* A value that cannot be decoded was reported; skip it. */
		if ((out = mkmap_print_value(dict, key, value, pr, buf)) == NULL)
			continue;
		printf("%s%s%s\n", key, pr->sep, out);
		count++;
	}
	vstring_free(buf);
	mkmap_flush_stdout();
	return (count);
}

void
mkmap_flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		msg_fatal("write error on standard output: %m");
}

/* Feed a table's text source, line by line, to entry_fn. */
MKMAP  *
mkmap_build(const char *type_name, int incremental, int as_owner, int inherit,
	    int dict_flags, MKMAP_ENTRY_FN entry_fn, void *context)
{
	const char *path = strchr(type_name, ':') + 1;
	VSTRING *line = vstring_alloc(100);
	const char *source;
	struct stat st;
	MKMAP  *mkmap;
	FILE   *fp;
	int     lineno = 0;
	int     first_line = 0;

	if (incremental) {
		fp = stdin;
		source = "stdin";
	} else {
		if ((fp = fopen(path, "r")) == NULL)
			msg_fatal("open %s: %m", path);
		if (fstat(fileno(fp), &st) < 0)
			msg_fatal("fstat %s: %m", path);
		source = path;
	}
	mkmap_check_type(type_name);
	mkmap_begin_owner(incremental ? NULL : &st, as_owner, inherit);
	mkmap = mkmap_open(type_name, incremental ?
			   MKMAP_OPEN_UPDATE : MKMAP_OPEN_REBUILD, dict_flags);
	while (readlline(line, fp, &lineno, &first_line) != NULL) {
		if (isspace((unsigned char) *vstring_str(line))) {
			msg_warn("%s: logical line must not start with "
				 "whitespace: \"%s\"", source, vstring_str(line));
			continue;
		}
		entry_fn(mkmap, vstring_str(line), source, first_line, context);
	}
	if (ferror(fp))
		msg_fatal("read %s: %m", source);
	if (fp != stdin)
		fclose(fp);
	vstring_free(line);
	return (mkmap);
}

/* Defaults shared by postmap and postalias. */
void
mkmap_cmd_init(MKMAP_CMD *cmd, int null_flags)
{
	cmd->config_dir = NULL;
	cmd->query = NULL;
	cmd->delete = NULL;
	cmd->sequence = 0;
	cmd->null_flags = null_flags;
	cmd->dict_flags = DICT_FLAG_FOLD_FIX | DICT_FLAG_DUP_WARN;
	cmd->incremental = 0;
	cmd->as_owner = 1;
	cmd->inherit = 1;
}

/* Set the duplicate-key policy: the last option given wins. */
static void
mkmap_cmd_dup_policy(MKMAP_CMD *cmd, int policy)
{
	cmd->dict_flags = (cmd->dict_flags & ~(DICT_FLAG_DUP_WARN
			| DICT_FLAG_DUP_IGNORE | DICT_FLAG_DUP_REPLACE)) | policy;
}

/* One getopt() option both commands accept; 0 when not one of them. */
int
mkmap_cmd_option(MKMAP_CMD *cmd, int ch, const char *arg)
{
	switch (ch) {
	case 'c':
		cmd->config_dir = arg;
		break;
	case 'd':
		if (cmd->sequence || cmd->query || cmd->delete)
			msg_fatal("specify only one of -s -q or -d");
		cmd->delete = arg;
		break;
	case 'f':
		cmd->dict_flags &= ~DICT_FLAG_FOLD_FIX;
		break;
	case 'i':
		cmd->incremental = 1;
		break;
	case 'n':
		cmd->null_flags = DICT_FLAG_TRY0NULL;
		break;
	case 'N':
		cmd->null_flags = DICT_FLAG_TRY1NULL;
		break;
	case 'o':
		cmd->as_owner = 0;
		break;
	case 'p':
		cmd->inherit = 0;
		break;
	case 'q':
		if (cmd->sequence || cmd->query || cmd->delete)
			msg_fatal("specify only one of -s -q or -d");
		cmd->query = arg;
		break;
	case 'r':
		mkmap_cmd_dup_policy(cmd, DICT_FLAG_DUP_REPLACE);
		break;
	case 's':
		if (cmd->query || cmd->delete)
			msg_fatal("specify only one of -s or -q or -d");
		cmd->sequence = 1;
		break;
	case 'u':
		/* UTF-8 checks are off already; see the man pages. */
		break;
	case 'v':
		msg_verbose++;
		break;
	case 'w':
		mkmap_cmd_dup_policy(cmd, DICT_FLAG_DUP_IGNORE);
		break;
	default:
		return (0);
	}
	return (1);
}

/*
 * A new table is written with NUL-terminated keys and values unless -n
 * says otherwise; an update (-i) follows what the table already holds.
 */
void
mkmap_cmd_build_flags(MKMAP_CMD *cmd)
{
	if (!cmd->incremental && cmd->null_flags != DICT_FLAG_TRY0NULL)
		cmd->null_flags = DICT_FLAG_TRY1NULL;
	cmd->dict_flags |= cmd->null_flags;
}
