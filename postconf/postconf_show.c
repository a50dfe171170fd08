/*
 * postconf_show - print main.cf parameters as postconf does
 *
 *	postconf_show() prints "name = value" lines (or values, or names)
 *	for the parameters named, or for all of them in name order: every
 *	known parameter (-d: table and per-transport defaults; -n: only
 *	what main.cf sets; neither: main.cf value or default).
 *
 * The value is printed with its white space runs collapsed to single
 * spaces, as Postfix prints it; with -f long lines are folded at 80
 * columns with 4-space continuation lines.
 *
 * Errors: unknown names are warned about; an expansion error or a
 * computed default that cannot be computed is fatal.
 */
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "stringops.h"
#include "mail_params.h"
#include "mail_conf.h"
#include "postconf.h"

#define FOLD_WIDTH	80
#define FOLD_INDENT	"    "

/*
 * Append one line to out; the value's white space runs become single
 * spaces. Output is collected and printed at the end, so that a fatal
 * error prints nothing, as with Postfix.
 */
static void
print_line(VSTRING *out, const char *name, const char *value, int flags)
{
	ARGV   *words;
	size_t  start = vstring_len(out);
	size_t  col;
	size_t  i;
	size_t  len;

	if (flags & PC_SHOW_NO_VALUE) {
		vstring_sprintf_append(out, "%s\n", name);
		return;
	}
	if ((flags & PC_SHOW_NO_NAME) == 0)
		vstring_sprintf_append(out, "%s =", name);
	col = vstring_len(out) - start;
	words = argv_split(value, CHARS_SPACE);
	for (i = 0; i < words->len; i++) {
		len = strlen(words->argv[i]);
		if (vstring_len(out) == start) {
			/* -h: the first word starts the line. */
		} else if ((flags & PC_SHOW_FOLD) && col + 1 + len > FOLD_WIDTH) {
			vstring_strcat(out, "\n" FOLD_INDENT);
			col = strlen(FOLD_INDENT);
		} else {
			vstring_addch(out, ' ');
			col++;
		}
		vstring_strcat(out, words->argv[i]);
		col += len;
	}
	argv_free(words);
	vstring_addch(out, '\n');
}

/* The unexpanded value to show, or NULL when there is nothing to show. */
static const char *
raw_value(const char *name, int flags)
{
	const char *value;

	if (flags & PC_SHOW_DEFAULTS) {
		if ((value = mail_conf_default(name)) == NULL
		    && mail_conf_default_error() != NULL)
			msg_fatal("parameter %s: %s", name, mail_conf_default_error());
		return (value);
	}
	if ((value = mail_conf_entry(name, NULL)) != NULL)
		return (value);
	if (flags & PC_SHOW_NONDEF)
		return (NULL);
	if ((value = mail_conf_default(name)) == NULL
	    && mail_conf_default_error() != NULL)
		msg_fatal("parameter %s: %s", name, mail_conf_default_error());
	return (value);
}

/* Is the name known in this mode? */
static int
known(const char *name, int flags)
{
	switch (mail_conf_known(name)) {
	case MAIL_CONF_KNOWN_TABLE:
	case MAIL_CONF_KNOWN_TRANSPORT:
	case MAIL_CONF_KNOWN_LEGACY:
		return (1);
	case MAIL_CONF_KNOWN_USER:
		return ((flags & PC_SHOW_DEFAULTS) == 0);
	default:
		return (0);
	}
}

static void
show_one(VSTRING *out, VSTRING *buf, const char *name, int flags)
{
	const char *value;
	VSTRING *why;

	if ((value = raw_value(name, flags)) == NULL)
		return;
	if (flags & PC_SHOW_EXPAND) {
		why = vstring_alloc(100);
		if (mail_conf_eval(name, buf, why) < 0)
			msg_fatal("parameter %s: %s", name, vstring_str(why));
		vstring_free(why);
		value = vstring_str(buf);
	}
	print_line(out, name, value, flags);
}

/* Every name to show when none is given, sorted. */
static ARGV *
all_names(int flags)
{
	ARGV   *names = argv_alloc(mail_param_count + 100);
	ARGV   *more;
	size_t  i;

	if ((flags & PC_SHOW_NONDEF) == 0) {
		for (i = 0; i < mail_param_count; i++)
			argv_add(names, mail_param_table[i].name);
		more = mail_conf_registered_names();
		for (i = 0; i < more->len; i++)
			argv_add(names, more->argv[i]);
		argv_free(more);
	}
	if ((flags & PC_SHOW_DEFAULTS) == 0) {
		more = mail_conf_entry_names();
		for (i = 0; i < more->len; i++)
			if (known(more->argv[i], flags))
				argv_add(names, more->argv[i]);
		argv_free(more);
	}
	argv_sort(names);
	argv_uniq(names);
	return (names);
}

void
postconf_show(int flags, int argc, char **argv)
{
	VSTRING *out = vstring_alloc(200);
	VSTRING *buf = vstring_alloc(200);
	ARGV   *names;
	int     i;
	size_t  j;

	if (argc > 0) {
		for (i = 0; i < argc; i++) {
			if (!known(argv[i], flags))
				msg_warn("%s: unknown parameter", argv[i]);
			else
				show_one(out, buf, argv[i], flags);
		}
	} else {
		names = all_names(flags);
		for (j = 0; j < names->len; j++)
			show_one(out, buf, names->argv[j], flags);
		argv_free(names);
	}
	fwrite(vstring_str(out), 1, vstring_len(out), stdout);
	vstring_free(out);
	vstring_free(buf);
}
