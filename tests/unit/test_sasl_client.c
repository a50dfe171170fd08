/*
 * Unit tests for lib/sasl/sasl_client: the exact bytes of PLAIN and LOGIN
 * responses, mechanism choice, password splitting and security options.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vstring.h"
#include "mymalloc.h"
#include "base64.h"
#include "sasl_client.h"

/* PLAIN: one initial response, base64 of NUL user NUL pass. */
static void
test_plain_response(void **state)
{
	VSTRING *why = vstring_alloc(10);
	VSTRING *out = vstring_alloc(10);
	VSTRING *dec = vstring_alloc(10);
	SASL_CLIENT *sc;

	(void) state;
	sc = sasl_client_create("LOGIN PLAIN", "", "tim", "tanstaaftanstaaf", why);
	assert_non_null(sc);
	assert_string_equal(sasl_client_mech(sc), "PLAIN");
	sasl_client_first(sc, out);
	/* RFC 4616 style example, checked with python3 base64. */
	assert_string_equal(vstring_str(out), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	assert_int_equal(base64_decode(dec, vstring_str(out), vstring_len(out)), 0);
	assert_int_equal(vstring_len(dec), 21);
	assert_memory_equal(vstring_str(dec), "\0tim\0tanstaaftanstaaf", 21);
	/* Any non-empty challenge after that is an error. */
	assert_int_equal(sasl_client_next(sc, "VXNlcm5hbWU6", out, why), -1);
	assert_string_equal(vstring_str(why), "unexpected SASL challenge for PLAIN");
	sasl_client_free(sc);

	/* A server that ignored the initial response sends "334 ". */
	sc = sasl_client_create("PLAIN", "", "u", "p", why);
	assert_int_equal(sasl_client_next(sc, "", out, why), 0);
	assert_string_equal(vstring_str(out), "AHUAcA==");
	assert_int_equal(sasl_client_next(sc, "", out, why), -1);
	sasl_client_free(sc);
	vstring_free(why);
	vstring_free(out);
	vstring_free(dec);
}

/* LOGIN: no initial response, then user and password by position. */
static void
test_login_sequence(void **state)
{
	VSTRING *why = vstring_alloc(10);
	VSTRING *out = vstring_alloc(10);
	SASL_CLIENT *sc;

	(void) state;
	sc = sasl_client_create("login", "", "alice", "s3cr:et", why);
	assert_non_null(sc);
	assert_string_equal(sasl_client_mech(sc), "LOGIN");
	vstring_strcpy(out, "junk");
	sasl_client_first(sc, out);
	assert_int_equal(vstring_len(out), 0);
	assert_int_equal(sasl_client_next(sc, "VXNlcm5hbWU6", out, why), 0);
	assert_string_equal(vstring_str(out), "YWxpY2U=");	/* alice */
	assert_int_equal(sasl_client_next(sc, "UGFzc3dvcmQ6", out, why), 0);
	assert_string_equal(vstring_str(out), "czNjcjpldA==");	/* s3cr:et */
	/* A third challenge is an error. */
	assert_int_equal(sasl_client_next(sc, "UGFzc3dvcmQ6", out, why), -1);
	assert_string_equal(vstring_str(why), "unexpected SASL challenge for LOGIN");
	sasl_client_free(sc);

	/* By position, not by text: servers word the prompts differently. */
	sc = sasl_client_create("LOGIN", "", "alice", "pw", why);
	assert_int_equal(sasl_client_next(sc, "UGFzc3dvcmQ6", out, why), 0);
	assert_string_equal(vstring_str(out), "YWxpY2U=");
	assert_int_equal(sasl_client_next(sc, "", out, why), 0);
	assert_string_equal(vstring_str(out), "cHc=");
	sasl_client_free(sc);

	/* A challenge that is not base64 is refused. */
	sc = sasl_client_create("LOGIN", "", "alice", "pw", why);
	assert_int_equal(sasl_client_next(sc, "Username:", out, why), -1);
	assert_string_equal(vstring_str(why), "malformed SASL challenge from server");
	/* Trailing white space after the challenge is tolerated. */
	assert_int_equal(sasl_client_next(sc, "VXNlcm5hbWU6 \r", out, why), 0);
	assert_string_equal(vstring_str(out), "YWxpY2U=");
	sasl_client_free(sc);
	vstring_free(why);
	vstring_free(out);
}

typedef struct {
	const char *offered;
	const char *filter;
	const char *mech;		/* NULL: none */
	const char *why;
} CHOICE_CASE;

static const CHOICE_CASE choice_cases[] = {
	{"LOGIN PLAIN CRAM-MD5", "", "PLAIN", 0},
	{"PLAIN LOGIN", "", "PLAIN", 0},
	{"cram-md5 login", "", "LOGIN", 0},
	{"LOGIN PLAIN", "login", "LOGIN", 0},
	{"LOGIN PLAIN", "cram-md5, Plain", "PLAIN", 0},
	{"LOGIN\tPLAIN", "cram-md5 login", "LOGIN", 0},
	{"PLAINX LOGINY", "", 0, "no mechanism available (offered: PLAINX LOGINY)"},
	{"CRAM-MD5", "", 0, "no mechanism available (offered: CRAM-MD5)"},
	{"  CRAM-MD5   DIGEST-MD5 ", "", 0,
	"no mechanism available (offered: CRAM-MD5 DIGEST-MD5)"},
	{"LOGIN PLAIN", "cram-md5", 0,
	"no mechanism available (offered: LOGIN PLAIN)"},
	{"", "", 0, "no mechanism available (offered: none)"},
};

static void
test_mechanism_choice(void **state)
{
	VSTRING *why = vstring_alloc(10);
	SASL_CLIENT *sc;
	size_t  i;

	(void) state;
	for (i = 0; i < sizeof(choice_cases) / sizeof(choice_cases[0]); i++) {
		const CHOICE_CASE *c = choice_cases + i;

		VSTRING_RESET(why);
		sc = sasl_client_create(c->offered, c->filter, "u", "p", why);
		if (c->mech) {
			assert_non_null(sc);
			assert_string_equal(sasl_client_mech(sc), c->mech);
			sasl_client_free(sc);
		} else {
			assert_null(sc);
			assert_string_equal(vstring_str(why), c->why);
		}
	}
	vstring_free(why);
}

static void
test_passwd_split(void **state)
{
	char   *user;
	char   *pass;

	(void) state;
	assert_int_equal(sasl_passwd_split("bob:pa:ss:word", &user, &pass), 0);
	assert_string_equal(user, "bob");
	assert_string_equal(pass, "pa:ss:word");
	myfree(user);
	myfree(pass);
	assert_int_equal(sasl_passwd_split("bob@example.com:", &user, &pass), 0);
	assert_string_equal(user, "bob@example.com");
	assert_string_equal(pass, "");
	myfree(user);
	myfree(pass);
	assert_int_equal(sasl_passwd_split("nocolon", &user, &pass), -1);
}

static void
test_security_options(void **state)
{
	VSTRING *why = vstring_alloc(10);

	(void) state;
	assert_int_equal(sasl_security_options("", why), 0);
	assert_int_equal(sasl_security_options(" , ", why), 0);
	assert_int_equal(sasl_security_options("noplaintext, noanonymous", why),
			 SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS);
	assert_int_equal(sasl_security_options("noanonymous", why),
			 SASL_SEC_NOANONYMOUS);
	assert_int_equal(sasl_security_options("noactive nodictionary\tmutual_auth,forward_secrecy", why),
			 SASL_SEC_NOACTIVE | SASL_SEC_NODICTIONARY
			 | SASL_SEC_MUTUAL_AUTH | SASL_SEC_FORWARD_SECRECY);
	assert_int_equal(sasl_security_options("noplaintext,nosuchthing", why), -1);
	assert_string_equal(vstring_str(why),
			    "unknown SASL security option \"nosuchthing\"");
	vstring_free(why);
}

typedef struct {
	const char *mech;
	int	bits;
	int	allowed;
} ALLOWED_CASE;

static const ALLOWED_CASE allowed_cases[] = {
	{"PLAIN", 0, 1},
	{"LOGIN", 0, 1},
	{"PLAIN", SASL_SEC_NOANONYMOUS, 1},
	{"login", SASL_SEC_NOANONYMOUS, 1},
	{"PLAIN", SASL_SEC_NOPLAINTEXT, 0},
	{"LOGIN", SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS, 0},
	{"PLAIN", SASL_SEC_NOACTIVE, 0},
	{"LOGIN", SASL_SEC_NODICTIONARY, 0},
	{"PLAIN", SASL_SEC_MUTUAL_AUTH, 0},
	{"PLAIN", SASL_SEC_FORWARD_SECRECY, 0},
	{"ANONYMOUS", 0, 1},
	{"ANONYMOUS", SASL_SEC_NOANONYMOUS, 0},
	{"ANONYMOUS", SASL_SEC_NOPLAINTEXT, 1},
	{"CRAM-MD5", SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS, 1},
	{"CRAM-MD5", SASL_SEC_NOACTIVE, 0},
	{"X-UNKNOWN", SASL_SEC_NOANONYMOUS, 1},
	{"X-UNKNOWN", SASL_SEC_NOPLAINTEXT, 0},
};

static void
test_mech_allowed(void **state)
{
	size_t  i;

	(void) state;
	for (i = 0; i < sizeof(allowed_cases) / sizeof(allowed_cases[0]); i++) {
		const ALLOWED_CASE *c = allowed_cases + i;

		if (sasl_mech_allowed(c->mech, c->bits) != c->allowed)
			fail_msg("case %zu: %s bits %#x: expected %d", i, c->mech,
				 (unsigned) c->bits, c->allowed);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_response),
		cmocka_unit_test(test_login_sequence),
		cmocka_unit_test(test_mechanism_choice),
		cmocka_unit_test(test_passwd_split),
		cmocka_unit_test(test_security_options),
		cmocka_unit_test(test_mech_allowed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
