/*
 * Unit tests for postmap/postmap_file.c (base64, -F file values) and
 * postmap/postmap_msg.c (-h/-b lookup keys). Expected key sequences were
 * taken from Debian's "postmap -h -b -q - pcre:..." with a catch-all
 * pattern.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vstring.h"
#include "postmap.h"

static void
test_base64_round_trip(void **state)
{
	static const struct {
		const char *plain;
		const char *encoded;
	} cases[] = {
		{"", ""},
		{"f", "Zg=="},
		{"fo", "Zm8="},
		{"foo", "Zm9v"},
		{"foob", "Zm9vYg=="},
		{"hello\nworld", "aGVsbG8Kd29ybGQ="},
		{"hello\nworld\nsecond\n", "aGVsbG8Kd29ybGQKc2Vjb25kCg=="},
		{"\377\376>?", "//4+Pw=="},
	};
	VSTRING *buf = vstring_alloc(10);
	size_t  i;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		postmap_base64_encode(cases[i].plain, strlen(cases[i].plain), buf);
		assert_string_equal(vstring_str(buf), cases[i].encoded);
		assert_int_equal(postmap_base64_decode(cases[i].encoded, buf), 0);
		assert_string_equal(vstring_str(buf), cases[i].plain);
	}
	vstring_free(buf);
}

static void
test_base64_rejects_malformed(void **state)
{
	static const char *bad[] = {
		"notbase64!", "abc", "Zg=", "Z===", "Zg==Zg==", "Zm9v\n", "=Zm9",
		"Zm=v",
	};
	VSTRING *buf = vstring_alloc(10);
	size_t  i;

	(void) state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (postmap_base64_decode(bad[i], buf) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	vstring_free(buf);
}

static void
test_file_value_joins_files(void **state)
{
	char    dir[] = "/tmp/test_postmap_parts.XXXXXX";
	char    f1[100];
	char    f2[100];
	char    list[300];
	VSTRING *result = vstring_alloc(10);
	VSTRING *why = vstring_alloc(10);
	VSTRING *plain = vstring_alloc(10);
	FILE   *fp;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(f1, sizeof(f1), "%s/f1", dir);
	snprintf(f2, sizeof(f2), "%s/f2", dir);
	fp = fopen(f1, "w");
	fputs("hello\nworld", fp);
	fclose(fp);
	fp = fopen(f2, "w");
	fputs("second\n", fp);
	fclose(fp);

	snprintf(list, sizeof(list), "%s, %s", f2, f1);
	assert_int_equal(postmap_file_value(list, result, why), 0);
	assert_int_equal(postmap_base64_decode(vstring_str(result), plain), 0);
	assert_string_equal(vstring_str(plain), "second\n\nhello\nworld");

	snprintf(list, sizeof(list), "%s %s/nosuch", f1, dir);
	assert_int_equal(postmap_file_value(list, result, why), -1);
	assert_non_null(strstr(vstring_str(why), "nosuch: No such file"));

	unlink(f1);
	unlink(f2);
	rmdir(dir);
	vstring_free(result);
	vstring_free(why);
	vstring_free(plain);
}

/* All keys of a message, joined with '|' after each key. */
static void
msg_keys(const char *text, int headers, int body, VSTRING *out)
{
	FILE   *fp = fmemopen((void *) text, strlen(text), "r");
	VSTRING *key = vstring_alloc(10);
	POSTMAP_MSG *msg;

	if (*text == '\0') {
		fclose(fp);
		fp = fopen("/dev/null", "r");
	}
	msg = postmap_msg_create(fp, headers, body);
	VSTRING_RESET(out);
	while (postmap_msg_key(key, msg)) {
		vstring_strcat(out, vstring_str(key));
		vstring_addch(out, '|');
	}
	postmap_msg_free(msg);
	fclose(fp);
	vstring_free(key);
}

static void
test_message_keys(void **state)
{
	static const struct {
		const char *text;
		const char *headers;	/* -h */
		const char *body;	/* -b */
		const char *both;	/* -h -b */
	} cases[] = {
		{"Subject: hello\nX-Foo: a\n  cont\nTo: x\n\nbody line 1\n"
			"other\n",
			"Subject: hello|X-Foo: a\n  cont|To: x|",
			"|body line 1|other|",
			"Subject: hello|X-Foo: a\n  cont|To: x||body line 1|other|"},
		{"From x@y Mon\nSubject: hi\n\nbody\n",
			"",
			"|From x@y Mon|Subject: hi||body|",
			"|From x@y Mon|Subject: hi||body|"},
		{"Subject: hi\nnot a header\nX: y\n\nbody\n",
			"Subject: hi|",
			"|not a header|X: y||body|",
			"Subject: hi||not a header|X: y||body|"},
		{"Subject : x\nS\t:\tx\nSubject:x\n  \n foo\nX:\n",
			"Subject: x|S:\tx|Subject:x\n  \n foo|X:|",
			"",
			"Subject: x|S:\tx|Subject:x\n  \n foo|X:|"},
		{"Sub ject: x\n", "", "|Sub ject: x|", "|Sub ject: x|"},
		{"X-8\351: x\n", "", "|X-8\351: x|", "|X-8\351: x|"},
		{"  leading\nSubject: a\n", "", "|  leading|Subject: a|",
			"|  leading|Subject: a|"},
		{"A: b\r\n\r\nbody\r\n", "A: b\r|", "|\r|body\r|",
			"A: b\r||\r|body\r|"},
		{"Subject: only\n", "Subject: only|", "", "Subject: only|"},
		{"Subject: no newline", "Subject: no newline|", "",
			"Subject: no newline|"},
		{"", "", "", ""},
	};
	VSTRING *out = vstring_alloc(100);
	size_t  i;

	(void) state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg_keys(cases[i].text, 1, 0, out);
		if (strcmp(vstring_str(out), cases[i].headers) != 0)
			fail_msg("case %zu -h: got [%s]", i, vstring_str(out));
		msg_keys(cases[i].text, 0, 1, out);
		if (strcmp(vstring_str(out), cases[i].body) != 0)
			fail_msg("case %zu -b: got [%s]", i, vstring_str(out));
		msg_keys(cases[i].text, 1, 1, out);
		if (strcmp(vstring_str(out), cases[i].both) != 0)
			fail_msg("case %zu -h -b: got [%s]", i, vstring_str(out));
	}
	vstring_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_round_trip),
		cmocka_unit_test(test_base64_rejects_malformed),
		cmocka_unit_test(test_file_value_joins_files),
		cmocka_unit_test(test_message_keys),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
