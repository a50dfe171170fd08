/*
 * postalias_tok - the "name: value, value, ..." syntax of aliases(5)
 *
 *	postalias_split() cuts one logical line into name and value.
 *
 * The line is read as RFC 822 tokens, the way Sendmail and Postfix read
 * alias files, so that a quoted name may contain ':', '@' or white space
 * and a quoted "|command" keeps its spaces. Tokens are atoms, quoted
 * strings ("..."), comments ((...), nested, kept verbatim), domain
 * literals ([...]) and one-character operators ()<>@,;:\".[]!%|.
 * Inside quoted strings, domain literals and after a backslash, white
 * space becomes a plain space; a backslash takes the next character
 * literally; an unterminated quoted string or literal ends at the end
 * of the line.
 *
 * The name is everything before the first ':' operator in internal form
 * (quotes removed). The value is the rest, written back in external form:
 * quoted strings re-quoted, atoms that contain an operator, white space or
 * a control character quoted, backslashes in domain literals doubled, one space after each comma, a space between
 * two words and before '<', no space around other operators.
 *
 * Errors: a line without a name, without a value, or with a comma before
 * the colon is "need name:value pair"; a name with an '@' or '%' operator
 * is "name must be local" (use quotes for a literal one).
 */
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "postalias.h"

#define TOK_ATOM	256
#define TOK_QSTRING	257
#define TOK_COMMENT	258
#define TOK_DOMLIT	259

typedef struct TOK {
	int     type;			/* TOK_* or the operator character */
	VSTRING *text;			/* internal form */
} TOK;

typedef struct TOK_LIST {
	TOK    *tok;
	size_t  len;
	size_t  size;
} TOK_LIST;

static const char tok_operators[] = "()<>@,;:\\\".[]!%|";

static int
tok_is_space(int ch)
{
	return (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'
		|| ch == '\v' || ch == '\f');
}

static int
tok_is_operator(int ch)
{
	return (ch != '\0' && strchr(tok_operators, ch) != NULL);
}

static TOK *
tok_add(TOK_LIST *list, int type)
{
	TOK    *tp;

	if (list->len == list->size) {
		list->size = list->size ? list->size * 2 : 16;
		list->tok = myrealloc_array(list->tok, list->size, sizeof(TOK));
	}
	tp = list->tok + list->len++;
	tp->type = type;
	tp->text = vstring_alloc(16);
	return (tp);
}

static void
tok_free(TOK_LIST *list)
{
	size_t  i;

	for (i = 0; i < list->len; i++)
		vstring_free(list->tok[i].text);
	if (list->tok)
		myfree(list->tok);
}

/* Quoted string or domain literal body, after the opening character. */
static const char *
tok_scan_quoted(const char *cp, int close, VSTRING *text)
{
	while (*cp != '\0') {
		if (*cp == close)
			return (cp + 1);
		if (*cp == '\\') {
			if (*++cp == '\0')
				break;
		}
		vstring_addch(text, tok_is_space(*cp) ? ' ' : *cp);
		cp++;
	}
	return (cp);
}

/* Comment: kept verbatim, parentheses included, nesting honoured. */
static const char *
tok_scan_comment(const char *cp, VSTRING *text)
{
	int     level = 0;

	while (*cp != '\0') {
		if (*cp == '\\' && cp[1] != '\0') {
			vstring_addch(text, *cp++);
		} else if (*cp == '(') {
			level++;
		} else if (*cp == ')' && --level == 0) {
			vstring_addch(text, *cp++);
			break;
		}
		vstring_addch(text, *cp++);
	}
	return (cp);
}

static const char *
tok_scan_atom(const char *cp, VSTRING *text)
{
	while (*cp != '\0' && !tok_is_space(*cp)
	       && (*cp == '\\' || !tok_is_operator(*cp))) {
		if (*cp == '\\' && *++cp == '\0')
			break;
		vstring_addch(text, tok_is_space(*cp) ? ' ' : *cp);
		cp++;
	}
	return (cp);
}

