/*
 * Unit tests for lib/global/mime_downgrade: whole messages in, exact
 * output compared, and a small quoted-printable decoder (the logic of
 * Python's quopri) to check that converted bodies decode to the input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vstring.h"
#include "mime_downgrade.h"

/* Output collector: lines joined with "\n". */
typedef struct {
	VSTRING *buf;
	int     bad_piece;		/* a piece held CR or LF */
	size_t  line_len;		/* length of the line being built */
	size_t  max_line;
} COLLECT;

static void
collect_out(void *ctx, const char *text, size_t len, int is_cont)
{
	COLLECT *c = ctx;

	if (memchr(text, '\n', len) || memchr(text, '\r', len))
		c->bad_piece = 1;
	vstring_memcat(c->buf, text, len);
	c->line_len += len;
	if (!is_cont) {
		vstring_addch(c->buf, '\n');
		if (c->line_len > c->max_line)
			c->max_line = c->line_len;
		c->line_len = 0;
	}
}

/*
 * Run the converter over msg (lines separated by "\n"; a final line
 * without "\n" is still a line). piece > 0 splits every line into pieces
 * of that size.
 */
static void
run(COLLECT *c, const char *msg, size_t msglen, size_t piece)
{
	MIME_DOWNGRADE *md;
	const char *cp = msg;
	const char *end = msg + msglen;
	const char *nl;
	size_t  len;
	size_t  n;

	c->buf = vstring_alloc(1024);
	c->bad_piece = 0;
	c->line_len = 0;
	c->max_line = 0;
	md = mime_downgrade_create(collect_out, c);
	while (cp < end) {
		nl = memchr(cp, '\n', (size_t) (end - cp));
		len = nl ? (size_t) (nl - cp) : (size_t) (end - cp);
		if (piece == 0 || len == 0) {
			mime_downgrade_line(md, cp, len, 0);
		} else {
			for (n = 0; n < len; n += piece)
				mime_downgrade_line(md, cp + n, len - n > piece ?
						    piece : len - n,
						    n + piece < len);
		}
		cp += len + (nl != NULL);
	}
	mime_downgrade_finish(md);
	assert_false(c->bad_piece);
}

static void
check(const char *in, const char *want)
{
	static const size_t pieces[] = {0, 1, 2, 3, 7, 64, 1023, 1024, 1025};
	COLLECT c;
	size_t  i;

	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		run(&c, in, strlen(in), pieces[i]);
		if (strcmp(vstring_str(c.buf), want) != 0)
			fail_msg("piece size %zu: got:\n%s\nwant:\n%s", pieces[i],
				 vstring_str(c.buf), want);
		vstring_free(c.buf);
	}
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return (ch - '0');
	if (ch >= 'A' && ch <= 'F')
		return (ch - 'A' + 10);
	return (-1);
}

/*
 * Decode quoted-printable lines (separated by "\n") as quopri does:
 * trailing white space is dropped, '=' at the end joins lines, =XX is a
 * byte. Strict about what we must produce: fails on lowercase hex, on
 * lines over 76, and on bare '=' or 8-bit bytes.
 */
static void
qp_decode(VSTRING *out, const char *in, size_t len)
{
	const char *cp = in;
	const char *end = in + len;
	const char *nl;
	size_t  n;
	size_t  i;
	int     hi, lo;

	VSTRING_RESET(out);
	while (cp < end) {
		nl = memchr(cp, '\n', (size_t) (end - cp));
		n = nl ? (size_t) (nl - cp) : (size_t) (end - cp);
		assert_true(n <= 76);
		assert_false(n > 0 && (cp[n - 1] == ' ' || cp[n - 1] == '\t'));
		for (i = 0; i < n; i++) {
			assert_true((unsigned char) cp[i] < 0x80);
			if (cp[i] != '=') {
				vstring_addch(out, cp[i]);
			} else if (i + 1 == n) {
				break;		/* soft line break */
			} else {
				assert_true(i + 2 < n);
				hi = hexval(cp[i + 1]);
				lo = hexval(cp[i + 2]);
				assert_true(hi >= 0 && lo >= 0);
				vstring_addch(out, hi * 16 + lo);
				i += 2;
			}
		}
		if (i == n && nl)
			vstring_addch(out, '\n');
		cp += n + (nl != NULL);
	}
}

/* Text after the first empty line. */
static const char *
body_of(const char *msg)
{
	const char *cp = strstr(msg, "\n\n");

	assert_non_null(cp);
	return (cp + 2);
}

