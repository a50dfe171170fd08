/*
 * master_cf_args - normalize the command arguments of a master.cf entry
 *
 *	master_cf_args() turns the columns after the command into the argv
 *	that Postfix 3.7's postconf shows and the master passes on:
 *
 *	1. Leading options (up to a word that does not start with "-", or
 *	   "--") are split: in "-vDo", each "o" after the first letter
 *	   starts a new "-o" ("-vD" "-o"); "-oVALUE" is "-o" "VALUE". The
 *	   word after "-o" (or after a lone "-", as postconf pairs it) is
 *	   its value; a "-o" value written "{ name = value }" becomes
 *	   "name=value" (or, when it is not name=value, the text inside).
 *	2. Every other argument written "{ text }" becomes the text inside,
 *	   without the white space next to the braces.
 *	3. The "-o" options among the leading options give the overrides.
 *
 * Errors: none. Unbalanced braces, text after "}" and "-o" values that
 * are not name=value are logged with msg_warn() as "FILE, line N: ...".
 */
#include <ctype.h>
#include <string.h>

#include "argv.h"
#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "master_cf_args.h"

/* Where the entry starts, for messages. */
typedef struct MCA_POS {
	const char *file;
	int     line;
} MCA_POS;

/* Per-argument flags while normalizing. */
#define MCA_EXTRACTED	(1<<0)	/* "-o { }" value already converted */
#define MCA_WARNED	(1<<1)	/* not name=value; warned already */

typedef struct MCA_ARGS {
	ARGV   *argv;
	unsigned char *flags;		/* one per argv element */
	size_t  size;
} MCA_ARGS;

/* "{ text }" without braces and surrounding white space; warns as Postfix. */
static char *
mca_unbrace(const char *arg, const MCA_POS *pos)
{
	const char *start = arg + 1;
	const char *end;
	const char *cp;
	int     level = 0;

	for (cp = arg; *cp; cp++) {
		if (*cp == '{')
			level++;
		else if (*cp == '}' && --level == 0)
			break;
	}
	if (*cp == '\0')
		msg_warn("%s, line %d: missing '}' in \"%s\"",
			 pos->file, pos->line, arg);
	else if (cp[1] != '\0')
		msg_warn("%s, line %d: syntax error after '}' in \"%s\"",
			 pos->file, pos->line, arg);
	end = cp;
	while (start < end && isspace((unsigned char) *start))
		start++;
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	return (mystrndup(start, (size_t) (end - start)));
}

/*
 * Split "name = value" (white space around "=" allowed, none in the name).
 * Returns NULL and sets *name_len and *value, or returns the reason.
 */
static const char *
mca_nameval(const char *text, size_t *name_len, const char **value)
{
	const char *cp = text;

	while (*cp && *cp != '=' && !isspace((unsigned char) *cp))
		cp++;
	if (cp == text)
		return ("missing attribute name");
	*name_len = (size_t) (cp - text);
	while (isspace((unsigned char) *cp))
		cp++;
	if (*cp != '=')
		return ("missing '=' after attribute name");
	cp++;
	while (isspace((unsigned char) *cp))
		cp++;
	*value = cp;
	return (0);
}

static void
mca_args_add(MCA_ARGS *args, const char *text, size_t len, int flags)
{
	if (args->argv->len >= args->size) {
		args->size = args->size * 2 + 8;
		args->flags = myrealloc_array(args->flags, args->size, 1);
	}
	args->flags[args->argv->len] = (unsigned char) flags;
	argv_addn(args->argv, text, len);
}

/* An option's value; a "-o { name = value }" value becomes name=value. */
static void
mca_add_value(MCA_ARGS *args, const char *text, size_t len, int is_o,
	      const MCA_POS *pos)
{
	char   *copy;
	char   *inner;
	const char *value;
	const char *err;
	size_t  name_len;
	VSTRING *buf;

	if (!is_o || text[0] != '{') {
		mca_args_add(args, text, len, 0);
		return;
	}
	copy = mystrndup(text, len);
	inner = mca_unbrace(copy, pos);
	if ((err = mca_nameval(inner, &name_len, &value)) != 0) {
		msg_warn("%s, line %d: %s: \"%s\"", pos->file, pos->line,
			 err, inner);
		mca_args_add(args, inner, strlen(inner),
			     MCA_EXTRACTED | MCA_WARNED);
	} else {
		buf = vstring_alloc(len);
		vstring_strncpy(buf, inner, name_len);
		vstring_addch(buf, '=');
		vstring_strcat(buf, value);
		mca_args_add(args, vstring_str(buf), vstring_len(buf),
			     MCA_EXTRACTED);
		vstring_free(buf);
	}
	myfree(inner);
	myfree(copy);
}

