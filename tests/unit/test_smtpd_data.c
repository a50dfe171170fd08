/*
 * Unit tests for smtpd/smtpd_data: the DATA/BDAT state machine.
 *
 * Every case is run three ways - in one piece, byte by byte, and split
 * in two at every position - and must give the same records, status,
 * size and number of bytes consumed each time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vstring.h"
#include "rec_type.h"
#include "smtpd_data.h"

#define DATA	0
#define BDAT	SMTPD_DATA_FLAG_BDAT
#define NORM	SMTPD_DATA_FLAG_NORMALIZE

/* Records as text: "N[line]" or "L[fragment]", bytes escaped. */
static void
collect(int type, const char *data, size_t len, void *context)
{
	VSTRING *out = context;
	size_t	i;

	vstring_addch(out, type == REC_TYPE_NORMAL ? 'N' : 'L');
	vstring_addch(out, '[');
	for (i = 0; i < len; i++) {
		unsigned char ch = data[i];

		if (ch == '\r')
			vstring_strcat(out, "\\r");
		else if (ch == '\n')
			vstring_strcat(out, "\\n");
		else if (ch == 0)
			vstring_strcat(out, "\\0");
		else
			vstring_addch(out, ch);
	}
	vstring_addch(out, ']');
}

typedef struct RESULT {
	VSTRING *recs;
	int	status;
	int	done;
	long	size;
	size_t	used;
} RESULT;

/*
 * Feed input split at the given positions (cuts, ascending; ncuts 0 for
 * one piece, -1 for byte by byte); for BDAT, finish at the end.
 */
static void
run(int flags, size_t limit, long size_limit, const char *in, size_t len,
    const size_t *cuts, int ncuts, RESULT *res)
{
	SMTPD_DATA *dp;
	size_t	pos = 0;
	size_t	next;
	int	i = 0;

	res->recs = vstring_alloc(100);
	dp = smtpd_data_create(flags, limit, size_limit, collect, res->recs);
	res->used = 0;
	while (pos < len && !smtpd_data_done(dp)) {
		if (ncuts < 0)
			next = pos + 1;
		else if (i < ncuts)
			next = cuts[i++];
		else
			next = len;
		res->used += smtpd_data_feed(dp, in + pos, next - pos);
		pos = next;
	}
	if (flags & BDAT)
		smtpd_data_finish(dp);
	res->status = smtpd_data_status(dp);
	res->done = smtpd_data_done(dp);
	res->size = (long) smtpd_data_size(dp);
	smtpd_data_free(dp);
}