static void
test_simple_8bit(void **state)
{
	(void) state;
	check("From: a@example.com\n"
	      "Subject: test\n"
	      "Content-Type: text/plain; charset=utf-8\n"
	      "Content-Transfer-Encoding: 8bit\n"
	      "\n"
	      "caf\xc3\xa9 = ok\n"
	      "plain line\n",
	      "From: a@example.com\n"
	      "Subject: test\n"
	      "Content-Type: text/plain; charset=utf-8\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "MIME-Version: 1.0\n"
	      "\n"
	      "caf=C3=A9 =3D ok\n"
	      "plain line\n");
	/* MIME-Version present, CTE absent: only the CTE is added. */
	check("MIME-Version: 1.0\n"
	      "Subject: x\n"
	      "\n"
	      "\xff\n",
	      "MIME-Version: 1.0\n"
	      "Subject: x\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "=FF\n");
	/* 8-bit bytes late in the body: earlier lines are encoded too. */
	check("Subject: x\n"
	      "\n"
	      "a=b\n"
	      "\n"
	      "\xe9\n",
	      "Subject: x\n"
	      "MIME-Version: 1.0\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "a=3Db\n"
	      "\n"
	      "=E9\n");
}

static void
test_7bit_untouched(void **state)
{
	static const char *same[] = {
		/* No 8-bit byte in the body: nothing changes. */
		"Subject: x\n"
		"Content-Transfer-Encoding: 8bit\n"
		"\n"
		"a=b and a line that is longer than seventy-six characters, which is still fine\n"
		"trailing \n",
		/* Declared 7bit: left alone even with 8-bit bytes. */
		"Subject: x\n"
		"Content-Transfer-Encoding: 7bit\n"
		"\n"
		"a=b \xe9\n",
		/* base64 and quoted-printable are already 7bit. */
		"Subject: x\n"
		"Content-Type: application/octet-stream\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"AAECAwQFBgcICQ==\n",
		"Subject: x\n"
		"Content-Transfer-Encoding: Quoted-Printable\n"
		"\n"
		"caf=C3=A9\n",
		/* Unknown encodings are not touched. */
		"Subject: x\n"
		"Content-Transfer-Encoding: x-uuencode\n"
		"\n"
		"\xe9\n",
		/* 8-bit header lines pass as they are. */
		"Subject: caf\xc3\xa9\n"
		"\n"
		"plain\n",
	};
	size_t  i;

	(void) state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		check(same[i], same[i]);
}

static void
test_multipart_mixed(void **state)
{
	(void) state;
	check("MIME-Version: 1.0\n"
	      "Content-Type: multipart/mixed; boundary=\"=_b1\"\n"
	      "\n"
	      "preamble \xe9 stays\n"
	      "--=_b1\n"
	      "Content-Type: text/plain; charset=latin1\n"
	      "Content-Transfer-Encoding: 8bit\n"
	      "\n"
	      "d\xe9j\xe0 vu\n"
	      "--=_b1\n"
	      "Content-Type: text/plain\n"
	      "Content-Transfer-Encoding: 7bit\n"
	      "\n"
	      "seven=bit \n"
	      "--=_b1--\n"
	      "epilogue\n",
	      "MIME-Version: 1.0\n"
	      "Content-Type: multipart/mixed; boundary=\"=_b1\"\n"
	      "\n"
	      "preamble \xe9 stays\n"
	      "--=_b1\n"
	      "Content-Type: text/plain; charset=latin1\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "d=E9j=E0 vu\n"
	      "--=_b1\n"
	      "Content-Type: text/plain\n"
	      "Content-Transfer-Encoding: 7bit\n"
	      "\n"
	      "seven=bit \n"
	      "--=_b1--\n"
	      "epilogue\n");
	/* Unquoted boundary; a part without header; CTE before Content-Type. */
	check("Content-Transfer-Encoding: 8BIT\n"
	      "Content-Type: Multipart/Mixed; boundary=xyz (comment)\n"
	      "\n"
	      "--xyz\n"
	      "\n"
	      "\xe9t\xe9\n"
	      "--xyz  \n"
	      "Content-Type: text/plain\n"
	      "\n"
	      "ascii\n"
	      "--xyz--\n",
	      "Content-Transfer-Encoding: 7bit\n"
	      "Content-Type: Multipart/Mixed; boundary=xyz (comment)\n"
	      "MIME-Version: 1.0\n"
	      "\n"
	      "--xyz\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "=E9t=E9\n"
	      "--xyz  \n"
	      "Content-Type: text/plain\n"
	      "\n"
	      "ascii\n"
	      "--xyz--\n");
}

static void
test_nested_multipart(void **state)
{
	(void) state;
	check("MIME-Version: 1.0\n"
	      "Content-Type: multipart/mixed; boundary=outer\n"
	      "\n"
	      "--outer\n"
	      "Content-Type: multipart/alternative; boundary=\"inner\"\n"
	      "Content-Transfer-Encoding: 8bit\n"
	      "\n"
	      "--inner\n"
	      "Content-Type: text/plain\n"
	      "\n"
	      "\xc3\xa9\n"
	      "--inner\n"
	      "Content-Type: text/html\n"
	      "Content-Transfer-Encoding: binary\n"
	      "\n"
	      "<p>\xc3\xa9</p>\n"
	      "--inner--\n"
	      "--outer\n"
	      "Content-Type: text/plain\n"
	      "Content-Transfer-Encoding: 8bit\n"
	      "\n"
	      "\xc3\xa9\n"
	      "--outer--\n",
	      "MIME-Version: 1.0\n"
	      "Content-Type: multipart/mixed; boundary=outer\n"
	      "\n"
	      "--outer\n"
	      "Content-Type: multipart/alternative; boundary=\"inner\"\n"
	      "Content-Transfer-Encoding: 7bit\n"
	      "\n"
	      "--inner\n"
	      "Content-Type: text/plain\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "=C3=A9\n"
	      "--inner\n"
	      "Content-Type: text/html\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "<p>=C3=A9</p>\n"
	      "--inner--\n"
	      "--outer\n"
	      "Content-Type: text/plain\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "=C3=A9\n"
	      "--outer--\n");
	/* An outer boundary ends an inner multipart left open. */
	check("Content-Type: multipart/mixed; boundary=a\n"
	      "\n"
	      "--a\n"
	      "Content-Type: multipart/mixed; boundary=b\n"
	      "\n"
	      "--b\n"
	      "\n"
	      "\xe9\n"
	      "--a\n"
	      "\n"
	      "\xe9\n"
	      "--a--\n",
	      "Content-Type: multipart/mixed; boundary=a\n"
	      "\n"
	      "--a\n"
	      "Content-Type: multipart/mixed; boundary=b\n"
	      "\n"
	      "--b\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "=E9\n"
	      "--a\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "=E9\n"
	      "--a--\n");
}

static void
test_message_rfc822(void **state)
{
	(void) state;
	check("MIME-Version: 1.0\n"
	      "Content-Type: multipart/mixed; boundary=b\n"
	      "\n"
	      "--b\n"
	      "Content-Type: message/rfc822\n"
	      "Content-Transfer-Encoding: 8bit\n"
	      "\n"
	      "Subject: inner \xe9\n"
	      "Content-Type: text/plain\n"
	      "Content-Transfer-Encoding: 8bit\n"
	      "\n"
	      "inner \xe9\n"
	      "--b--\n",
	      "MIME-Version: 1.0\n"
	      "Content-Type: multipart/mixed; boundary=b\n"
	      "\n"
	      "--b\n"
	      "Content-Type: message/rfc822\n"
	      "Content-Transfer-Encoding: 7bit\n"
	      "\n"
	      "Subject: inner \xe9\n"
	      "Content-Type: text/plain\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "inner =E9\n"
	      "--b--\n");
	/* multipart/digest parts default to message/rfc822. */
	check("Content-Type: multipart/digest; boundary=d\n"
	      "\n"
	      "--d\n"
	      "\n"
	      "Subject: one\n"
	      "\n"
	      "\xe9\n"
	      "--d--\n",
	      "Content-Type: multipart/digest; boundary=d\n"
	      "\n"
	      "--d\n"
	      "\n"
	      "Subject: one\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "=E9\n"
	      "--d--\n");
}

static void
test_long_lines(void **state)
{
	VSTRING *in = vstring_alloc(1000);
	VSTRING *dec = vstring_alloc(1000);
	COLLECT c;
	size_t  i;
	const char *body;

	(void) state;
	/* 76 ASCII characters fit; 77 do not. */
	vstring_strcpy(in, "Subject: x\n\n\xe9\n");
	for (i = 0; i < 76; i++)
		vstring_addch(in, 'a' + (int) (i % 26));
	vstring_addch(in, '\n');
	for (i = 0; i < 77; i++)
		vstring_addch(in, 'a' + (int) (i % 26));
	vstring_addch(in, '\n');
	run(&c, vstring_str(in), vstring_len(in), 0);
	body = body_of(vstring_str(c.buf));
	assert_int_equal(c.max_line, 76);
	/* Line 2 is unchanged; line 3 breaks after 75 characters. */
	assert_memory_equal(body, "=E9\n", 4);
	assert_memory_equal(body + 4, vstring_str(in) + 14, 77);
	assert_memory_equal(body + 4 + 77, vstring_str(in) + 14 + 77, 75);
	assert_string_equal(body + 4 + 77 + 75, "=\nxy\n");
	vstring_free(c.buf);

	/* Escapes are never split, whatever the alignment. */
	for (i = 0; i < 80; i++) {
		size_t  j;

		vstring_strcpy(in, "Subject: x\n\n");
		for (j = 0; j < i; j++)
			vstring_addch(in, 'x');
		for (j = 0; j < 60; j++)
			vstring_addch(in, (j % 2) ? '\xe9' : '=');
		vstring_strcat(in, " \t");
		run(&c, vstring_str(in), vstring_len(in), i % 5);
		assert_true(c.max_line <= 76);
		body = body_of(vstring_str(c.buf));
		qp_decode(dec, body, strlen(body));
		assert_int_equal(vstring_len(dec), vstring_len(in) - 12 + 1);
		assert_memory_equal(vstring_str(dec), vstring_str(in) + 12,
				    vstring_len(in) - 12);
		vstring_free(c.buf);
	}
	vstring_free(in);
	vstring_free(dec);
}

/* A soft-broken line never continues with "--": it could be a boundary. */
static void
test_soft_break_not_boundary(void **state)
{
	VSTRING *in = vstring_alloc(200);
	VSTRING *want = vstring_alloc(200);
	VSTRING *x75 = vstring_alloc(80);
	size_t  i;

	(void) state;
	for (i = 0; i < 75; i++)
		vstring_addch(x75, 'x');
	vstring_sprintf(in, "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n"
			"%s--b\xe9\n--b--\n", vstring_str(x75));
	vstring_sprintf(want, "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
			"Content-Transfer-Encoding: quoted-printable\n\n"
			"%s=\n=2D-b=E9\n--b--\n", vstring_str(x75));
	check(vstring_str(in), vstring_str(want));
	vstring_free(in);
	vstring_free(want);
	vstring_free(x75);
}

static void
test_trailing_space_and_equals(void **state)
{
	(void) state;
	check("Subject: x\n"
	      "\n"
	      "\xe9 \n"
	      "tab\t\n"
	      "two  \n"
	      "a = b==\n"
	      " \n"
	      "\t\r\x01\x7f\n",
	      "Subject: x\n"
	      "MIME-Version: 1.0\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "=E9=20\n"
	      "tab=09\n"
	      "two =20\n"
	      "a =3D b=3D=3D\n"
	      "=20\n"
	      "\t=0D=01=7F\n");
}

/* All byte values, in lines of every length: decoding gives them back. */
static void
test_round_trip(void **state)
{
	VSTRING *in = vstring_alloc(70000);
	VSTRING *dec = vstring_alloc(70000);
	VSTRING *want = vstring_alloc(70000);
	COLLECT c;
	const char *body;
	unsigned seed = 12345;
	size_t  len;
	size_t  i;
	size_t  piece;
	int     ch;

	(void) state;
	vstring_strcpy(in, "Subject: x\nContent-Transfer-Encoding: binary\n\n");
	for (len = 0; len < 300; len++) {
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			ch = (int) ((seed >> 16) & 0xff);
			if (ch == '\n')
				ch = ' ';
			if (ch >= 0x80 && (seed & 0x100))
				ch = 'a' + (ch & 15);
			vstring_addch(in, ch);
			vstring_addch(want, ch);
		}
		vstring_addch(in, '\n');
		vstring_addch(want, '\n');
	}
	for (piece = 0; piece < 9; piece += 4) {
		run(&c, vstring_str(in), vstring_len(in), piece);
		assert_true(c.max_line <= 76);
		body = body_of(vstring_str(c.buf));
		assert_non_null(strstr(vstring_str(c.buf),
				"Content-Transfer-Encoding: quoted-printable\n"));
		qp_decode(dec, body, strlen(body));
		assert_int_equal(vstring_len(dec), vstring_len(want));
		assert_memory_equal(vstring_str(dec), vstring_str(want),
				    vstring_len(want));
		vstring_free(c.buf);
	}
	vstring_free(in);
	vstring_free(dec);
	vstring_free(want);
}

