/*
 * mac_expand - $name expansion with Postfix's main.cf syntax
 *
 *	mac_expand() appends the expansion of a pattern to a string; see
 *	mac_expand.h for the forms it understands.
 *	mac_exp_level_cmp() compares two compatibility levels.
 *
 * Errors: a status with MAC_EXP_ERROR and a reason in why (the first
 * error ends the expansion); names that the lookup function does not
 * know set MAC_EXP_UNDEF and expand to nothing. Nothing here exits, so
 * the fuzz target can feed it anything.
 *
 * The pattern is walked as (start, end) segments, never modified: a
 * braced value is a segment of its parent, and a looked-up value is a
 * new segment one level deeper.
 */
#include <stdarg.h>
#include <string.h>
#include <ctype.h>

#include "mymalloc.h"
#include "vstring.h"
#include "mac_expand.h"

const char mac_exp_lookup_error[] = "";

typedef struct MAC_EXP_STATE {
	VSTRING *result;		/* where output goes now */
	int     flags;
	MAC_EXP_LOOKUP_FN lookup;
	void   *context;
	VSTRING *why;
	int     status;
	long    lookups;		/* work done so far */
} MAC_EXP_STATE;

#define IS_NAME_CHAR(c)	(isalnum((unsigned char) (c)) || (c) == '_')
#define FAILED(st)	((st)->status & MAC_EXP_ERROR)

static void expand_segment(MAC_EXP_STATE *, const char *, const char *, int);
static void fail(MAC_EXP_STATE *, const char *,...)
	__attribute__((format(printf, 2, 3)));

/* Skip white space within a segment. */
static const char *
skip_space(const char *cp, const char *end)
{
	while (cp < end && isspace((unsigned char) *cp))
		cp++;
	return (cp);
}

/* The matching close character, counting nesting; NULL when missing. */
static const char *
find_close(const char *cp, const char *end, int open, int close)
{
	int     level = 0;

	for (; cp < end; cp++) {
		if (*cp == open)
			level++;
		else if (*cp == close && --level == 0)
			return (cp);
	}
	return (NULL);
}

/* Record the first error; later ones would only repeat it. */
static void
fail(MAC_EXP_STATE *st, const char *fmt,...)
{
	va_list ap;

	if (FAILED(st))
		return;
	st->status |= MAC_EXP_ERROR;
	VSTRING_RESET(st->why);
	va_start(ap, fmt);
	vstring_vsprintf_append(st->why, fmt, ap);
	va_end(ap);
}

/* A syntax error at pos, with "...before>>>after" context. */
static void
fail_at(MAC_EXP_STATE *st, const char *what, const char *start,
	const char *pos, const char *end)
{
	const char *from = (pos - start > 20) ? pos - 20 : start;
	size_t  after = (size_t) (end - pos);

	fail(st, "%s at: \"...%.*s>>>%.*s\"", what, (int) (pos - from), from,
	     (int) (after > 20 ? 20 : after), pos);
}

/* An error about a whole segment, quoted as Postfix quotes it. */
static void
fail_quote(MAC_EXP_STATE *st, const char *what, const char *start,
	   const char *end)
{
	fail(st, "%s: \"%.*s\"", what, (int) (end - start), start);
}

static void
append(MAC_EXP_STATE *st, const char *text, size_t len)
{
	if (FAILED(st) || (st->flags & MAC_EXP_FLAG_SCAN))
		return;
	if (vstring_len(st->result) + len > MAC_EXP_MAX_RESULT) {
		fail(st, "expansion result is longer than %d bytes",
		     MAC_EXP_MAX_RESULT);
		return;
	}
	vstring_memcat(st->result, text, len);
}

/* Call the lookup function with a NUL-terminated copy of the name. */
static const char *
lookup(MAC_EXP_STATE *st, const char *name, size_t len, int mode)
{
	char   *copy;
	const char *value;

	if (++st->lookups > MAC_EXP_MAX_LOOKUPS) {
		fail(st, "too many macro references (more than %d)",
		     MAC_EXP_MAX_LOOKUPS);
		return (NULL);
	}
	if (st->flags & MAC_EXP_FLAG_SCAN)
		mode = MAC_EXP_MODE_SCAN;
	copy = mystrndup(name, len);
	value = st->lookup(copy, mode, st->context, st->why);
	myfree(copy);
	if (value == mac_exp_lookup_error) {
		st->status |= MAC_EXP_ERROR;
		return (NULL);
	}
	if (value == NULL && mode != MAC_EXP_MODE_SCAN)
		st->status |= MAC_EXP_UNDEF;
	return (value);
}