static void
tok_scan(const char *cp, TOK_LIST *list)
{
	TOK    *tp;

	while (*cp != '\0') {
		if (tok_is_space(*cp)) {
			cp++;
		} else if (*cp == '(') {
			tp = tok_add(list, TOK_COMMENT);
			cp = tok_scan_comment(cp, tp->text);
		} else if (*cp == '"') {
			tp = tok_add(list, TOK_QSTRING);
			cp = tok_scan_quoted(cp + 1, '"', tp->text);
		} else if (*cp == '[') {
			tp = tok_add(list, TOK_DOMLIT);
			cp = tok_scan_quoted(cp + 1, ']', tp->text);
		} else if (*cp != '\\' && tok_is_operator(*cp)) {
			tp = tok_add(list, (unsigned char) *cp);
			vstring_addch(tp->text, *cp++);
		} else {
			tp = tok_add(list, TOK_ATOM);
			cp = tok_scan_atom(cp, tp->text);
		}
	}
}

static int
tok_is_word(const TOK *tp)
{
	return (tp->type == TOK_ATOM || tp->type == TOK_QSTRING
		|| tp->type == TOK_COMMENT || tp->type == TOK_DOMLIT);
}

/* An atom that would not read back as the same atom needs quotes. */
static int
tok_needs_quotes(const char *str)
{
	const unsigned char *cp;

	for (cp = (const unsigned char *) str; *cp; cp++)
		if (tok_is_operator(*cp) || tok_is_space(*cp)
		    || *cp < ' ' || *cp == 0177)
			return (1);
	return (0);
}

static void
tok_quote(VSTRING *out, const char *str)
{
	vstring_addch(out, '"');
	for (; *str; str++) {
		if (*str == '"' || *str == '\\')
			vstring_addch(out, '\\');
		vstring_addch(out, *str);
	}
	vstring_addch(out, '"');
}

/* Write tokens [first, last) as text; external form quotes. */
static void
tok_write(VSTRING *out, const TOK *first, const TOK *last, int external)
{
	const TOK *tp;
	const char *text;

	VSTRING_RESET(out);
	for (tp = first; tp < last; tp++) {
		text = vstring_str(tp->text);
		switch (tp->type) {
		case TOK_ATOM:
			if (external && tok_needs_quotes(text))
				tok_quote(out, text);
			else
				vstring_strcat(out, text);
			break;
		case TOK_QSTRING:
			if (external)
				tok_quote(out, text);
			else
				vstring_strcat(out, text);
			break;
		case TOK_DOMLIT:
			/* Only the backslash is escaped here, as in Postfix. */
			vstring_addch(out, '[');
			for (; *text; text++) {
				if (external && *text == '\\')
					vstring_addch(out, '\\');
				vstring_addch(out, *text);
			}
			vstring_addch(out, ']');
			break;
		default:
			vstring_strcat(out, text);
			break;
		}
		if (tp->type == ',')
			vstring_addch(out, ' ');
		else if (tp + 1 < last && (tp[1].type == '<'
				     || (tok_is_word(tp) && tok_is_word(tp + 1))))
			vstring_addch(out, ' ');
	}
}

int
postalias_split(const char *line, VSTRING *key, VSTRING *value,
		const char **why)
{
	TOK_LIST list = {NULL, 0, 0};
	size_t  colon;
	size_t  i;
	int     status = 0;

	tok_scan(line, &list);
	for (colon = 0; colon < list.len; colon++)
		if (list.tok[colon].type == ':')
			break;
	if (colon == 0 || colon + 1 >= list.len) {
		*why = "need name:value pair";
		status = -1;
	}
	for (i = 0; status == 0 && i < colon; i++) {
		if (list.tok[i].type == ',') {
			*why = "need name:value pair";
			status = -1;
		}
	}
	for (i = 0; status == 0 && i < colon; i++) {
		if (list.tok[i].type == '@' || list.tok[i].type == '%') {
			*why = "name must be local";
			status = -1;
		}
	}
	if (status == 0) {
		tok_write(key, list.tok, list.tok + colon, 0);
		tok_write(value, list.tok + colon + 1, list.tok + list.len, 1);
	}
	tok_free(&list);
	return (status);
}
