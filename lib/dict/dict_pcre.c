/*
 * dict_pcre - pcre:/file, Perl-compatible regular expression tables
 *
 *	dict_pcre_open() opens a table in pcre_table(5) format with PCRE2
 *	(8-bit). Flags, toggled per pattern: i (caseless, default on), m
 *	(multiline), s (dotall, default on), x (extended), A (anchored), E
 *	(dollar end only), U (ungreedy); X is obsolete with PCRE2 and
 *	ignored with a warning, as in Postfix. Patterns are JIT-compiled
 *	when the library supports it.
 *
 * Errors: see dict_pattern.c; compile errors are logged as "error in
 * regex at offset N: text" (PCRE2's text), as Postfix does. A matching
 * error (e.g. the match limit) makes the lookup fail with DICT_STAT_ERROR.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "mymalloc.h"
#include "vstring.h"
#include "dict.h"
#include "dict_priv.h"
#include "dict_pattern.h"

/* Flag letters in the order of pcre_flags[]. */
#define PCRE_FLAG_CHARS	"imsxAEU"

static const uint32_t pcre_flags[] = {
	PCRE2_CASELESS, PCRE2_MULTILINE, PCRE2_DOTALL, PCRE2_EXTENDED,
	PCRE2_ANCHORED, PCRE2_DOLLAR_ENDONLY, PCRE2_UNGREEDY,
};

typedef struct PCRE_RE {
	pcre2_code *code;
	pcre2_match_data *md;
} PCRE_RE;

static void
pcre_error_text(VSTRING *why, int err)
{
	PCRE2_UCHAR buf[256];

	if (pcre2_get_error_message(err, buf, sizeof(buf)) < 0)
		vstring_sprintf(why, "error %d", err);
	else
		vstring_strcpy(why, (const char *) buf);
}

static void *
pcre_compile_re(const char *pattern, int flags, int need_subs, size_t *nsub,
		VSTRING *why)
{
	PCRE_RE *pr;
	uint32_t options = 0;
	uint32_t count;
	size_t  i;
	int     err;
	PCRE2_SIZE offset;
	pcre2_code *code;

	for (i = 0; i < sizeof(pcre_flags) / sizeof(pcre_flags[0]); i++)
		if (flags & (1 << i))
			options |= pcre_flags[i];
	code = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED, options,
			     &err, &offset, NULL);
	if (code == NULL) {
		VSTRING *msg = vstring_alloc(100);

		pcre_error_text(msg, err);
		vstring_sprintf(why, "error in regex at offset %zu: %s",
				(size_t) offset, vstring_str(msg));
		vstring_free(msg);
		return (NULL);
	}
	(void) pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	if (nsub) {
		if (pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &count) != 0)
			count = 0;
		*nsub = count;
	}
	pr = mymalloc(sizeof(*pr));
	pr->code = code;
	pr->md = pcre2_match_data_create_from_pattern(code, NULL);
	if (pr->md == NULL) {
		vstring_strcpy(why, "out of memory");
		pcre2_code_free(code);
		myfree(pr);
		return (NULL);
	}
	return (pr);
}

static int
pcre_match(void *re, const char *subject, size_t *ovec, size_t npairs,
	   VSTRING *why)
{
	PCRE_RE *pr = re;
	PCRE2_SIZE *ov;
	size_t  i;
	int     rc;

	rc = pcre2_match(pr->code, (PCRE2_SPTR) subject, strlen(subject), 0, 0,
			 pr->md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH)
		return (0);
	if (rc < 0) {
		pcre_error_text(why, rc);
		return (-1);
	}
	ov = pcre2_get_ovector_pointer(pr->md);
	for (i = 0; i < npairs; i++) {
		if (rc > 0 && i < (size_t) rc && ov[2 * i] != PCRE2_UNSET) {
			ovec[2 * i] = ov[2 * i];
			ovec[2 * i + 1] = ov[2 * i + 1];
		} else {
			ovec[2 * i] = ovec[2 * i + 1] = DICT_PAT_UNSET;
		}
	}
	return (1);
}

static void
pcre_free_re(void *re)
{
	PCRE_RE *pr = re;

	pcre2_match_data_free(pr->md);
	pcre2_code_free(pr->code);
	myfree(pr);
}

static const DICT_PAT_ENGINE pcre_engine = {
	.type = "pcre",
	.flag_chars = PCRE_FLAG_CHARS,
	.default_flags = (1 << 0) | (1 << 2),	/* i, s */
	.obsolete_flags = "X",
	.second_pattern = 0,
	.no_delim_action = "ignoring",
	.zero_index = "out of range",
	.backslash_ends = 0,
	.compile = pcre_compile_re,
	.match = pcre_match,
	.free = pcre_free_re,
};

DICT   *
dict_pcre_open(const char *name, int open_flags, int dict_flags, VSTRING *why)
{
	return (dict_pattern_open(&pcre_engine, name, open_flags, dict_flags, why));
}
