/*
 * postconf - show or change the postern configuration
 *
 *	postconf [-c dir] [-dfhHnvx] [-o name=value] [name ...]
 *	postconf [-c dir] -e name=value ...	(or just name=value ...)
 *	postconf [-c dir] -X name ... | -# name ...
 *	postconf [-c dir] -m
 *	postconf [-c dir] -M[f] [service[/type] ...]
 *
 * As Postfix's postconf(1): see man/man1/postconf.1. The configuration
 * directory is -c, else $MAIL_CONFIG, else the compiled-in default; an
 * explicit one shows up as config_directory, as with Postfix.
 *
 * Errors: usage errors, unreadable files and expansion errors are fatal
 * (exit status 1); unknown parameter names are warnings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "dict.h"
#include "mail_conf.h"
#include "mail_conf_file.h"
#include "postconf.h"
#include "postconf_master.h"

#define USAGE	"usage: postconf [-c config_dir] [-d (parameter defaults)] " \
	"[-e (edit configuration)] [-f (fold lines)] [-h (no names)] " \
	"[-H (no values)] [-m (map types)] [-M (master.cf)] " \
	"[-n (non-default parameters)] [-o name=value (override parameter " \
	"value)] [-p (main.cf, default)] [-v (verbose)] " \
	"[-x (expand parameter values)] [-X (exclude)] [-# (comment-out)] " \
	"[name...]"

/* Options that select a mode; at most one may be given. */
#define MODE_EDIT	(1<<0)		/* -e */
#define MODE_REMOVE	(1<<1)		/* -X */
#define MODE_COMMENT	(1<<2)		/* -# */
#define MODE_MAPS	(1<<3)		/* -m */
#define MODE_MASTER	(1<<4)		/* -M */
#define MODE_DEFAULTS	(1<<5)		/* -d */
#define MODE_NONDEF	(1<<6)		/* -n */
#define MODE_NO_NAME	(1<<7)		/* -h */
#define MODE_NO_VALUE	(1<<8)		/* -H */

/* Pairs of options that exclude each other, with Postfix's complaint. */
static const struct {
	int     a;
	int     b;
	const char *text;
} conflicts[] = {
	{MODE_DEFAULTS, MODE_NONDEF, "specify one of -d -n"},
	{MODE_EDIT, MODE_NONDEF, "specify one of -e -n"},
	{MODE_EDIT, MODE_REMOVE, "specify one of -e -X"},
	{MODE_EDIT, MODE_COMMENT, "specify one of -e -#"},
	{MODE_REMOVE, MODE_COMMENT, "specify one of -X -#"},
	{MODE_NONDEF, MODE_REMOVE, "specify one of -n -X"},
	{MODE_NONDEF, MODE_COMMENT, "specify one of -n -#"},
	{MODE_NO_NAME, MODE_NO_VALUE, "specify one of -h -H"},
	{MODE_MAPS, MODE_NONDEF, "with option -m, do not specify -n"},
	{MODE_MASTER, MODE_NONDEF, "with option -M, do not specify -n"},
	{MODE_MAPS, MODE_DEFAULTS, "with option -m, do not specify -d"},
	{MODE_MASTER, MODE_DEFAULTS, "with option -M, do not specify -d"},
	{MODE_MAPS, MODE_MASTER, "specify one of -m -M"},
	{0, 0, 0},
};

static void
check_conflicts(int modes)
{
	int     i;

	for (i = 0; conflicts[i].text; i++)
		if ((modes & conflicts[i].a) && (modes & conflicts[i].b))
			msg_fatal("%s", conflicts[i].text);
	if ((modes & (MODE_MASTER | MODE_MAPS))
	    && (modes & (MODE_EDIT | MODE_REMOVE | MODE_COMMENT)))
		msg_fatal("editing master.cf is not supported");
}

/*
 * Load main.cf (not for -d) and master.cf, as Postfix's postconf does,
 * then syntax-check the values (not for -d).
 */
#define LOAD_ALL	0
#define LOAD_DEFAULTS	1		/* -d: directory only */
#define LOAD_MAIN_CF	2		/* -m: main.cf only */

static void
load_config(const char *dir, int explicit_dir, int how, ARGV *overrides)
{
	VSTRING *why = vstring_alloc(100);
	size_t  i;

	if (how == LOAD_DEFAULTS)
		mail_conf_set_dir(dir);
	else if (mail_conf_load(dir, explicit_dir, why) < 0)
		msg_fatal("%s", vstring_str(why));
	for (i = 0; i + 1 < overrides->len; i += 2)
		mail_conf_override(overrides->argv[i], overrides->argv[i + 1]);
	if (how != LOAD_MAIN_CF && mail_conf_services_load(why) < 0)
		msg_warn("%s", vstring_str(why));
	if (how == LOAD_ALL && mail_conf_scan(why) < 0)
		msg_fatal("%s", vstring_str(why));
	vstring_free(why);
}

