/*
 * dict_pattern - the table logic shared by regexp: and pcre:
 *
 *	dict_pattern_open() parses the rules with the engine's flags and
 *	messages and returns a read-only table; lookups apply the rules in
 *	order (IF blocks skipped when their condition fails) and expand
 *	the first matching rule's result (dict_pattern_tmpl.c).
 *
 * Errors: as in Postfix, a bad rule is logged ("regexp map FILE, line N:
 * ...") and left out, and the table still opens; a missing or unreadable
 * file fails the open. A matching error at lookup time (e.g. PCRE2's
 * backtracking limit) is a lookup error, DICT_STAT_ERROR, not "not found"
 * (Postfix logs it and goes on with the next rule; a rejecting rule could
 * then be skipped for a crafted key, so we prefer a temporary failure).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "stringops.h"
#include "dict.h"
#include "dict_priv.h"
#include "dict_pattern.h"

#define PAT_OP_MATCH	0
#define PAT_OP_IF	1
#define PAT_OP_ENDIF	2

typedef struct PAT_RULE {
	int     op;			/* PAT_OP_* */
	int     negate;			/* "!/pattern/" */
	void   *re;			/* compiled pattern */
	void   *re2;			/* regexp "/p1/!/p2/": must not match */
	size_t  npairs;			/* offsets wanted for $n (0: none) */
	char   *value;			/* PAT_OP_MATCH result template */
	size_t  endif;			/* PAT_OP_IF: index of its ENDIF */
	int     lineno;
} PAT_RULE;

typedef struct DICT_PAT {
	DICT    dict;			/* generic part, first */
	const DICT_PAT_ENGINE *engine;
	PAT_RULE *rules;
	size_t  count;
	size_t  size;
	size_t *ovec;			/* room for the largest npairs */
	size_t  max_pairs;
	VSTRING *result;		/* expanded result */
	VSTRING *why;			/* engine match errors */
} DICT_PAT;

static int
dict_pattern_lookup(DICT *dict, const char *key, const char **value)
{
	DICT_PAT *dp = (DICT_PAT *) dict;
	const DICT_PAT_ENGINE *eng = dp->engine;
	PAT_RULE *r;
	size_t  i;
	int     hit;
	int     m;

	for (i = 0; i < dp->count; i++) {
		r = dp->rules + i;
		if (r->op == PAT_OP_ENDIF)
			continue;
		if ((m = eng->match(r->re, key, dp->ovec, r->npairs, dp->why)) < 0)
			goto error;
		hit = (m != r->negate);
		if (hit && r->re2 != NULL) {
			if ((m = eng->match(r->re2, key, NULL, 0, dp->why)) < 0)
				goto error;
			hit = !m;
		}
		if (r->op == PAT_OP_IF) {
			if (!hit)
				i = r->endif;
			continue;
		}
		if (hit) {
			dict_pat_tmpl_expand(dp->result, r->value, key, dp->ovec, r->npairs);
			*value = vstring_str(dp->result);
			return (DICT_STAT_SUCCESS);
		}
	}
	return (DICT_STAT_FAIL);

error:
	return (dict_set_error(dict, "%s map %s, line %d: %s", eng->type,
			       dict->name, r->lineno, vstring_str(dp->why)));
}

static int
dict_pattern_close(DICT *dict, VSTRING *why)
{
	DICT_PAT *dp = (DICT_PAT *) dict;
	size_t  i;
	PAT_RULE *r;

	for (i = 0; i < dp->count; i++) {
		r = dp->rules + i;
		if (r->re)
			dp->engine->free(r->re);
		if (r->re2)
			dp->engine->free(r->re2);
		if (r->value)
			myfree(r->value);
	}
	if (dp->rules)
		myfree(dp->rules);
	if (dp->ovec)
		myfree(dp->ovec);
	vstring_free(dp->result);
	vstring_free(dp->why);
	dict_free(dict);
	return (0);
}

static PAT_RULE *
pat_add_rule(DICT_PAT *dp, int op, int lineno)
{
	PAT_RULE *r;

	if (dp->count == dp->size) {
		dp->size = dp->size ? dp->size * 2 : 16;
		dp->rules = myrealloc_array(dp->rules, dp->size, sizeof(*r));
	}
	r = dp->rules + dp->count++;
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->lineno = lineno;
	return (r);
}

/*
 * Take "/pattern/" at *pp (any delimiter; a backslash protects the next
 * character and stays in the pattern). Returns the pattern, NUL-
 * terminated in place, or NULL (logged) when the closing delimiter is
 * missing.
 */