/* Substitute a name's value, expanded again when asked. */
static void
substitute(MAC_EXP_STATE *st, const char *name, size_t len, int depth)
{
	const char *value;

	value = lookup(st, name, len, MAC_EXP_MODE_USE);
	if (value == NULL || FAILED(st) || (st->flags & MAC_EXP_FLAG_SCAN))
		return;
	if ((st->flags & MAC_EXP_FLAG_RECURSE) == 0) {
		append(st, value, strlen(value));
	} else if (depth >= MAC_EXP_MAX_DEPTH) {
		fail(st, "unreasonable macro call nesting: \"%.*s\"",
		     (int) len, name);
	} else {
		expand_segment(st, value, value + strlen(value), depth + 1);
	}
}

/*
 * The part after '?' or ':' : "{v1}", "{v1}:{v2}", "{v1}:v2" (after '?'
 * only) or unbraced text to the end. use_first/use_second say which value
 * the condition selects.
 */
static void
branches(MAC_EXP_STATE *st, int op, const char *start, const char *cp,
	 const char *end, int use_first, int use_second, int depth)
{
	const char *v1;
	const char *v1_end;
	const char *v2 = NULL;
	const char *v2_end = NULL;
	const char *bp = skip_space(cp, end);
	const char *close;

	if (bp < end && *bp == '{') {
		if ((close = find_close(bp, end, '{', '}')) == NULL) {
			fail_quote(st, "truncated macro reference", start, end);
			return;
		}
		v1 = bp + 1;
		v1_end = close;
		bp = skip_space(close + 1, end);
		if (bp < end) {
			if (op == '?' && *bp == ':') {
				cp = bp + 1;
				bp = skip_space(cp, end);
				if (bp < end && *bp == '{') {
					if ((close = find_close(bp, end, '{', '}')) == NULL) {
						fail_quote(st, "truncated macro reference", start, end);
						return;
					}
					v2 = bp + 1;
					v2_end = close;
					bp = skip_space(close + 1, end);
					if (bp < end) {
						fail_at(st, "unexpected input", start, close + 1, end);
						return;
					}
				} else {
					v2 = cp;
					v2_end = end;
				}
			} else if (op == '?') {
				fail_at(st, "\":\" expected", start, bp, end);
				return;
			} else {
				fail_at(st, "unexpected input", start, close + 1, end);
				return;
			}
		}
	} else {
		v1 = cp;
		v1_end = end;
	}
	if ((st->flags & MAC_EXP_FLAG_SCAN) || use_first)
		expand_segment(st, v1, v1_end, depth);
	if (v2 != NULL && ((st->flags & MAC_EXP_FLAG_SCAN) || use_second))
		expand_segment(st, v2, v2_end, depth);
}

/* Compare digit strings of any length by value. */
static int
digits_cmp(const char *a, const char *b)
{
	size_t  alen;
	size_t  blen;

	while (*a == '0' && a[1])
		a++;
	while (*b == '0' && b[1])
		b++;
	alen = strlen(a);
	blen = strlen(b);
	if (alen != blen)
		return (alen < blen ? -1 : 1);
	return (strcmp(a, b));
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s; s++)
		if (!isdigit((unsigned char) *s))
			return (0);
	return (1);
}

/*
 * A compatibility level "major[.minor[.patch]]" as one number: each part
 * may have leading white space and '+', as strtoul() reads it; major is
 * below 2^43 and minor and patch below 1024, which is the range Postfix
 * accepts. Returns -1 when malformed.
 */