static void
show_maps(void)
{
	ARGV   *types = dict_type_names();
	size_t  i;

	for (i = 0; i < types->len; i++)
		printf("%s\n", types->argv[i]);
	argv_free(types);
}

int
main(int argc, char **argv)
{
	const char *dir = NULL;
	int     explicit_dir = 1;
	int     modes = 0;
	int     show = 0;
	int     fold = 0;
	int     status = 0;
	int     ch;
	ARGV   *overrides = argv_alloc(4);
	VSTRING *why = vstring_alloc(100);
	char   *name;
	char   *value;
	char   *copy;

	msg_stderr_init(argv[0]);
	while ((ch = getopt(argc, argv, "c:deEfhHmMno:pvxX#")) != -1) {
		switch (ch) {
		case 'c':
			dir = optarg;
			break;
		case 'd':
			modes |= MODE_DEFAULTS;
			show |= PC_SHOW_DEFAULTS;
			break;
		case 'e':
			modes |= MODE_EDIT;
			break;
		case 'f':
			fold = 1;
			show |= PC_SHOW_FOLD;
			break;
		case 'h':
			modes |= MODE_NO_NAME;
			show |= PC_SHOW_NO_NAME;
			break;
		case 'H':
			modes |= MODE_NO_VALUE;
			show |= PC_SHOW_NO_VALUE;
			break;
		case 'm':
			modes |= MODE_MAPS;
			break;
		case 'M':
			modes |= MODE_MASTER;
			break;
		case 'n':
			modes |= MODE_NONDEF;
			show |= PC_SHOW_NONDEF;
			break;
		case 'o':
			copy = mystrdup(optarg);
			if (mail_conf_file_split(copy, &name, &value, why) < 0)
				msg_fatal("%s", vstring_str(why));
			argv_add(overrides, name);
			argv_add(overrides, value);
			myfree(copy);
			break;
		case 'p':
			break;
		case 'v':
			msg_verbose++;
			break;
		case 'x':
			show |= PC_SHOW_EXPAND;
			break;
		case 'X':
			modes |= MODE_REMOVE;
			break;
		case '#':
			modes |= MODE_COMMENT;
			break;
		default:
			msg_fatal("%s", USAGE);
		}
	}
	check_conflicts(modes);
	if (dir == NULL && (dir = getenv("MAIL_CONFIG")) == NULL) {
		dir = DEF_CONFIG_DIR;
		explicit_dir = 0;
	}
	argc -= optind;
	argv += optind;

	/* "postconf name=value" edits, as "postconf -e name=value" does. */
	if ((modes & (MODE_REMOVE | MODE_COMMENT | MODE_MAPS | MODE_MASTER)) == 0
	    && argc > 0 && strchr(argv[0], '=') != NULL)
		modes |= MODE_EDIT;

	if (modes & MODE_MASTER) {
		status = postconf_master(explicit_dir ? dir : NULL, fold, argc, argv);
	} else if (modes & (MODE_EDIT | MODE_REMOVE | MODE_COMMENT)) {
		if (argc == 0)
			msg_fatal("%s requires %s argument",
				  (modes & MODE_EDIT) ? "-e" : (modes & MODE_REMOVE) ?
				  "-X" : "-#", (modes & MODE_EDIT) ?
				  "name=value" : "parameter name");
		vstring_sprintf(why, "%s/main.cf", dir);
		postconf_edit(vstring_str(why), (modes & MODE_EDIT) ? PC_EDIT_SET :
			      (modes & MODE_REMOVE) ? PC_EDIT_REMOVE :
			      PC_EDIT_COMMENT, argc, argv);
	} else if (modes & MODE_MAPS) {
		load_config(dir, explicit_dir, LOAD_MAIN_CF, overrides);
		show_maps();
	} else {
		load_config(dir, explicit_dir, (show & PC_SHOW_DEFAULTS) ?
			    LOAD_DEFAULTS : LOAD_ALL, overrides);
		postconf_show(show, argc, argv);
		if ((show & PC_SHOW_DEFAULTS) == 0)
			mail_conf_warn_unused();
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		msg_fatal("write error on standard output");
	argv_free(overrides);
	vstring_free(why);
	return (status);
}
