/*
 * dict_pattern_tmpl - result templates of regexp: and pcre: tables
 *
 *	dict_pat_tmpl_check() validates a result when the table is read:
 *	$n, ${n} and $(n) must name a positive group number, $$ is a
 *	literal '$'. It reports the largest group number used.
 *	dict_pat_tmpl_expand() builds the result of a match; a group that
 *	did not take part in the match expands to nothing.
 *
 * Errors: dict_pat_tmpl_check() logs each problem in Postfix's words
 * ("non-numeric replacement index", "empty macro name", "truncated macro
 * reference") and returns -1; the caller skips the rule.
 */
#include <ctype.h>
#include <string.h>

#include "msg.h"
#include "vstring.h"
#include "dict_pattern.h"

/* Find the ')' or '}' that closes the '(' or '{' at cp; NULL if none. */
static const char *
pat_macro_close(const char *cp)
{
	int     open = *cp;
	int     close = (open == '{') ? '}' : ')';
	int     level = 0;

	for (; *cp; cp++) {
		if (*cp == open)
			level++;
		else if (*cp == close && --level == 0)
			return (cp);
	}
	return (NULL);
}

/*
 * Find the next $ reference in text at *cpp. Returns 1 with the name
 * (start, length) and *cpp after it, 0 at the end, -1 on a syntax error
 * (logged). Literal text passed over, with "$$" as "$", is appended to
 * lit unless that is NULL.
 */
static int
pat_next_macro(const char **cpp, const char *text, const char **name,
	       size_t *len, VSTRING *lit)
{
	const char *cp = *cpp;
	const char *end;

	for (; *cp; cp++) {
		if (*cp != '$') {
			if (lit)
				vstring_addch(lit, *cp);
			continue;
		}
		cp++;
		if (*cp == '$') {
			if (lit)
				vstring_addch(lit, '$');
			continue;
		}
		if (*cp == '{' || *cp == '(') {
			if ((end = pat_macro_close(cp)) == NULL) {
				msg_warn("truncated macro reference: \"%s\"", text);
				return (-1);
			}
			*name = cp + 1;
			*len = (size_t) (end - cp - 1);
			*cpp = end + 1;
		} else {
			for (end = cp; isalnum((unsigned char) *end) || *end == '_'; end++)
				 /* void */ ;
			*name = cp;
			*len = (size_t) (end - cp);
			*cpp = end;
		}
		if (*len == 0) {
			msg_warn("empty macro name: \"%s\"", text);
			return (-1);
		}
		return (1);
	}
	*cpp = cp;
	return (0);
}

/* Numeric value of a validated index name, saturating. */
static size_t
pat_index(const char *name, size_t len)
{
	size_t  val = 0;

	for (; len > 0; name++, len--) {
		if (val > (DICT_PAT_UNSET - 9) / 10)
			return (DICT_PAT_UNSET - 1);
		val = val * 10 + (size_t) (*name - '0');
	}
	return (val);
}

/*
 * Check a result template: every reference must be a positive number.
 * Returns 0 or -1 (logged); *max_index is the largest reference, 0 if none.
 */
int
dict_pat_tmpl_check(const DICT_PAT_ENGINE *eng, const char *map_name,
		    int lineno, const char *text, size_t *max_index)
{
	const char *cp = text;
	const char *name;
	size_t  len;
	size_t  i;
	size_t  idx;
	int     ret;
	int     bad = 0;

	*max_index = 0;
	while ((ret = pat_next_macro(&cp, text, &name, &len, NULL)) > 0) {
		for (i = 0; i < len && isdigit((unsigned char) name[i]); i++)
			 /* void */ ;
		if (i < len) {
			msg_warn("%s map %s, line %d: non-numeric replacement index \"%.*s\"",
				 eng->type, map_name, lineno, (int) len, name);
			bad = 1;
			continue;
		}
		if ((idx = pat_index(name, len)) == 0) {
			msg_warn("%s map %s, line %d: %s replacement index \"%.*s\"",
				 eng->type, map_name, lineno, eng->zero_index,
				 (int) len, name);
			bad = 1;
			continue;
		}
		if (idx > *max_index)
			*max_index = idx;
	}
	return (ret < 0 || bad ? -1 : 0);
}

/* Expand a validated template with the match offsets. */
void
dict_pat_tmpl_expand(VSTRING *result, const char *text, const char *subject,
		     const size_t *ovec, size_t npairs)
{
	const char *cp = text;
	const char *name;
	size_t  len;
	size_t  idx;

	VSTRING_RESET(result);
	while (pat_next_macro(&cp, text, &name, &len, result) > 0) {
		idx = pat_index(name, len);
		if (idx < npairs && ovec[2 * idx] != DICT_PAT_UNSET)
			vstring_memcat(result, subject + ovec[2 * idx],
				       ovec[2 * idx + 1] - ovec[2 * idx]);
	}
}
