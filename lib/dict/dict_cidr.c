/*
 * dict_cidr - cidr:/file, address patterns as in Postfix's cidr_table(5)
 *
 *	dict_cidr_open() reads rules of the form "pattern result",
 *	"!pattern result", "if pattern" / "if !pattern" ... "endif" (which
 *	nest), from a file or from the inline form cidr:{ {rule}, ... }.
 *	A lookup converts the key to binary once and applies the rules in
 *	order; the first match wins. A negated pattern matches only keys of
 *	its own address family, as in Postfix; a key that is not an IPv4 or
 *	IPv6 address is not found.
 *
 * Errors: a missing or unreadable file fails the open. A bad rule is
 * logged as "cidr map FILE, line N: reason: skipping this rule" and left
 * out, as Postfix does; the table still opens.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "cidr_match.h"
#include "dict.h"
#include "dict_priv.h"

#define CIDR_OP_MATCH	0
#define CIDR_OP_IF	1
#define CIDR_OP_ENDIF	2

typedef struct CIDR_RULE {
	int     op;			/* CIDR_OP_* */
	int     negate;			/* match when the pattern does not */
	CIDR_MATCH match;
	char   *value;			/* CIDR_OP_MATCH */
	size_t  endif;			/* CIDR_OP_IF: index of its ENDIF */
	int     lineno;
} CIDR_RULE;

typedef struct DICT_CIDR {
	DICT    dict;			/* generic part, first */
	CIDR_RULE *rules;
	size_t  count;
	size_t  size;
} DICT_CIDR;

static int
dict_cidr_lookup(DICT *dict, const char *key, const char **value)
{
	DICT_CIDR *dc = (DICT_CIDR *) dict;
	CIDR_ADDR addr;
	CIDR_RULE *r;
	size_t  i;
	int     hit;

	if (cidr_addr_parse(&addr, key) < 0)
		return (DICT_STAT_FAIL);
	for (i = 0; i < dc->count; i++) {
		r = dc->rules + i;
		if (r->op == CIDR_OP_ENDIF)
			continue;
		/* Negation applies within the key's address family only. */
		hit = r->match.family == addr.family
			&& cidr_match_exec(&r->match, &addr) != r->negate;
		if (r->op == CIDR_OP_IF) {
			if (!hit)
				i = r->endif;
			continue;
		}
		if (hit) {
			*value = r->value;
			return (DICT_STAT_SUCCESS);
		}
	}
	return (DICT_STAT_FAIL);
}

static int
dict_cidr_close(DICT *dict, VSTRING *why)
{
	DICT_CIDR *dc = (DICT_CIDR *) dict;
	size_t  i;

	for (i = 0; i < dc->count; i++)
		if (dc->rules[i].value)
			myfree(dc->rules[i].value);
	if (dc->rules)
		myfree(dc->rules);
	dict_free(dict);
	return (0);
}

static CIDR_RULE *
dict_cidr_add(DICT_CIDR *dc, int op, int lineno)
{
	CIDR_RULE *r;

	if (dc->count == dc->size) {
		dc->size = dc->size ? dc->size * 2 : 16;
		dc->rules = myrealloc_array(dc->rules, dc->size, sizeof(*r));
	}
	r = dc->rules + dc->count++;
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->lineno = lineno;
	return (r);
}

/* Skip "!" (each one toggles negation) and white space after it. */
static char *
dict_cidr_negation(char *cp, int *negate)
{
	*negate = 0;
	while (*cp == '!') {
		*negate = !*negate;
		cp++;
		while (isspace((unsigned char) *cp))
			cp++;
	}
	return (cp);
}