static char *
pat_get_pattern(DICT_PAT *dp, int lineno, char **pp)
{
	char   *start = *pp;
	char    delim = *start;
	char   *cp;

	/* A backslash protects the next character, even the delimiter '\\'. */
	for (cp = start + 1; *cp; cp++) {
		if (*cp == '\\') {
			if (cp[1] != '\0') {
				cp++;
				continue;
			}
			if (dp->engine->backslash_ends) {
				/* Postfix's regexp: a last lone backslash ends the rule. */
				*cp = '\0';
				*pp = cp;
				return (start + 1);
			}
		} else if (*cp == delim) {
			break;
		}
	}
	if (*cp == '\0') {
		msg_warn("%s map %s, line %d: no closing regexp delimiter \"%c\": "
			 "%s this rule", dp->engine->type, dp->dict.name, lineno,
			 delim, dp->engine->no_delim_action);
		return (NULL);
	}
	*cp = '\0';
	*pp = cp + 1;
	return (start + 1);
}

/* Read flag letters at *pp; -1 (logged) on an unknown one. */
static int
pat_get_flags(DICT_PAT *dp, int lineno, char **pp)
{
	const DICT_PAT_ENGINE *eng = dp->engine;
	int     flags = eng->default_flags;
	const char *f;
	char   *cp;

	for (cp = *pp; *cp && !isspace((unsigned char) *cp); cp++) {
		if (eng->second_pattern && *cp == '!')
			break;
		if ((f = strchr(eng->flag_chars, *cp)) != NULL) {
			flags ^= 1 << (f - eng->flag_chars);
		} else if (eng->obsolete_flags && strchr(eng->obsolete_flags, *cp)) {
			msg_warn("%s map %s, line %d: ignoring obsolete regexp option \"%c\"",
				 eng->type, dp->dict.name, lineno, *cp);
		} else {
			msg_warn("%s map %s, line %d: unknown regexp option \"%c\": "
				 "skipping this rule", eng->type, dp->dict.name,
				 lineno, *cp);
			return (-1);
		}
	}
	*pp = cp;
	return (flags);
}

/* Compile or log; NULL when the engine refused. */
static void *
pat_compile(DICT_PAT *dp, int lineno, const char *pat, int flags,
	    int need_subs, size_t *nsub)
{
	void   *re;

	VSTRING_RESET(dp->why);
	if ((re = dp->engine->compile(pat, flags, need_subs, nsub, dp->why)) == NULL)
		msg_warn("%s map %s, line %d: %s", dp->engine->type, dp->dict.name,
			 lineno, vstring_str(dp->why));
	return (re);
}

#define PAT_SKIP_SPACE(cp) while (isspace((unsigned char) *(cp))) (cp)++