static int
level_parse(const char *cp, long *level)
{
	static const unsigned long limit[3] = {(1UL << 43) - 1, 1023, 1023};
	unsigned long part[3] = {0, 0, 0};
	int     n;
	int     digit;

	for (n = 0; n < 3; n++) {
		while (isspace((unsigned char) *cp))
			cp++;
		if (*cp == '+')
			cp++;
		if (!isdigit((unsigned char) *cp))
			return (-1);
		for (; isdigit((unsigned char) *cp); cp++) {
			digit = *cp - '0';
			if (part[n] > (limit[n] - (unsigned long) digit) / 10)
				return (-1);
			part[n] = part[n] * 10 + (unsigned long) digit;
		}
		if (*cp == '\0')
			break;
		if (*cp++ != '.' || n == 2)
			return (-1);
	}
	*level = (long) ((part[0] << 20) | (part[1] << 10) | part[2]);
	return (0);
}

int
mac_exp_level_cmp(const char *a, const char *b, int *cmp, VSTRING *why)
{
	long    la;
	long    lb;

	if (level_parse(a, &la) < 0 || level_parse(b, &lb) < 0) {
		vstring_sprintf(why, "malformed compatibility level syntax: \"%s\"",
				level_parse(a, &la) < 0 ? a : b);
		return (-1);
	}
	*cmp = (la < lb ? -1 : la > lb);
	return (0);
}

/* Relational operators; the "level" variants compare release levels. */
static const char *const rel_ops[] = {"==", "!=", "<", "<=", ">", ">=", 0};

static int
rel_test(int op, int cmp)
{
	switch (op) {
	case 0:
		return (cmp == 0);
	case 1:
		return (cmp != 0);
	case 2:
		return (cmp < 0);
	case 3:
		return (cmp <= 0);
	case 4:
		return (cmp > 0);
	default:
		return (cmp >= 0);
	}
}

/* Expand one braced operand into its own buffer. */
static void
operand(MAC_EXP_STATE *st, VSTRING *buf, const char *cp, const char *end,
	int depth)
{
	VSTRING *saved = st->result;

	st->result = buf;
	expand_segment(st, cp, end, depth);
	st->result = saved;
}

/* ${{a} OP {b} ...}: cp points at the first '{'. */
static void
relational(MAC_EXP_STATE *st, const char *start, const char *cp,
	   const char *end, int depth)
{
	const char *a;
	const char *a_end;
	const char *b;
	const char *b_end;
	const char *op_start;
	const char *close;
	size_t  oplen;
	size_t  suffix;
	int     op;
	int     level;
	int     cmp = 0;
	int     truth = 0;
	VSTRING *va;
	VSTRING *vb;

	if ((close = find_close(cp, end, '{', '}')) == NULL) {
		fail_quote(st, "truncated macro reference", start, end);
		return;
	}
	a = cp + 1;
	a_end = close;
	op_start = skip_space(close + 1, end);
	oplen = strspn(op_start, "!=<>");
	if (op_start + oplen > end)
		oplen = (size_t) (end - op_start);
	for (suffix = 0; op_start + oplen + suffix < end
	     && isalpha((unsigned char) op_start[oplen + suffix]); suffix++)
		 /* void */ ;
	level = (suffix == 5 && strncmp(op_start + oplen, "level", 5) == 0);
	for (op = 0; rel_ops[op]; op++)
		if (strlen(rel_ops[op]) == oplen
		    && strncmp(rel_ops[op], op_start, oplen) == 0)
			break;
	if (rel_ops[op] == 0 || (suffix != 0 && !level)) {
		fail_at(st, "\"==\" or \"!=\" or \"<\" or \"<=\" or \">=\" or \">\""
			" expected", start, op_start, end);
		return;
	}
	cp = op_start + oplen + suffix;
	b = skip_space(cp, end);
	if (b >= end || *b != '{') {
		fail_at(st, "\"{expression}\" expected", start, cp, end);
		return;
	}
	if ((close = find_close(b, end, '{', '}')) == NULL) {
		fail_quote(st, "truncated macro reference", start, end);
		return;
	}
	b_end = close;
	b++;
	cp = skip_space(close + 1, end);

	va = vstring_alloc(32);
	vb = vstring_alloc(32);
	operand(st, va, a, a_end, depth);
	operand(st, vb, b, b_end, depth);
	if (!FAILED(st) && (st->flags & MAC_EXP_FLAG_SCAN) == 0) {
		if (level) {
			if (mac_exp_level_cmp(vstring_str(va), vstring_str(vb),
					      &cmp, st->why) < 0)
				st->status |= MAC_EXP_ERROR;
		} else if (all_digits(vstring_str(va)) && all_digits(vstring_str(vb))) {
			cmp = digits_cmp(vstring_str(va), vstring_str(vb));
		} else {
			cmp = strcmp(vstring_str(va), vstring_str(vb));
		}
		truth = rel_test(op, cmp);
	}
	vstring_free(va);
	vstring_free(vb);
	if (FAILED(st))
		return;
	if (cp >= end) {
		if (truth)
			append(st, "true", 4);
	} else if (*cp == '?') {
		branches(st, '?', start, cp + 1, end, truth, !truth, depth);
	} else if (*cp == ':') {
		branches(st, ':', start, cp + 1, end, !truth, 0, depth);
	} else {
		fail_at(st, "\"?\" or \":\" expected", start, cp, end);
	}
}