/* Parse one logical line; bad rules are logged and left out. */
static void
dict_cidr_parse(DICT_CIDR *dc, char *line, int lineno, size_t *stack,
		size_t *depth, VSTRING *why)
{
	const char *name = dc->dict.name;
	CIDR_MATCH match;
	CIDR_RULE *r;
	char   *pat;
	char   *value;
	int     negate;

	if (dict_keyword(line, "if")) {
		pat = dict_cidr_negation(line + 2 + strspn(line + 2, " \t"), &negate);
		if (*pat == '\0') {
			msg_warn("cidr map %s, line %d: no address pattern: "
				 "skipping this rule", name, lineno);
			return;
		}
		if (cidr_match_parse(&match, pat, why) < 0) {
			msg_warn("cidr map %s, line %d: %s: skipping this rule",
				 name, lineno, vstring_str(why));
			return;
		}
		r = dict_cidr_add(dc, CIDR_OP_IF, lineno);
		r->match = match;
		r->negate = negate;
		stack[(*depth)++] = dc->count - 1;
		return;
	}
	if (dict_keyword(line, "endif")) {
		if (line[5 + strspn(line + 5, " \t")] != '\0') {
			msg_warn("cidr map %s, line %d: garbage after ENDIF: "
				 "skipping this rule", name, lineno);
			return;
		}
		if (*depth == 0) {
			msg_warn("cidr map %s, line %d: ENDIF without IF: "
				 "skipping this rule", name, lineno);
			return;
		}
		dict_cidr_add(dc, CIDR_OP_ENDIF, lineno);
		dc->rules[stack[--(*depth)]].endif = dc->count - 1;
		return;
	}
	pat = dict_cidr_negation(line, &negate);
	if (*pat == '\0') {
		msg_warn("cidr map %s, line %d: no address pattern: "
			 "skipping this rule", name, lineno);
		return;
	}
	value = pat + strcspn(pat, " \t");
	if (*value != '\0')
		*value++ = '\0';
	value += strspn(value, " \t");
	if (cidr_match_parse(&match, pat, why) < 0) {
		msg_warn("cidr map %s, line %d: %s: skipping this rule",
			 name, lineno, vstring_str(why));
		return;
	}
	if (*value == '\0') {
		msg_warn("cidr map %s, line %d: no lookup result: skipping this rule",
			 name, lineno);
		return;
	}
	r = dict_cidr_add(dc, CIDR_OP_MATCH, lineno);
	r->match = match;
	r->negate = negate;
	r->value = mystrdup(value);
}

DICT   *
dict_cidr_open(const char *name, int open_flags, int dict_flags, VSTRING *why)
{
	DICT_CIDR *dc;
	VSTRING *text = vstring_alloc(100);
	VSTRING *line;
	VSTRING *reason;
	size_t *stack;
	size_t  depth = 0;
	size_t  max_depth = 0;
	int     lineno = 0;
	int     first = 0;
	int     read_errno;
	FILE   *fp;

	if ((fp = dict_pattern_source("cidr", name, text, why)) == NULL) {
		vstring_free(text);
		return (NULL);
	}
	dc = (DICT_CIDR *) dict_alloc("cidr", name, sizeof(*dc));
	dc->dict.flags = dict_flags | DICT_FLAG_PATTERN | DICT_FLAG_NO_SEQ;
	dc->dict.lookup = dict_cidr_lookup;
	dc->dict.close = dict_cidr_close;
	line = vstring_alloc(100);
	reason = vstring_alloc(100);
	stack = NULL;
	while (dict_read_line(line, fp, name, &lineno, &first) != NULL) {
		/* An IF can add at most one level per line. */
		if (depth == max_depth) {
			max_depth = max_depth ? max_depth * 2 : 8;
			stack = myrealloc_array(stack, max_depth, sizeof(*stack));
		}
		dict_cidr_parse(dc, vstring_str(line), first, stack, &depth, reason);
	}
	read_errno = errno;
	/* An IF without ENDIF extends to the end of the table. */
	while (depth > 0) {
		size_t  open_if = stack[--depth];

		msg_warn("cidr map %s, line %d: IF has no matching ENDIF",
			 name, dc->rules[open_if].lineno);
		dc->rules[open_if].endif = dc->count;
	}
	if (ferror(fp)) {
		vstring_sprintf(why, "cidr map %s: read error: %s", name,
				strerror(read_errno));
		dict_close(&dc->dict);
		dc = NULL;
	}
	fclose(fp);
	if (stack)
		myfree(stack);
	vstring_free(line);
	vstring_free(reason);
	vstring_free(text);
	return (dc ? &dc->dict : NULL);
}
