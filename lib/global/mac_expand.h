#ifndef POSTERN_MAC_EXPAND_H
#define POSTERN_MAC_EXPAND_H

/*
 * mac_expand - $name expansion with Postfix's main.cf syntax
 *
 * Forms: $name, ${name}, $(name), ${name?value}, ${name?{value}},
 * ${name:value}, ${name:{value}}, ${name?{value1}:{value2}} (and
 * ":value2" without braces), $$ for a literal '$', and Postfix 3.x
 * relational expressions as the first item inside ${...}:
 * ${{a} OP {b}}, ${{a} OP {b} ? {t} : {f}}, with OP one of == != < <= >
 * >= (numerical when both sides are all digits, else lexicographical)
 * and ==level !=level <level <=level >level >=level (compatibility
 * levels such as 3.6 or 3.6.1). A name is [A-Za-z0-9_]+.
 *
 * The lookup function gives a name's raw value (NULL when undefined).
 * With MAC_EXP_FLAG_RECURSE the looked-up value is expanded in turn,
 * down to MAC_EXP_MAX_DEPTH levels; deeper nesting (a loop such as
 * a = $b, b = $a) is an error, never a crash. MAC_EXP_FLAG_SCAN only
 * checks the syntax and reports every name in every branch to the
 * lookup function (mode MAC_EXP_MODE_SCAN); it produces no output.
 */
#include "vstring.h"

/* Lookup modes. */
#define MAC_EXP_MODE_USE	0	/* the value replaces the reference */
#define MAC_EXP_MODE_TEST	1	/* only emptiness matters (? and :) */
#define MAC_EXP_MODE_SCAN	2	/* MAC_EXP_FLAG_SCAN: name seen */

/* Flags. */
#define MAC_EXP_FLAG_NONE	0
#define MAC_EXP_FLAG_RECURSE	(1<<0)
#define MAC_EXP_FLAG_SCAN	(1<<1)

/* Result bits. */
#define MAC_EXP_OK		0
#define MAC_EXP_UNDEF		(1<<0)	/* some name was undefined */
#define MAC_EXP_ERROR		(1<<1)	/* why says what went wrong */

#define MAC_EXP_MAX_DEPTH	100	/* nesting of recursive lookups */
#define MAC_EXP_MAX_RESULT	(1024 * 1024)	/* bytes of one expansion */
#define MAC_EXP_MAX_LOOKUPS	100000	/* lookups in one expansion */

/*
 * A lookup function returns the raw value, NULL when the name is
 * undefined, or mac_exp_lookup_error after writing a reason into why.
 */
typedef const char *(*MAC_EXP_LOOKUP_FN) (const char *name, int mode,
					    void *context, VSTRING *why);
extern const char mac_exp_lookup_error[];

/*
 * Append the expansion of pattern to result. Returns MAC_EXP_OK or a
 * combination of MAC_EXP_UNDEF and MAC_EXP_ERROR; after an error, why
 * holds the reason (Postfix's wording, e.g. "truncated macro reference:
 * \"${abc\"") and result holds partial output.
 */
extern int mac_expand(VSTRING *result, const char *pattern, int flags,
		      MAC_EXP_LOOKUP_FN lookup, void *context, VSTRING *why);

/*
 * Compare two compatibility levels ("3", "3.6", "3.6.1"): returns 0 and
 * sets *cmp to <0, 0 or >0, or returns -1 when either is malformed (why
 * says which).
 */
extern int mac_exp_level_cmp(const char *a, const char *b, int *cmp,
			     VSTRING *why);

#endif
