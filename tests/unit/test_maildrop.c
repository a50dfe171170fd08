/* Unit tests for lib/global/maildrop: the maildrop record validator. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg.h"
#include "vstring.h"
#include "rec_type.h"
#include "maildrop.h"

typedef struct {
	int	type;
	const char *data;		/* NULL: "big" (an oversized record) */
} REC;

#define END_OF_LIST	{0, 0}

typedef struct {
	const char *name;
	int	mode;
	REC	recs[16];
	int	ok;			/* 1: accepted */
	const char *why;		/* a substring of the refusal */
} CASE;

#define S(t, d)	{t, d}
#define ENV_OK	S(REC_TYPE_SENDER, "alice"), S(REC_TYPE_ATTR, "rewrite_context=local")
#define BODY_OK	S(REC_TYPE_MESSAGE, ""), S(REC_TYPE_NORMAL, "Subject: hi"), \
		S(REC_TYPE_NORMAL, ""), S(REC_TYPE_NORMAL, "body"), \
		S(REC_TYPE_XTRA, ""), S(REC_TYPE_END, "")

static const CASE cases[] = {
	{"good submission", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_RCPT, "bob@example.com"), BODY_OK, END_OF_LIST}, 1, 0},
	{"good file", MAILDROP_FILE,
	 {S(REC_TYPE_ATTR, "uid=1000"), ENV_OK, S(REC_TYPE_RCPT, "bob"), BODY_OK,
	 END_OF_LIST}, 1, 0},
	{"good with dsn and -t", MAILDROP_SUBMIT,
	 {S(REC_TYPE_SENDER, ""), S(REC_TYPE_ATTR, "full_name=Alice Liddell"),
	  S(REC_TYPE_ATTR, "extract_recipients=yes"), S(REC_TYPE_DSN_ENVID, "env-1"),
	  S(REC_TYPE_DSN_RET, "HDRS"), BODY_OK, END_OF_LIST}, 1, 0},
	{"good notify", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_DSN_NOTIFY, "SUCCESS,DELAY"), S(REC_TYPE_RCPT, "b"),
	  S(REC_TYPE_DSN_NOTIFY, "NEVER"), S(REC_TYPE_RCPT, "c"), BODY_OK,
	  END_OF_LIST}, 1, 0},
	{"fragments", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_RCPT, "b"), S(REC_TYPE_MESSAGE, ""),
	  S(REC_TYPE_FRAGMENT, "abc"), S(REC_TYPE_NORMAL, "def"),
	  S(REC_TYPE_XTRA, ""), S(REC_TYPE_END, ""), END_OF_LIST}, 1, 0},

	{"TIME record", MAILDROP_SUBMIT,
	 {S(REC_TYPE_TIME, "1700000000.000000"), ENV_OK, S(REC_TYPE_RCPT, "b"),
	  BODY_OK, END_OF_LIST}, 0, "time record not allowed"},
	{"SIZE record", MAILDROP_FILE,
	 {S(REC_TYPE_ATTR, "uid=5"), S(REC_TYPE_SIZE, "1 2 3"), END_OF_LIST}, 0,
	 "size record not allowed"},
	{"DONE record", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_DONE, "b"), BODY_OK, END_OF_LIST}, 0,
	 "done_recipient record not allowed"},
	{"ORCPT record", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_ORCPT, "b"), S(REC_TYPE_RCPT, "b"), BODY_OK,
	  END_OF_LIST}, 0, "not allowed"},
	{"recipient after the content", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_RCPT, "b"), S(REC_TYPE_MESSAGE, ""),
	  S(REC_TYPE_XTRA, ""), S(REC_TYPE_RCPT, "c"), S(REC_TYPE_END, ""),
	  END_OF_LIST}, 0, "after the content"},
	{"content before MESSAGE", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_NORMAL, "x"), END_OF_LIST}, 0, "envelope"},
	{"record after END", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_RCPT, "b"), BODY_OK, S(REC_TYPE_NORMAL, "x"),
	  END_OF_LIST}, 0, "after the end"},
	{"missing END", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_RCPT, "b"), S(REC_TYPE_MESSAGE, ""),
	  S(REC_TYPE_NORMAL, "x"), S(REC_TYPE_XTRA, ""), END_OF_LIST}, 0,
	 "premature end"},
	{"missing content end", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_RCPT, "b"), S(REC_TYPE_MESSAGE, ""),
	  S(REC_TYPE_NORMAL, "x"), END_OF_LIST}, 0, "premature end"},
	{"dangling fragment", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_RCPT, "b"), S(REC_TYPE_MESSAGE, ""),
	  S(REC_TYPE_FRAGMENT, "x"), S(REC_TYPE_XTRA, ""), END_OF_LIST}, 0,
	 "extracted_info record not allowed"},
	{"oversized recipient", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_RCPT, NULL), END_OF_LIST}, 0, "oversized"},
	{"oversized content", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_RCPT, "b"), S(REC_TYPE_MESSAGE, ""),
	  S(REC_TYPE_NORMAL, NULL), END_OF_LIST}, 0, "oversized"},
	{"uid from sendmail", MAILDROP_SUBMIT,
	 {S(REC_TYPE_ATTR, "uid=0"), ENV_OK, END_OF_LIST}, 0, "unexpected uid"},
	{"file without uid", MAILDROP_FILE,
	 {ENV_OK, S(REC_TYPE_RCPT, "b"), BODY_OK, END_OF_LIST}, 0,
	 "no uid attribute"},
	{"second uid", MAILDROP_FILE,
	 {S(REC_TYPE_ATTR, "uid=5"), S(REC_TYPE_ATTR, "uid=0"), END_OF_LIST}, 0,
	 "unexpected uid"},
	{"bad uid", MAILDROP_FILE,
	 {S(REC_TYPE_ATTR, "uid=-1"), END_OF_LIST}, 0, "bad uid"},
	{"foreign attribute", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_ATTR, "client_address=192.0.2.1"), END_OF_LIST}, 0,
	 "attribute not allowed: client_address"},
	{"remote context", MAILDROP_SUBMIT,
	 {S(REC_TYPE_SENDER, "a"), S(REC_TYPE_ATTR, "rewrite_context=remote"),
	  END_OF_LIST}, 0, "bad rewrite_context"},
	{"header injection in full name", MAILDROP_SUBMIT,
	 {S(REC_TYPE_SENDER, "a"), S(REC_TYPE_ATTR, "full_name=x\nBcc: all"),
	  END_OF_LIST}, 0, "bad full_name"},
	{"two senders", MAILDROP_SUBMIT,
	 {S(REC_TYPE_SENDER, "a"), S(REC_TYPE_SENDER, "b"), END_OF_LIST}, 0,
	 "duplicate sender"},
	{"no sender", MAILDROP_SUBMIT,
	 {S(REC_TYPE_RCPT, "b"), BODY_OK, END_OF_LIST}, 0, "no sender"},
	{"no recipients", MAILDROP_SUBMIT,
	 {ENV_OK, BODY_OK, END_OF_LIST}, 0, "no recipients"},
	{"bad notify", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_DSN_NOTIFY, "NEVER,SUCCESS"), END_OF_LIST}, 0,
	 "bad dsn_notify"},
	{"notify without recipient", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_DSN_NOTIFY, "DELAY"), BODY_OK, END_OF_LIST}, 0,
	 "without recipient"},
	{"bad ret", MAILDROP_SUBMIT,
	 {ENV_OK, S(REC_TYPE_DSN_RET, "2"), END_OF_LIST}, 0, "bad dsn_ret"},
	{"unknown type", MAILDROP_SUBMIT,
	 {ENV_OK, S('?', "x"), END_OF_LIST}, 0, "unknown record type"},
};

