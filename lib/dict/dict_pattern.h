#ifndef POSTERN_DICT_PATTERN_H
#define POSTERN_DICT_PATTERN_H

/*
 * dict_pattern - the table logic shared by regexp: and pcre:
 *
 * Both table types read the same rule language (regexp_table(5),
 * pcre_table(5)): "/pattern/flags result", "!/pattern/flags result",
 * "if /pattern/flags" ... "endif", $1..$n substitution in results. They
 * differ only in the regular expression engine, its flag letters and a
 * few message texts, which an engine describes with DICT_PAT_ENGINE.
 *
 *	dict_pattern_open() reads the rules (file or inline {rule} list),
 *	logging bad rules and leaving them out as Postfix does, and returns
 *	a read-only table.
 */
#include <stddef.h>

#include "vstring.h"
#include "dict.h"

/* Offsets of a match: pairs (start, end); DICT_PAT_UNSET when unset. */
#define DICT_PAT_UNSET	((size_t) -1)

typedef struct DICT_PAT_ENGINE {
	const char *type;		/* "regexp", "pcre" */
	const char *flag_chars;		/* flag letters, bit i = flag_chars[i] */
	int     default_flags;		/* bits on unless toggled */
	const char *obsolete_flags;	/* accepted with a warning */
	int     second_pattern;		/* /pat1/!/pat2/ form (regexp only) */
	const char *no_delim_action;	/* "skipping" or "ignoring" (Postfix) */
	const char *zero_index;		/* "out-of-range" or "out of range" */
	int     backslash_ends;		/* "/pat\" ends at a last backslash */

	/*
	 * Compile pattern with the flag bits. need_subs says whether the
	 * result uses $n. Returns the compiled form and the number of
	 * capturing groups, or NULL with the library's message in why.
	 */
	void   *(*compile) (const char *pattern, int flags, int need_subs,
			    size_t *nsub, VSTRING *why);

	/*
	 * Match subject; fill ovec with npairs (start, end) pairs. Returns
	 * 1 match, 0 no match, -1 on a matching error (reason in why).
	 */
	int     (*match) (void *re, const char *subject, size_t *ovec,
			  size_t npairs, VSTRING *why);
	void    (*free) (void *re);
} DICT_PAT_ENGINE;

extern DICT *dict_pattern_open(const DICT_PAT_ENGINE *engine, const char *name,
			       int open_flags, int dict_flags, VSTRING *why);

/* Result templates (dict_pattern_tmpl.c). */
extern int dict_pat_tmpl_check(const DICT_PAT_ENGINE *engine, const char *map_name,
			       int lineno, const char *text, size_t *max_index);
extern void dict_pat_tmpl_expand(VSTRING *result, const char *text,
				 const char *subject, const size_t *ovec,
				 size_t npairs);

#endif