/* The inside of ${...} or $(...). */
static void
macro(MAC_EXP_STATE *st, const char *start, const char *end, int depth)
{
	const char *cp = skip_space(start, end);
	const char *name;
	const char *name_end;
	const char *value;
	int     truth;

	if (cp < end && *cp == '{') {
		relational(st, cp, cp, end, depth);
		return;
	}
	name = cp;
	while (cp < end && IS_NAME_CHAR(*cp))
		cp++;
	name_end = cp;
	cp = skip_space(cp, end);
	if (cp >= end) {
		substitute(st, name, (size_t) (name_end - name), depth);
	} else if (*cp == '?' || *cp == ':') {
		value = lookup(st, name, (size_t) (name_end - name), MAC_EXP_MODE_TEST);
		if (FAILED(st))
			return;
		truth = (value != NULL && *value != '\0');
		if (*cp == '?')
			branches(st, '?', name, cp + 1, end, truth, !truth, depth);
		else
			branches(st, ':', name, cp + 1, end, !truth, 0, depth);
	} else {
		fail_at(st, "attribute name syntax error", name, name_end, end);
	}
}

/* Expand start..end, appending to st->result. */
static void
expand_segment(MAC_EXP_STATE *st, const char *start, const char *end,
	       int depth)
{
	const char *cp = start;
	const char *dollar;
	const char *close;
	const char *name;

	while (cp < end && !FAILED(st)) {
		dollar = memchr(cp, '$', (size_t) (end - cp));
		if (dollar == NULL) {
			append(st, cp, (size_t) (end - cp));
			break;
		}
		append(st, cp, (size_t) (dollar - cp));
		cp = dollar + 1;
		if (cp < end && *cp == '$') {
			append(st, "$", 1);
			cp++;
		} else if (cp < end && (*cp == '{' || *cp == '(')) {
			close = find_close(cp, end, *cp, *cp == '{' ? '}' : ')');
			if (close == NULL) {
				fail_quote(st, "truncated macro reference", start, end);
				break;
			}
			if (close == cp + 1) {
				fail_quote(st, "empty macro name", start, end);
				break;
			}
			macro(st, cp + 1, close, depth);
			cp = close + 1;
		} else if (cp < end && IS_NAME_CHAR(*cp)) {
			for (name = cp; cp < end && IS_NAME_CHAR(*cp); cp++)
				 /* void */ ;
			substitute(st, name, (size_t) (cp - name), depth);
		} else {
			fail_quote(st, "empty macro name", start, end);
		}
	}
}

int
mac_expand(VSTRING *result, const char *pattern, int flags,
	   MAC_EXP_LOOKUP_FN lookup_fn, void *context, VSTRING *why)
{
	MAC_EXP_STATE st;

	st.result = result;
	st.flags = flags;
	st.lookup = lookup_fn;
	st.context = context;
	st.why = why;
	st.status = MAC_EXP_OK;
	st.lookups = 0;
	expand_segment(&st, pattern, pattern + strlen(pattern), 0);
	return (st.status);
}