/* Parse one logical line; bad rules are logged and left out. */
static void
pat_parse_line(DICT_PAT *dp, char *p, int lineno, size_t *stack, size_t *depth)
{
	const DICT_PAT_ENGINE *eng = dp->engine;
	const char *type = eng->type;
	const char *name = dp->dict.name;
	int     op = PAT_OP_MATCH;
	int     negate = 0;
	char   *pat1;
	char   *pat2 = NULL;
	int     flags1;
	int     flags2 = 0;
	size_t  max_index = 0;
	size_t  nsub = 0;
	void   *re1;
	void   *re2 = NULL;
	PAT_RULE *r;

	if (isalnum((unsigned char) *p)) {
		if (dict_keyword(p, "endif")) {
			p += 5;
			PAT_SKIP_SPACE(p);
			if (*depth == 0) {
				msg_warn("%s map %s, line %d: ignoring ENDIF without matching IF",
					 type, name, lineno);
				return;
			}
			if (*p)
				msg_warn("%s map %s, line %d: ignoring extra text after ENDIF",
					 type, name, lineno);
			pat_add_rule(dp, PAT_OP_ENDIF, lineno);
			dp->rules[stack[--(*depth)]].endif = dp->count - 1;
			return;
		}
		if (!dict_keyword(p, "if")) {
			msg_warn("%s map %s, line %d: ignoring unrecognized request",
				 type, name, lineno);
			return;
		}
		op = PAT_OP_IF;
		p += 2;
		PAT_SKIP_SPACE(p);
	}
	/* Each '!' toggles, as in Postfix: "!!/a/" is "/a/". */
	while (*p == '!') {
		negate = !negate;
		p++;
		PAT_SKIP_SPACE(p);
	}
	if (*p == '\0') {
		msg_warn("%s map %s, line %d: no regexp: skipping this rule",
			 type, name, lineno);
		return;
	}
	if ((pat1 = pat_get_pattern(dp, lineno, &p)) == NULL
	    || (flags1 = pat_get_flags(dp, lineno, &p)) < 0)
		return;
	if (eng->second_pattern && *p == '!') {
		p++;
		PAT_SKIP_SPACE(p);
		if (*p == '\0') {
			msg_warn("%s map %s, line %d: no regexp: skipping this rule",
				 type, name, lineno);
			return;
		}
		if ((pat2 = pat_get_pattern(dp, lineno, &p)) == NULL
		    || (flags2 = pat_get_flags(dp, lineno, &p)) < 0)
			return;
	}
	PAT_SKIP_SPACE(p);
	if (op == PAT_OP_IF) {
		if (*p) {
			msg_warn("%s map %s, line %d: ignoring extra text after IF statement: \"%s\"",
				 type, name, lineno, p);
			msg_warn("%s map %s, line %d: do not prepend whitespace to statements between IF and ENDIF",
				 type, name, lineno);
		}
	} else {
		if (*p == '\0')
			msg_warn("%s map %s, line %d: no replacement text: using empty string",
				 type, name, lineno);
		if (dict_pat_tmpl_check(eng, name, lineno, p, &max_index) < 0) {
			msg_warn("%s map %s, line %d: bad replacement syntax: skipping this rule",
				 type, name, lineno);
			return;
		}
	}
	if ((re1 = pat_compile(dp, lineno, pat1, flags1, max_index > 0, &nsub)) == NULL)
		return;
	if (pat2 && (re2 = pat_compile(dp, lineno, pat2, flags2, 0, NULL)) == NULL) {
		eng->free(re1);
		return;
	}
	if (negate && max_index > 0) {
		msg_warn("%s map %s, line %d: $number found in negative match "
			 "replacement text: skipping this rule", type, name, lineno);
		goto bad;
	}
	if (max_index > nsub) {
		msg_warn("%s map %s, line %d: out of range replacement index \"%zu\": "
			 "skipping this rule", type, name, lineno, max_index);
		goto bad;
	}
	r = pat_add_rule(dp, op, lineno);
	r->negate = negate;
	r->re = re1;
	r->re2 = re2;
	if (op == PAT_OP_IF) {
		stack[(*depth)++] = dp->count - 1;
	} else {
		r->value = mystrdup(p);
		r->npairs = max_index > 0 ? max_index + 1 : 0;
		if (r->npairs > dp->max_pairs)
			dp->max_pairs = r->npairs;
	}
	return;

bad:
	eng->free(re1);
	if (re2)
		eng->free(re2);
}

DICT   *
dict_pattern_open(const DICT_PAT_ENGINE *engine, const char *name,
		  int open_flags, int dict_flags, VSTRING *why)
{
	DICT_PAT *dp;
	VSTRING *text = vstring_alloc(100);
	VSTRING *line;
	size_t *stack = NULL;
	size_t  depth = 0;
	size_t  max_depth = 0;
	int     lineno = 0;
	int     first = 0;
	int     read_errno;
	FILE   *fp;

	if ((fp = dict_pattern_source(engine->type, name, text, why)) == NULL) {
		vstring_free(text);
		return (NULL);
	}
	dp = (DICT_PAT *) dict_alloc(engine->type, name, sizeof(*dp));
	dp->dict.flags = dict_flags | DICT_FLAG_PATTERN | DICT_FLAG_NO_SEQ;
	dp->dict.lookup = dict_pattern_lookup;
	dp->dict.close = dict_pattern_close;
	dp->engine = engine;
	dp->result = vstring_alloc(100);
	dp->why = vstring_alloc(100);
	line = vstring_alloc(100);
	while (dict_read_line(line, fp, name, &lineno, &first) != NULL) {
		/* An IF adds at most one level per line. */
		if (depth == max_depth) {
			max_depth = max_depth ? max_depth * 2 : 8;
			stack = myrealloc_array(stack, max_depth, sizeof(*stack));
		}
		pat_parse_line(dp, vstring_str(line), first, stack, &depth);
	}
	read_errno = errno;
	/* An IF without ENDIF extends to the end of the table. */
	while (depth > 0) {
		size_t  open_if = stack[--depth];

		msg_warn("%s map %s, line %d: IF has no matching ENDIF",
			 engine->type, name, dp->rules[open_if].lineno);
		dp->rules[open_if].endif = dp->count;
	}
	if (dp->max_pairs > 0)
		dp->ovec = mymalloc_array(dp->max_pairs, 2 * sizeof(size_t));
	if (ferror(fp)) {
		vstring_sprintf(why, "%s map %s: read error: %s", engine->type,
				name, strerror(read_errno));
		dict_close(&dp->dict);
		dp = NULL;
	}
	fclose(fp);
	if (stack)
		myfree(stack);
	vstring_free(line);
	vstring_free(text);
	return (dp ? &dp->dict : NULL);
}
