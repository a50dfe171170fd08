/*
 * smtp_path - the address argument of MAIL FROM and RCPT TO
 *
 * See smtp_path.h for the accepted syntax. First the argument is cut
 * into the path and the parameters (respecting quotes, comments and
 * address literals, so "<\"a>b\"@c>" is one path); then the path is
 * tokenized and parsed by addr_tok.
 */
#include <string.h>

#include "mymalloc.h"
#include "vstring.h"
#include "addr_tok.h"
#include "smtp_path.h"

#define IS_WSP(c)	((c) == ' ' || (c) == '\t')

SMTP_PATH *
smtp_path_alloc(void)
{
	SMTP_PATH *path = mymalloc(sizeof(*path));

	path->addr = vstring_alloc(64);
	path->params = vstring_alloc(64);
	path->info = 0;
	return (path);
}

void
smtp_path_free(SMTP_PATH *path)
{
	vstring_free(path->addr);
	vstring_free(path->params);
	myfree(path);
}

/*
 * Return the end of the quoted string, comment or literal that starts at
 * cp (the byte after its closing character), or NULL when it is not
 * closed. Comments nest; a backslash escapes the next byte.
 */
static const char *
skip_enclosed(const char *cp)
{
	int     open = *cp;
	int     close = open == '"' ? '"' : open == '(' ? ')' : ']';
	int     depth = 1;

	for (cp++; *cp; cp++) {
		if (*cp == '\\') {
			if (*++cp == 0)
				return (NULL);
		} else if (open == '(' && *cp == '(') {
			depth++;
		} else if (*cp == close && --depth == 0) {
			return (cp + 1);
		}
	}
	return (NULL);
}

/*
 * Find the end of the path that starts at cp: the byte after '>' for
 * a bracketed path, else the first whitespace. NULL when a quote,
 * comment or literal is left open, or '>' is missing.
 */
static const char *
path_end(const char *cp, int bracketed)
{
	if (bracketed)
		cp++;
	while (*cp) {
		if (*cp == '"' || *cp == '(' || *cp == '[') {
			if ((cp = skip_enclosed(cp)) == NULL)
				return (NULL);
		} else if (*cp == '\\') {
			if (*++cp == 0)
				return (NULL);
			cp++;
		} else if (bracketed && *cp == '>') {
			return (cp + 1);
		} else if (!bracketed && IS_WSP(*cp)) {
			return (cp);
		} else {
			cp++;
		}
	}
	return (bracketed ? NULL : cp);
}

/*
 * Skip whitespace and (lenient) complete comments. An unterminated
 * comment stays, so that lenient mode accepts all that strict mode does
 * (strict takes "<a@b> (" as a parameter "(").
 */
static const char *
skip_space(const char *cp, int comments)
{
	const char *next;

	for (;;) {
		while (IS_WSP(*cp))
			cp++;
		if (!comments || *cp != '(' || (next = skip_enclosed(cp)) == NULL)
			return (cp);
		cp = next;
	}
}

static int
path_error(VSTRING *why, const char *text)
{
	if (why)
		vstring_strcpy(why, text);
	return (-1);
}

int
smtp_path_parse(SMTP_PATH *path, const char *arg, int flags, VSTRING *why)
{
	int     strict = (flags & SMTP_PATH_FLAG_STRICT) != 0;
	ADDR_TOKS *toks;
	const char *start;
	const char *end;
	const char *rest;
	size_t  i;
	int     bracketed;
	int     mflags;
	int     info;
	int     ret;

	VSTRING_RESET(path->addr);
	VSTRING_RESET(path->params);
	path->info = 0;

	/* Cut the argument into path and parameters. */
	start = skip_space(arg, !strict);
	if (*start == 0)
		return (path_error(why, "missing address"));
	bracketed = (*start == '<');
	if (!bracketed && strict)
		return (path_error(why, "address not enclosed in <>"));
	if ((end = path_end(start, bracketed)) == NULL)
		return (path_error(why, bracketed ?
			     "missing '>' or unbalanced quote, comment or literal" :
				   "unbalanced quote, comment or literal"));
	rest = skip_space(end, !strict);
	if (*rest != 0 && rest == end)
		return (path_error(why, bracketed ? "garbage after '>'" :
				   "garbage after address"));
	vstring_strcpy(path->params, rest);
	while (vstring_len(path->params) > 0
	       && IS_WSP(vstring_end(path->params)[-1]))
		vstring_truncate(path->params, vstring_len(path->params) - 1);
	if (bracketed) {
		start += 1;
		end -= 1;
	} else {
		path->info |= SMTP_PATH_INFO_BARE;
	}

	/* Parse the path. */
	toks = addr_tok_alloc();
	if (addr_tok_parse(toks, start, (size_t) (end - start), 0, why) < 0) {
		ret = -1;
		goto done;
	}
	if (strict && toks->len > 0
	    && ((toks->tok[0].flags & ADDR_TOK_FLAG_SPACE) || toks->trailing_space)) {
		ret = path_error(why, "whitespace inside <>");
		goto done;
	}
	for (i = 0; !strict && i < toks->len
	     && toks->tok[i].type == ADDR_TOK_COMMENT; i++)
		 /* void */ ;
	if (i == toks->len && bracketed) {
		/* <>, or lenient < > and <(comment)>. */
		if (strict && end > start) {
			ret = path_error(why, "whitespace inside <>");
			goto done;
		}
		path->info |= SMTP_PATH_INFO_NULL;
		ret = 0;
		goto done;
	}
	mflags = (strict ? ADDR_TOK_MBOX_STRICT : 0)
		| ((flags & SMTP_PATH_FLAG_UTF8) ? ADDR_TOK_MBOX_UTF8 : 0);
	ret = addr_tok_mailbox(toks, 0, toks->len, mflags, path->addr, &info, why);
	if (ret == 0) {
		if (info & ADDR_TOK_INFO_ROUTE)
			path->info |= SMTP_PATH_INFO_ROUTE;
		if (info & ADDR_TOK_INFO_8BIT)
			path->info |= SMTP_PATH_INFO_8BIT;
	}
done:
	addr_tok_free(toks);
	if (ret < 0) {
		VSTRING_RESET(path->addr);
		VSTRING_RESET(path->params);
		path->info = 0;
	}
	return (ret);
}