static char big[MAILDROP_REC_MAX + 1];

static void
run_case(const CASE *cp)
{
	MAILDROP_CHECK *mc = maildrop_check_alloc(cp->mode);
	VSTRING *why = vstring_alloc(100);
	const REC *rp;
	int     rc = 0;

	for (rp = cp->recs; rp->type != 0 && rc == 0; rp++) {
		const char *data = rp->data ? rp->data : big;
		size_t  len = rp->data ? strlen(rp->data) : sizeof(big);

		rc = maildrop_check_rec(mc, rp->type, data, len, why);
	}
	if (rc == 0)
		rc = maildrop_check_end(mc, why);
	if (cp->ok) {
		if (rc != 0)
			fail_msg("%s: refused: %s", cp->name, vstring_str(why));
	} else {
		if (rc == 0)
			fail_msg("%s: accepted", cp->name);
		if (strstr(vstring_str(why), cp->why) == NULL)
			fail_msg("%s: reason \"%s\" lacks \"%s\"", cp->name,
				 vstring_str(why), cp->why);
	}
	maildrop_check_free(mc);
	vstring_free(why);
}

static void
test_cases(void **state)
{
	size_t  i;

	(void) state;
	memset(big, 'x', sizeof(big));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

static void
test_results(void **state)
{
	MAILDROP_CHECK *mc = maildrop_check_alloc(MAILDROP_FILE);
	VSTRING *why = vstring_alloc(100);

	(void) state;
	assert_int_equal(maildrop_check_uid(mc), -1);
	assert_int_equal(maildrop_check_rec(mc, REC_TYPE_ATTR, "uid=1234", 8, why), 0);
	assert_int_equal(maildrop_check_rec(mc, REC_TYPE_SENDER, "s@x", 3, why), 0);
	assert_int_equal(maildrop_check_rec(mc, REC_TYPE_ATTR,
					    "extract_recipients=yes", 22, why), 0);
	assert_int_equal(maildrop_check_uid(mc), 1234);
	assert_string_equal(maildrop_check_sender(mc), "s@x");
	assert_int_equal(maildrop_check_flags(mc), MAILDROP_FLAG_EXTRACT);
	/* After a refusal, everything is refused. */
	assert_int_equal(maildrop_check_rec(mc, REC_TYPE_TIME, "1", 1, why), -1);
	assert_int_equal(maildrop_check_rec(mc, REC_TYPE_RCPT, "b", 1, why), -1);
	assert_int_equal(maildrop_check_end(mc, why), -1);
	maildrop_check_free(mc);
	vstring_free(why);
}

static void
test_attr_skip(void **state)
{
	(void) state;
	assert_true(maildrop_attr_skip("uid=5", 5));
	assert_true(maildrop_attr_skip("extract_recipients=yes", 22));
	assert_false(maildrop_attr_skip("rewrite_context=local", 21));
	assert_false(maildrop_attr_skip("uidx=5", 6));
	assert_false(maildrop_attr_skip("full_name=uid=", 14));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_attr_skip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
