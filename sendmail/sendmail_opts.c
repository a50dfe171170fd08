/*
 * sendmail_opts - the Sendmail command line, as Postfix's sendmail reads it
 *
 *	sendmail_opts_parse() argv into a SENDMAIL_OPTS (sendmail.h)
 *	sendmail_opts_free() the recipient list
 *
 * Options are parsed like POSIX getopt without permutation: clustered
 * flags (-ti), arguments attached (-fuser) or separate (-f user), "--"
 * or the first operand ends the options. "-q" alone flushes the queue;
 * -qI<id> and -qR<site> flush one message or site; any other -q<text> is
 * a Sendmail queue interval, ignored. -o<x> options are ignored except
 * -oi (as -i) and -oA<db>; "-o x value" takes the value from the next
 * argument. Options Postfix documents as ignored are ignored; an option
 * letter nobody knows is a usage error, as is an unsupported -b mode.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "argv.h"
#include "vstring.h"
#include "sendmail.h"

/* Option letters that take an argument. */
#define SM_ARG_OPTS	"ABCFLNORVXbefhopr"
/* Option letters without one. */
#define SM_FLAG_OPTS	"GIUimntv"

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return (slash ? slash + 1 : path);
}

/* -N: never, or a comma list of success, failure, delay. */
static int
parse_notify(const char *arg, int *notify)
{
	char   *copy = mystrdup(arg);
	char   *cp = copy;
	char   *word;
	int     bits = 0;

	while ((word = strsep(&cp, ",")) != NULL) {
		while (*word == ' ')
			word++;
		if (strcasecmp(word, "never") == 0)
			bits |= SM_NOTIFY_NEVER;
		else if (strcasecmp(word, "success") == 0)
			bits |= SM_NOTIFY_SUCCESS;
		else if (strcasecmp(word, "failure") == 0)
			bits |= SM_NOTIFY_FAILURE;
		else if (strcasecmp(word, "delay") == 0)
			bits |= SM_NOTIFY_DELAY;
		else
			bits = -1;
		if (bits < 0)
			break;
	}
	myfree(copy);
	if (bits <= 0 || ((bits & SM_NOTIFY_NEVER) && bits != SM_NOTIFY_NEVER))
		return (-1);
	*notify = bits;
	return (0);
}

/* -V: printable ASCII without spaces, at most 100 characters. */
static int
envid_ok(const char *arg)
{
	const unsigned char *cp;

	if (*arg == 0 || strlen(arg) > 100)
		return (0);
	for (cp = (const unsigned char *) arg; *cp; cp++)
		if (*cp <= ' ' || *cp >= 0x7f)
			return (0);
	return (1);
}

/* One option letter with its argument (NULL for flags). */
static int
sm_option(SENDMAIL_OPTS *opts, int ch, const char *arg, int arg_separate,
	  int argc, char **argv, int *optind, VSTRING *why)
{
	switch (ch) {
	case 'B':
		if (strcasecmp(arg, "7bit") == 0)
			opts->body_type = "7bit";
		else if (strcasecmp(arg, "8bitmime") == 0)
			opts->body_type = "8bit";
		else
			return (vstring_sprintf(why, "-B option needs 7BIT or "
						"8BITMIME"), -1);
		return (0);
	case 'C':
		opts->config = arg;
		return (0);
	case 'F':
		opts->full_name = arg;
		return (0);
	case 'N':
		if (parse_notify(arg, &opts->notify) < 0)
			return (vstring_sprintf(why, "-N option: bad notification "
						"list: %s", arg), -1);
		return (0);
	case 'R':
		if (strcasecmp(arg, "full") == 0)
			opts->ret = "FULL";
		else if (strcasecmp(arg, "hdrs") == 0)
			opts->ret = "HDRS";
		else
			return (vstring_sprintf(why, "-R option needs full or "
						"hdrs"), -1);
		return (0);
	case 'V':
		if (!envid_ok(arg))
			return (vstring_sprintf(why, "-V option: bad envelope "
						"ID: %s", arg), -1);
		opts->envid = arg;
		return (0);
	case 'b':
		if (arg[0] == 0 || arg[1] != 0)
			return (vstring_sprintf(why, "unsupported: -b%s", arg), -1);
		switch (arg[0]) {
		case 'm':
			opts->mode = SM_MODE_ENQUEUE;
			return (0);
		case 'p':
			opts->mode = SM_MODE_MAILQ;
			return (0);
		case 'i':
			opts->mode = SM_MODE_NEWALIAS;
			return (0);
		case 's':
			opts->mode = SM_MODE_SMTP;
			return (0);
		case 'd':
		case 'l':
			opts->mode = SM_MODE_DAEMON;
			return (0);
		case 'v':
			opts->mode = SM_MODE_VERIFY;
			return (0);
		case 'h':
		case 'H':
			return (0);
		default:
			return (vstring_sprintf(why, "unsupported: -b%s", arg), -1);
		}
	case 'f':
	case 'r':
		opts->sender = arg;
		return (0);
	case 'o':
		/* "-o x value": the value is the next argument. */
		if (arg_separate && arg[0] != 0 && arg[1] == 0) {
			const char *value = *optind < argc ? argv[(*optind)++] : "";

			if (arg[0] == 'A')
				opts->alias_db = value;
			else if (arg[0] == 'i')
				opts->dot_ends = 0;
			return (0);
		}
		if (arg[0] == 'i')
			opts->dot_ends = 0;
		else if (arg[0] == 'A' && arg[1] != 0)
			opts->alias_db = arg + 1;
		else if (arg[0] == 'F' && arg[1] != 0)
			opts->full_name = arg + 1;
		return (0);
	case 'I':
		opts->mode = SM_MODE_NEWALIAS;
		return (0);
	case 'i':
		opts->dot_ends = 0;
		return (0);
	case 't':
		opts->extract = 1;
		return (0);
	case 'v':
		opts->verbose++;
		return (0);
	default:
		/* -A -L -O -X -e -h -p (with argument), -G -U -m -n: ignored. */
		return (0);
	}
}

