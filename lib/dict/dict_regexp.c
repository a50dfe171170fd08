/*
 * dict_regexp - regexp:/file, POSIX regular expression tables
 *
 *	dict_regexp_open() opens a table in regexp_table(5) format with the
 *	C library's regcomp()/regexec(). Flags, toggled per pattern: i
 *	(case-insensitive, default on), x (extended syntax, default on),
 *	m (REG_NEWLINE: ^ and $ match at embedded newlines, default off).
 *	Unlike pcre:, a rule may have the form "/pat1/!/pat2/ result": it
 *	matches when pat1 matches and pat2 does not.
 *
 * Errors: see dict_pattern.c; compile errors are logged with regerror()'s
 * text, as Postfix does.
 */
#include <sys/types.h>
#include <regex.h>
#include <string.h>

#include "mymalloc.h"
#include "vstring.h"
#include "dict.h"
#include "dict_priv.h"
#include "dict_pattern.h"

#define REGEXP_FLAG_ICASE	(1 << 0)	/* 'i' */
#define REGEXP_FLAG_EXTENDED	(1 << 1)	/* 'x' */
#define REGEXP_FLAG_NEWLINE	(1 << 2)	/* 'm' */

typedef struct REGEXP_RE {
	regex_t re;
	regmatch_t *pm;			/* room for all groups, or NULL */
	size_t  npm;
} REGEXP_RE;

static void
regexp_error(VSTRING *why, int err, const regex_t *re)
{
	char    buf[256];

	regerror(err, re, buf, sizeof(buf));
	vstring_strcpy(why, buf);
}

static void *
regexp_compile(const char *pattern, int flags, int need_subs, size_t *nsub,
	       VSTRING *why)
{
	REGEXP_RE *rr = mycalloc(1, sizeof(*rr));
	int     cflags = 0;
	int     err;

	if (flags & REGEXP_FLAG_ICASE)
		cflags |= REG_ICASE;
	if (flags & REGEXP_FLAG_EXTENDED)
		cflags |= REG_EXTENDED;
	if (flags & REGEXP_FLAG_NEWLINE)
		cflags |= REG_NEWLINE;
	if (!need_subs)
		cflags |= REG_NOSUB;
	if ((err = regcomp(&rr->re, pattern, cflags)) != 0) {
		regexp_error(why, err, &rr->re);
		myfree(rr);
		return (NULL);
	}
	if (nsub)
		*nsub = rr->re.re_nsub;
	if (need_subs) {
		rr->npm = rr->re.re_nsub + 1;
		rr->pm = mymalloc_array(rr->npm, sizeof(*rr->pm));
	}
	return (rr);
}

static int
regexp_match(void *re, const char *subject, size_t *ovec, size_t npairs,
	     VSTRING *why)
{
	REGEXP_RE *rr = re;
	size_t  n = npairs < rr->npm ? npairs : rr->npm;
	size_t  i;
	int     err;

	err = regexec(&rr->re, subject, n, n ? rr->pm : NULL, 0);
	if (err == REG_NOMATCH)
		return (0);
	if (err != 0) {
		regexp_error(why, err, &rr->re);
		return (-1);
	}
	for (i = 0; i < npairs; i++) {
		if (i < n && rr->pm[i].rm_so >= 0) {
			ovec[2 * i] = (size_t) rr->pm[i].rm_so;
			ovec[2 * i + 1] = (size_t) rr->pm[i].rm_eo;
		} else {
			ovec[2 * i] = ovec[2 * i + 1] = DICT_PAT_UNSET;
		}
	}
	return (1);
}

static void
regexp_free(void *re)
{
	REGEXP_RE *rr = re;

	regfree(&rr->re);
	if (rr->pm)
		myfree(rr->pm);
	myfree(rr);
}

static const DICT_PAT_ENGINE regexp_engine = {
	.type = "regexp",
	.flag_chars = "ixm",
	.default_flags = REGEXP_FLAG_ICASE | REGEXP_FLAG_EXTENDED,
	.obsolete_flags = NULL,
	.second_pattern = 1,
	.no_delim_action = "skipping",
	.zero_index = "out-of-range",
	.backslash_ends = 1,
	.compile = regexp_compile,
	.match = regexp_match,
	.free = regexp_free,
};

DICT   *
dict_regexp_open(const char *name, int open_flags, int dict_flags, VSTRING *why)
{
	return (dict_pattern_open(&regexp_engine, name, open_flags, dict_flags, why));
}