static const struct data_case {
	const char *label;
	int	flags;
	size_t	limit;
	long	size_limit;
	const char *in;
	size_t	len;			/* 0: strlen(in) */
	const char *recs;
	int	status;
	int	done;
	size_t	used;			/* (size_t) -1: everything */
} cases[] = {
	/* Plain messages and dot-unstuffing. */
	{"empty message", DATA, 100, 0, ".\r\n", 0, "", 0, 1, 3},
	{"one line", DATA, 100, 0, "hello\r\n.\r\n", 0, "N[hello]", 0, 1, (size_t) -1},
	{"stuffed dot", DATA, 100, 0, "..\r\n..x\r\n.\r\n", 0, "N[.]N[.x]", 0, 1, (size_t) -1},
	{"dot line with text", DATA, 100, 0, ".x\r\n.\r\n", 0, "N[x]", 0, 1, (size_t) -1},
	{"empty lines", DATA, 100, 0, "\r\n\r\n.\r\n", 0, "N[]N[]", 0, 1, (size_t) -1},
	{"next command stays", DATA, 100, 0, "a\r\n.\r\nQUIT\r\n", 0, "N[a]", 0, 1, 6},
	{"no end yet", DATA, 100, 0, "a\r\nb", 0, "N[a]", 0, 0, (size_t) -1},
	{"dot with space", DATA, 100, 0, ". \r\n.\r\n", 0, "N[ ]", 0, 1, (size_t) -1},
	{"NUL kept", DATA, 100, 0, "a\0b\r\n.\r\n", 8, "N[a\\0b]", 0, 1, (size_t) -1},

	/* SMTP smuggling: none of these may end the message (strict mode). */
	{"LF.LF", DATA, 100, 0, "a\n.\nb\r\n.\r\n", 0, "", SMTPD_DATA_BARE_LF, 1, (size_t) -1},
	{"CRLF.LF", DATA, 100, 0, "a\r\n.\nb\r\n.\r\n", 0, "N[a]", SMTPD_DATA_BARE_LF, 1, (size_t) -1},
	{"LF.CRLF", DATA, 100, 0, "a\n.\r\nb\r\n.\r\n", 0, "", SMTPD_DATA_BARE_LF, 1, (size_t) -1},
	{"CR.CRLF", DATA, 100, 0, "a\r.\r\nb\r\n.\r\n", 0, "", SMTPD_DATA_BARE_CR, 1, (size_t) -1},
	{"CRLF.CR", DATA, 100, 0, "a\r\n.\rb\r\n.\r\n", 0, "N[a]", SMTPD_DATA_BARE_CR, 1, (size_t) -1},
	{"CR.CR", DATA, 100, 0, "a\r.\rb\r\n.\r\n", 0, "", SMTPD_DATA_BARE_CR, 1, (size_t) -1},
	{"LF.LF at start", DATA, 100, 0, "\n.\nb\r\n.\r\n", 0, "", SMTPD_DATA_BARE_LF, 1, (size_t) -1},
	{"smuggled commands stay data", DATA, 100, 0,
	 "x\r\n.\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nevil\r\n.\r\n", 0,
	 "N[x]", SMTPD_DATA_BARE_LF, 1, (size_t) -1},

	/* The same variants for a client excluded from the rule. */
	{"LF.LF normalized", NORM, 100, 0, "a\n.\nb\r\n.\r\n", 0, "N[a]N[]N[b]",
	 SMTPD_DATA_BARE_LF, 1, (size_t) -1},
	{"CRLF.LF normalized", NORM, 100, 0, "a\r\n.\nb\r\n.\r\n", 0, "N[a]N[]N[b]",
	 SMTPD_DATA_BARE_LF, 1, (size_t) -1},
	{"LF.CRLF normalized", NORM, 100, 0, "a\n.\r\nb\r\n.\r\n", 0, "N[a]N[]N[b]",
	 SMTPD_DATA_BARE_LF, 1, (size_t) -1},
	{"CR.CRLF normalized", NORM, 100, 0, "a\r.\r\nb\r\n.\r\n", 0, "N[a\\r.]N[b]",
	 SMTPD_DATA_BARE_CR, 1, (size_t) -1},
	{"bare LF lines", NORM, 100, 0, "a\nb\n.\r\n", 0, "N[a]N[b]N[]", SMTPD_DATA_BARE_LF, 0,
	 (size_t) -1},
	{"smuggled commands normalized", NORM, 100, 0,
	 "x\r\n.\nMAIL FROM:<a@b>\r\n.\r\n", 0, "N[x]N[]N[MAIL FROM:<a@b>]",
	 SMTPD_DATA_BARE_LF, 1, (size_t) -1},

	/* Long lines become fragments, never errors. */
	{"exact limit", DATA, 4, 0, "abcd\r\n.\r\n", 0, "L[abcd]N[]", 0, 1, (size_t) -1},
	{"long line", DATA, 4, 0, "abcdefghij\r\n.\r\n", 0, "L[abcd]L[efgh]N[ij]", 0, 1,
	 (size_t) -1},
	{"long dot line", DATA, 4, 0, "..abcd\r\n.\r\n", 0, "L[.abc]N[d]", 0, 1, (size_t) -1},
	{"dot after fragment is data", DATA, 2, 0, "ab\r\n.\r\n", 0, "L[ab]N[]", 0, 1,
	 (size_t) -1},

	/* Size limit: input is still read to the end. */
	{"size ok", DATA, 100, 7, "abcde\r\n.\r\n", 0, "N[abcde]", 0, 1, (size_t) -1},
	{"too big", DATA, 100, 6, "abcde\r\nmore\r\n.\r\n", 0, "", SMTPD_DATA_TOO_BIG, 1,
	 (size_t) -1},

	/* BDAT: no dot-stuffing, no end marker. */
	{"bdat", BDAT, 100, 0, "a\r\n.\r\n..b\r\n", 0, "N[a]N[.]N[..b]", 0, 1, (size_t) -1},
	{"bdat partial last line", BDAT, 100, 0, "a\r\nb", 0, "N[a]N[b]", 0, 1, (size_t) -1},
	{"bdat empty", BDAT, 100, 0, "", 0, "", 0, 1, 0},
	{"bdat bare LF", BDAT, 100, 0, "ab\ncd\r\n", 0, "", SMTPD_DATA_BARE_LF, 1, (size_t) -1},
	{"bdat bare CR at end", BDAT, 100, 0, "ab\r", 0, "", SMTPD_DATA_BARE_CR, 1, (size_t) -1},
	{"bdat normalized", BDAT | NORM, 100, 0, "ab\ncd\r\nef\r", 0, "N[ab]N[cd]N[ef\\r]",
	 SMTPD_DATA_BARE_LF | SMTPD_DATA_BARE_CR, 1, (size_t) -1},
	{"bdat too big", BDAT, 100, 3, "abcd\r\n", 0, "", SMTPD_DATA_TOO_BIG, 1, (size_t) -1},
	{"bdat long line", BDAT, 3, 0, "abcdefg\r\n", 0, "L[abc]L[def]N[g]", 0, 1, (size_t) -1},
};