/* Folded fields stay folded; a folded CTE field is replaced whole. */
static void
test_header_folding(void **state)
{
	(void) state;
	check("Subject: a\n"
	      " folded subject\n"
	      "Content-Type: multipart/mixed;\n"
	      "\tboundary=\n"
	      "  \"folded\"\n"
	      "\n"
	      "--folded\n"
	      "Content-Type: text/plain;\n"
	      " charset=utf-8\n"
	      "Content-Transfer-Encoding:\n"
	      " 8bit\n"
	      "X-After: 1\n"
	      "\n"
	      "\xc3\xa9\n"
	      "--folded--\n",
	      "Subject: a\n"
	      " folded subject\n"
	      "Content-Type: multipart/mixed;\n"
	      "\tboundary=\n"
	      "  \"folded\"\n"
	      "\n"
	      "--folded\n"
	      "Content-Type: text/plain;\n"
	      " charset=utf-8\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "X-After: 1\n"
	      "\n"
	      "=C3=A9\n"
	      "--folded--\n");
}

static void
test_no_body(void **state)
{
	(void) state;
	check("Subject: only a header\n"
	      "Content-Transfer-Encoding: 8bit\n",
	      "Subject: only a header\n"
	      "Content-Transfer-Encoding: 8bit\n");
	check("Subject: \xe9\n"
	      "\n",
	      "Subject: \xe9\n"
	      "\n");
	check("", "");
	/* A part that ends right after its header. */
	check("Content-Type: multipart/mixed; boundary=b\n"
	      "\n"
	      "--b\n"
	      "Content-Type: text/plain\n"
	      "--b--\n",
	      "Content-Type: multipart/mixed; boundary=b\n"
	      "\n"
	      "--b\n"
	      "Content-Type: text/plain\n"
	      "--b--\n");
}