/* -q, -qI<id>, -qR<site>, -q<interval>. */
static int
sm_queue_option(SENDMAIL_OPTS *opts, const char *rest, VSTRING *why)
{
	switch (rest[0]) {
	case 0:
		opts->mode = SM_MODE_FLUSH;
		return (0);
	case 'I':
		if (rest[1] == 0)
			return (vstring_sprintf(why, "-qI needs a queue ID"), -1);
		opts->mode = SM_MODE_FLUSH;
		opts->flush_id = rest + 1;
		return (0);
	case 'R':
		if (rest[1] == 0)
			return (vstring_sprintf(why, "-qR needs a site name"), -1);
		opts->mode = SM_MODE_FLUSH;
		opts->flush_site = rest + 1;
		return (0);
	case 'S':
		return (vstring_sprintf(why, "-qS is not implemented; use "
					"sendmail -q"), -1);
	default:
		/* A queue run interval (-q1h): there is no queue daemon to tell. */
		if (opts->mode == SM_MODE_ENQUEUE)
			opts->mode = SM_MODE_IGNORE;
		return (0);
	}
}

int
sendmail_opts_parse(SENDMAIL_OPTS *opts, int argc, char **argv, VSTRING *why)
{
	const char *name = argc > 0 ? base_name(argv[0]) : "sendmail";
	int     optind = 1;

	memset(opts, 0, sizeof(*opts));
	opts->dot_ends = 1;
	opts->recipients = argv_alloc(4);
	if (strcmp(name, "mailq") == 0)
		opts->mode = SM_MODE_MAILQ;
	else if (strcmp(name, "newaliases") == 0)
		opts->mode = SM_MODE_NEWALIAS;
	else
		opts->mode = SM_MODE_ENQUEUE;

	while (optind < argc) {
		const char *arg = argv[optind];
		const char *cp;

		if (arg[0] != '-' || arg[1] == 0)
			break;
		optind++;
		if (strcmp(arg, "--") == 0)
			break;
		if (arg[1] == 'q') {
			if (sm_queue_option(opts, arg + 2, why) < 0)
				return (-1);
			continue;
		}
		for (cp = arg + 1; *cp; cp++) {
			int     ch = (unsigned char) *cp;
			const char *optarg = NULL;
			int     separate = 0;

			if (strchr(SM_ARG_OPTS, ch) != NULL) {
				if (cp[1] != 0) {
					optarg = cp + 1;
				} else if (optind < argc) {
					optarg = argv[optind++];
					separate = 1;
				} else {
					vstring_sprintf(why, "option requires an "
							"argument -- '%c'", ch);
					return (-1);
				}
			} else if (strchr(SM_FLAG_OPTS, ch) == NULL) {
				vstring_sprintf(why, "invalid option -- '%c'", ch);
				return (-1);
			}
			if (sm_option(opts, ch, optarg, separate, argc, argv,
				      &optind, why) < 0)
				return (-1);
			if (optarg != NULL)
				break;
		}
	}
	for (; optind < argc; optind++)
		argv_add(opts->recipients, argv[optind]);
	return (0);
}

void
sendmail_opts_free(SENDMAIL_OPTS *opts)
{
	if (opts->recipients)
		opts->recipients = argv_free(opts->recipients);
}