static void
check_case(const struct data_case *tc, const char *how, RESULT *res)
{
	size_t	len = tc->len ? tc->len : strlen(tc->in);
	size_t	used = tc->used == (size_t) -1 ? len : tc->used;

	if (strcmp(vstring_str(res->recs), tc->recs) != 0
	    || res->status != tc->status || res->done != tc->done
	    || res->used != used)
		fail_msg("%s (%s): got \"%s\" status %d done %d used %zu; "
			 "want \"%s\" status %d done %d used %zu", tc->label, how,
			 vstring_str(res->recs), res->status, res->done,
			 res->used, tc->recs, tc->status, tc->done, used);
	vstring_free(res->recs);
}

static void
test_cases(void **unused)
{
	size_t	i;
	size_t	cut;
	RESULT	whole;
	RESULT	res;

	(void) unused;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct data_case *tc = &cases[i];
		size_t	len = tc->len ? tc->len : strlen(tc->in);

		run(tc->flags, tc->limit, tc->size_limit, tc->in, len, NULL, 0,
		    &whole);
		long	size = whole.size;

		check_case(tc, "whole", &whole);
		run(tc->flags, tc->limit, tc->size_limit, tc->in, len, NULL, -1,
		    &res);
		assert_int_equal(res.size, size);
		check_case(tc, "byte by byte", &res);
		for (cut = 1; cut < len; cut++) {
			char	how[40];

			run(tc->flags, tc->limit, tc->size_limit, tc->in, len,
			    &cut, 1, &res);
			assert_int_equal(res.size, size);
			snprintf(how, sizeof(how), "split at %zu", cut);
			check_case(tc, how, &res);
		}
	}
}

/* Sizes are counted as Postfix counts them: each line plus CR LF. */
static void
test_size(void **unused)
{
	RESULT	res;

	(void) unused;
	run(DATA, 100, 0, "abc\r\n..\r\n.\r\n", 11, NULL, 0, &res);
	assert_int_equal(res.size, 5 + 3);
	vstring_free(res.recs);
	run(BDAT | NORM, 100, 0, "1234\nabc", 8, NULL, 0, &res);
	assert_int_equal(res.size, 6 + 5);
	vstring_free(res.recs);
	run(BDAT, 100, 0, "", 0, NULL, 0, &res);
	assert_int_equal(res.size, 0);
	vstring_free(res.recs);
}

/*
 * No combination of CR, LF, '.' and 'x' up to 7 bytes, placed between a
 * first line and the real end, may end the message early unless it
 * contains CR LF "." CR LF itself.
 */
static void
test_exhaustive_small(void **unused)
{
	static const char alphabet[] = "\r\n.x";
	char	buf[64];
	char	mid[8];
	size_t	n;
	size_t	len;
	unsigned long code;
	unsigned long combos;
	int	flags;
	RESULT	res;

	(void) unused;
	for (n = 1; n <= 7; n++) {
		combos = 1UL << (2 * n);
		for (code = 0; code < combos; code++) {
			size_t	i;

			for (i = 0; i < n; i++)
				mid[i] = alphabet[(code >> (2 * i)) & 3];
			mid[n] = 0;
			len = snprintf(buf, sizeof(buf), "a\r\n%s\r\n.\r\n", mid);
			for (flags = 0; flags <= NORM; flags += NORM) {
				run(flags, 100, 0, buf, len, NULL, 0, &res);
				/* Expected end: the first CR LF . CR LF. */
				const char *end = strstr(buf, "\r\n.\r\n");
				size_t	want = (size_t) (end - buf) + 5;

				if (!res.done || res.used != want)
					fail_msg("input %zu bytes ended at %zu, want %zu",
						 len, res.used, want);
				vstring_free(res.recs);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_exhaustive_small),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