/* Pieces split anywhere, also inside escapes and boundaries. */
static void
test_continuation_pieces(void **state)
{
	VSTRING *in = vstring_alloc(5000);
	COLLECT c;
	size_t  i;

	(void) state;
	/* check() already runs every case in pieces; add one huge line. */
	vstring_strcpy(in, "Subject: x\n\n");
	for (i = 0; i < 3000; i++)
		vstring_addch(in, (i % 100) == 99 ? '\xe9' : 'a');
	vstring_addch(in, '\n');
	run(&c, vstring_str(in), vstring_len(in), 0);
	{
		COLLECT c2;

		run(&c2, vstring_str(in), vstring_len(in), 500);
		assert_string_equal(vstring_str(c.buf), vstring_str(c2.buf));
		vstring_free(c2.buf);
	}
	assert_true(c.max_line <= 76);
	vstring_free(c.buf);
	vstring_free(in);
}

/* A body too long to hold back is converted without waiting. */
static void
test_bounded_hold(void **state)
{
	VSTRING *in = vstring_alloc(300000);
	COLLECT c;
	size_t  i;

	(void) state;
	vstring_strcpy(in, "Subject: x\n\n");
	for (i = 0; i < 3000; i++)
		vstring_strcat(in, "0123456789012345678901234567890123456789=\n");
	run(&c, vstring_str(in), vstring_len(in), 0);
	assert_non_null(strstr(vstring_str(c.buf),
			       "Content-Transfer-Encoding: quoted-printable\n"));
	assert_non_null(strstr(vstring_str(c.buf), "789=3D\n"));
	vstring_free(c.buf);

	/* A header too long to hold passes unchanged, body included. */
	vstring_strcpy(in, "");
	for (i = 0; i < 3000; i++)
		vstring_strcat(in, "X-Filler: 0123456789012345678901234567890123456789\n");
	vstring_strcat(in, "\n\xe9\n");
	run(&c, vstring_str(in), vstring_len(in), 0);
	assert_string_equal(vstring_str(c.buf), vstring_str(in));
	vstring_free(c.buf);
	vstring_free(in);
}

static void
test_needed(void **state)
{
	(void) state;
	assert_int_equal(mime_downgrade_needed("abc", 3), 0);
	assert_int_equal(mime_downgrade_needed("a\0c", 3), 0);
	assert_int_equal(mime_downgrade_needed("a\x80", 2), 1);
	assert_int_equal(mime_downgrade_needed("\xff", 1), 1);
	assert_int_equal(mime_downgrade_needed("\xff", 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_8bit),
		cmocka_unit_test(test_7bit_untouched),
		cmocka_unit_test(test_multipart_mixed),
		cmocka_unit_test(test_nested_multipart),
		cmocka_unit_test(test_message_rfc822),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_soft_break_not_boundary),
		cmocka_unit_test(test_trailing_space_and_equals),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_header_folding),
		cmocka_unit_test(test_no_body),
		cmocka_unit_test(test_continuation_pieces),
		cmocka_unit_test(test_bounded_hold),
		cmocka_unit_test(test_needed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