/*
 * One piece of an option cluster. want is what the previous piece left
 * pending: 'o' after "-o", '-' after "-" (Postfix's postconf also takes
 * the word after a lone "-" as its value), 0 for nothing. Returns the new
 * pending state.
 */
static int
mca_add_option(MCA_ARGS *args, const char *piece, size_t len, int want,
	       const MCA_POS *pos)
{
	if (want) {
		mca_add_value(args, piece, len, want == 'o', pos);
		return (0);
	}
	if (len > 2 && piece[1] == 'o') {
		mca_args_add(args, "-o", 2, 0);
		mca_add_value(args, piece + 2, len - 2, 1, pos);
		return (0);
	}
	mca_args_add(args, piece, len, 0);
	if (len == 2 && piece[1] == 'o')
		return ('o');
	return (len == 1 ? '-' : 0);
}

/*
 * Normalize the leading options: "-vDo" is "-vD" then "-o" (every "o"
 * after the first letter starts a new "-o"), "-ox" is "-o" "x", and
 * "-o { }" values are extracted. Options end at a word that does not
 * start with "-", or at "--".
 */
static void
mca_normalize(MCA_ARGS *args, char **tok, size_t ntok, const MCA_POS *pos)
{
	VSTRING *piece = vstring_alloc(32);
	int     in_options = 1;
	int     want = 0;
	size_t  i;
	const char *t;
	const char *start;
	const char *cp;

	for (i = 0; i < ntok; i++) {
		t = tok[i];
		if (want) {
			mca_add_value(args, t, strlen(t), want == 'o', pos);
			want = 0;
			continue;
		}
		if (!in_options || t[0] != '-' || strcmp(t, "--") == 0) {
			in_options = 0;
			mca_add_value(args, t, strlen(t), 0, pos);
			continue;
		}
		for (start = t, cp = t[1] ? t + 2 : t + 1; /* void */ ; cp++) {
			if (*cp != 'o' && *cp != '\0')
				continue;
			if (start == t) {
				vstring_strncpy(piece, t, (size_t) (cp - t));
			} else {
				vstring_strcpy(piece, "-");
				vstring_strncat(piece, start,
						(size_t) (cp - start));
			}
			want = mca_add_option(args, vstring_str(piece),
					      vstring_len(piece), want, pos);
			if (*cp == '\0')
				break;
			start = cp;
		}
	}
	vstring_free(piece);
}

/* Name and value of "-o" options among the leading options (as postconf). */
static void
mca_overrides(const MCA_ARGS *args, ARGV *onames, ARGV *ovalues,
	      const MCA_POS *pos)
{
	char  **av = args->argv->argv;
	const char *value;
	const char *err;
	size_t  name_len;
	size_t  i;

	for (i = 1; av[i] != 0; i++) {
		if (av[i][0] != '-' || strcmp(av[i], "--") == 0)
			break;
		if ((av[i][1] != 'o' && av[i][1] != '\0') || av[i + 1] == 0)
			continue;
		i++;
		if (strcmp(av[i - 1], "-o") != 0)
			continue;
		if ((err = mca_nameval(av[i], &name_len, &value)) != 0) {
			if ((args->flags[i] & MCA_WARNED) == 0)
				msg_warn("%s, line %d: -o option: %s: \"%s\"",
					 pos->file, pos->line, err, av[i]);
			continue;
		}
		argv_addn(onames, av[i], name_len);
		argv_add(ovalues, value);
	}
}

void
master_cf_args(ARGV *argv, ARGV *onames, ARGV *ovalues, char **tok,
	       size_t ntok, const char *file, int line)
{
	MCA_ARGS args;
	MCA_POS pos;
	char   *text;
	size_t  i;

	if (argv->len != 1)
		msg_panic("master_cf_args: argv must hold just the command");
	pos.file = file;
	pos.line = line;
	args.argv = argv;
	args.size = argv->len + ntok + 8;
	args.flags = mycalloc(args.size, 1);
	mca_normalize(&args, tok, ntok, &pos);
	for (i = 1; i < argv->len; i++) {
		text = argv->argv[i];
		if (text[0] == '{' && (args.flags[i] & MCA_EXTRACTED) == 0) {
			argv->argv[i] = mca_unbrace(text, &pos);
			myfree(text);
		}
	}
	mca_overrides(&args, onames, ovalues, &pos);
	myfree(args.flags);
}
