/*
 * addr_tok - RFC 5322 address tokens, shared by smtp_path and addr_list
 *
 * See addr_tok.h. The tokenizer never gives up: it records the first
 * problem and carries on, so a header parser can still recover the
 * addresses after a bad one. The mailbox parser is where lenient and
 * strict (RFC 5321) grammar part ways.
 */
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "addr_tok.h"

#define IS_WSP(c)	((c) == ' ' || (c) == '\t')
#define IS_CTRL(c)	((c) < 0x20 || (c) == 0x7f)
#define IS_SPECIAL(c)	(strchr("()<>[]:;@\\,.\"", (c)) != NULL)
#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define IS_ALPHA(c)	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_LDH(c)	(IS_ALPHA(c) || IS_DIGIT(c) || (c) == '-')

int
addr_tok_atext(int ch)
{
	return (IS_ALPHA(ch) || IS_DIGIT(ch)
		|| (ch != 0 && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL));
}

int
addr_tok_utf8_ok(const char *str, size_t len)
{
	const unsigned char *cp = (const unsigned char *) str;
	const unsigned char *end = cp + len;
	unsigned long cpt;
	size_t  more;
	size_t  i;

	while (cp < end) {
		if (*cp < 0x80) {
			cp++;
			continue;
		}
		if (*cp >= 0xc2 && *cp <= 0xdf) {
			more = 1;
			cpt = *cp & 0x1f;
		} else if (*cp >= 0xe0 && *cp <= 0xef) {
			more = 2;
			cpt = *cp & 0x0f;
		} else if (*cp >= 0xf0 && *cp <= 0xf4) {
			more = 3;
			cpt = *cp & 0x07;
		} else {
			return (0);
		}
		if ((size_t) (end - cp) <= more)
			return (0);
		for (i = 1; i <= more; i++) {
			if ((cp[i] & 0xc0) != 0x80)
				return (0);
			cpt = (cpt << 6) | (cp[i] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF. */
		if ((more == 2 && cpt < 0x800) || (more == 3 && cpt < 0x10000)
		    || (cpt >= 0xd800 && cpt <= 0xdfff) || cpt > 0x10ffff)
			return (0);
		cp += more + 1;
	}
	return (1);
}

ADDR_TOKS *
addr_tok_alloc(void)
{
	ADDR_TOKS *toks = mycalloc(1, sizeof(*toks));

	toks->size = 8;
	toks->tok = mymalloc_array(toks->size, sizeof(ADDR_TOK));
	return (toks);
}

static void
addr_tok_reset(ADDR_TOKS *toks)
{
	size_t  i;

	for (i = 0; i < toks->len; i++)
		myfree(toks->tok[i].text);
	toks->len = 0;
	toks->trailing_space = 0;
}

void
addr_tok_free(ADDR_TOKS *toks)
{
	addr_tok_reset(toks);
	myfree(toks->tok);
	myfree(toks);
}

static void
add_token(ADDR_TOKS *toks, int type, int flags, const char *text, size_t len)
{
	ADDR_TOK *tp;

	if (toks->len == toks->size) {
		toks->size *= 2;
		toks->tok = myrealloc_array(toks->tok, toks->size, sizeof(ADDR_TOK));
	}
	tp = toks->tok + toks->len++;
	tp->type = type;
	tp->flags = flags;
	tp->text = mystrndup(text, len);
	tp->len = len;
}

/* Tokenizer state: one pass over str[0..len). */
typedef struct {
	const unsigned char *str;
	size_t	len;
	size_t	pos;
	int	fold;
	VSTRING *why;
	int	err;
} TOK_STATE;

static void
tok_error(TOK_STATE *ts, const char *text)
{
	if (ts->err == 0 && ts->why)
		vstring_strcpy(ts->why, text);
	ts->err = -1;
}

/* A byte allowed inside quotes, comments and literals; errors otherwise. */
static int
inner_byte_ok(TOK_STATE *ts, int c)
{
	if (IS_CTRL(c) && c != '\t' && !(ts->fold && (c == '\r' || c == '\n'))) {
		tok_error(ts, "control character in address");
		return (0);
	}
	return (1);
}

/*
 * Scan a quoted string, comment or domain literal starting at the opening
 * character. Text goes to buf as described in addr_tok.h; returns flags.
 */
static int
scan_enclosed(TOK_STATE *ts, int open, int close, VSTRING *buf)
{
	int     depth = 1;
	int     flags = 0;
	int     c;

	VSTRING_RESET(buf);
	if (open == '[')
		vstring_addch(buf, '[');
	ts->pos++;
	while (ts->pos < ts->len) {
		c = ts->str[ts->pos++];
		if (c >= 0x80)
			flags |= ADDR_TOK_FLAG_8BIT;
		if (c == '\\') {
			if (ts->pos >= ts->len)
				break;
			c = ts->str[ts->pos++];
			if (c >= 0x80)
				flags |= ADDR_TOK_FLAG_8BIT;
			if (!inner_byte_ok(ts, c))
				continue;
			/* Literals and comments keep their text as written. */
			if (open != '"')
				vstring_addch(buf, '\\');
			vstring_addch(buf, c);
			continue;
		}
		if (!inner_byte_ok(ts, c))
			continue;
		if (open == '(' && c == '(') {
			depth++;
		} else if (c == close && --depth == 0) {
			if (close == ']')
				vstring_addch(buf, ']');
			return (flags);
		} else if (open == '[' && c == '[') {
			tok_error(ts, "'[' inside an address literal");
		}
		vstring_addch(buf, c);
	}
	tok_error(ts, open == '"' ? "unterminated quoted string" :
		  open == '(' ? "unterminated comment" :
		  "unterminated address literal");
	return (flags | ADDR_TOK_FLAG_OPEN);
}

int
addr_tok_parse(ADDR_TOKS *toks, const char *str, size_t len, int flags,
	               VSTRING *why)
{
	TOK_STATE ts;
	VSTRING *buf = vstring_alloc(32);
	int     space = 0;
	int     tflags;
	int     c;

	addr_tok_reset(toks);
	ts.str = (const unsigned char *) str;
	ts.len = len;
	ts.pos = 0;
	ts.fold = (flags & ADDR_TOK_PARSE_FOLD) != 0;
	ts.why = why;
	ts.err = 0;
	while (ts.pos < len) {
		c = ts.str[ts.pos];
		if (IS_WSP(c) || (ts.fold && (c == '\r' || c == '\n'))) {
			space = 1;
			ts.pos++;
			continue;
		}
		if (IS_CTRL(c)) {
			tok_error(&ts, "control character in address");
			ts.pos++;
			continue;
		}
		tflags = space ? ADDR_TOK_FLAG_SPACE : 0;
		space = 0;
		if (c == '"') {
			tflags |= scan_enclosed(&ts, '"', '"', buf);
			add_token(toks, ADDR_TOK_QSTRING, tflags, vstring_str(buf),
				  vstring_len(buf));
			continue;
		}
		if (c == '(') {
			tflags |= scan_enclosed(&ts, '(', ')', buf);
			add_token(toks, ADDR_TOK_COMMENT, tflags, vstring_str(buf),
				  vstring_len(buf));
			continue;
		}
		if (c == '[') {
			tflags |= scan_enclosed(&ts, '[', ']', buf);
			add_token(toks, ADDR_TOK_DLITERAL, tflags, vstring_str(buf),
				  vstring_len(buf));
			continue;
		}
		if (c != '\\' && IS_SPECIAL(c)) {
			add_token(toks, c, tflags, (const char *) ts.str + ts.pos, 1);
			ts.pos++;
			continue;
		}
		/* An atom; a backslash makes the next byte part of it. */
		VSTRING_RESET(buf);
		while (ts.pos < len) {
			c = ts.str[ts.pos];
			if (c == '\\') {
				tflags |= ADDR_TOK_FLAG_ESCAPED;
				if (++ts.pos >= len) {
					tok_error(&ts, "backslash at end of address");
					break;
				}
				c = ts.str[ts.pos];
				if (IS_CTRL(c)) {
					tok_error(&ts, "control character in address");
					ts.pos++;
					continue;
				}
			} else if (IS_WSP(c) || IS_CTRL(c) || IS_SPECIAL(c)) {
				break;
			}
			if (c >= 0x80)
				tflags |= ADDR_TOK_FLAG_8BIT;
			vstring_addch(buf, c);
			ts.pos++;
		}
		if (vstring_len(buf) > 0)
			add_token(toks, ADDR_TOK_ATOM, tflags, vstring_str(buf),
				  vstring_len(buf));
	}
	toks->trailing_space = space;
	vstring_free(buf);
	return (ts.err);
}

/* ---- mailbox grammar --------------------------------------------------- */

typedef struct {
	const ADDR_TOK **t;		/* tokens without comments */
	size_t	n;
	size_t	p;
	int	strict;
	VSTRING *why;
} MBOX_STATE;

static int
mbox_error(MBOX_STATE *ms, const char *text)
{
	if (ms->why)
		vstring_strcpy(ms->why, text);
	return (-1);
}

#define TYPE_AT(ms, i)	((i) < (ms)->n ? (ms)->t[i]->type : 0)

/* 1 when inner (without brackets) is a valid RFC 5321 address literal. */
static int
literal_strict_ok(const char *inner, size_t len)
{
	struct in6_addr a6;
	char    tmp[64];
	size_t  i;
	int     parts = 0;
	int     digits = 0;
	int     value = 0;

	if (len > 5 && strncasecmp(inner, "IPv6:", 5) == 0) {
		if (len - 5 >= sizeof(tmp))
			return (0);
		memcpy(tmp, inner + 5, len - 5);
		tmp[len - 5] = 0;
		return (inet_pton(AF_INET6, tmp, &a6) == 1);
	}
	if (len > 0 && IS_DIGIT((unsigned char) inner[0])) {
		/* IPv4: four decimal parts 0..255, no leading zeros. */
		for (i = 0; i <= len; i++) {
			if (i < len && IS_DIGIT((unsigned char) inner[i])) {
				if ((digits > 0 && value == 0) || ++digits > 3)
					return (0);
				value = value * 10 + inner[i] - '0';
			} else if (i == len || inner[i] == '.') {
				if (digits == 0 || value > 255 || ++parts > 4)
					return (0);
				digits = value = 0;
			} else {
				return (0);
			}
		}
		return (parts == 4);
	}
	/* General-address-literal: Ldh-str ":" 1*dcontent. */
	for (i = 0; i < len && IS_LDH((unsigned char) inner[i]); i++)
		 /* void */ ;
	if (i == 0 || i + 1 >= len || inner[i] != ':' || inner[i - 1] == '-')
		return (0);
	/* The content was checked by literal_char_ok(). */
	return (1);
}

/* A byte allowed inside an address literal (dtext, and never '@'). */
static int
literal_char_ok(int c)
{
	/* No '@': the internal form splits at the last '@'. */
	return (c >= 33 && c <= 126 && strchr("\\@[]", c) == NULL);
}

/* A byte allowed in a domain label (lenient also allows '_'). */
static int
domain_char_ok(int c, int strict)
{
	return (IS_LDH(c) || c >= 0x80 || (!strict && c == '_'));
}

/* Parse a domain at ms->p into dom (appended); 0 or -1. */
static int
mbox_domain(MBOX_STATE *ms, VSTRING *dom)
{
	const ADDR_TOK *tp;
	const char *cp;
	size_t  i;
	int     prev = 0;

	if (TYPE_AT(ms, ms->p) == ADDR_TOK_DLITERAL) {
		tp = ms->t[ms->p++];
		if (tp->flags & ADDR_TOK_FLAG_OPEN)
			return (mbox_error(ms, "unterminated address literal"));
		for (i = 1; i + 1 < tp->len; i++)
			if (!literal_char_ok((unsigned char) tp->text[i]))
				return (mbox_error(ms, "invalid character in address literal"));
		if (tp->len < 3
		    || (ms->strict && !literal_strict_ok(tp->text + 1, tp->len - 2)))
			return (mbox_error(ms, "invalid address literal"));
		vstring_strcat(dom, tp->text);
		return (0);
	}
	for (; TYPE_AT(ms, ms->p) == ADDR_TOK_ATOM || TYPE_AT(ms, ms->p) == '.';
	     ms->p++) {
		tp = ms->t[ms->p];
		if (tp->type == '.') {
			if (ms->strict && prev != ADDR_TOK_ATOM)
				return (mbox_error(ms, "empty domain label"));
			vstring_addch(dom, '.');
			prev = '.';
			continue;
		}
		if (prev == ADDR_TOK_ATOM || (tp->flags & ADDR_TOK_FLAG_ESCAPED))
			return (mbox_error(ms, "invalid domain"));
		for (cp = tp->text; *cp; cp++)
			if (!domain_char_ok((unsigned char) *cp, ms->strict))
				return (mbox_error(ms, "invalid character in domain"));
		/* RFC 5321 sub-domain: letter/digit at both ends. */
		if (ms->strict && (tp->text[0] == '-' || tp->text[tp->len - 1] == '-'))
			return (mbox_error(ms, "domain label starts or ends with '-'"));
		vstring_strcat(dom, tp->text);
		prev = ADDR_TOK_ATOM;
	}
	if (prev == 0)
		return (mbox_error(ms, ms->p < ms->n ? "invalid domain" :
				   "empty domain"));
	if (ms->strict && prev == '.')
		return (mbox_error(ms, "domain ends in '.'"));
	return (0);
}

/* Skip "@dom,@dom:"; 0 or -1. */
static int
mbox_route(MBOX_STATE *ms)
{
	VSTRING *junk = vstring_alloc(32);
	int     ret = -1;

	for (;;) {
		if (TYPE_AT(ms, ms->p) != '@')
			break;
		ms->p++;
		if (mbox_domain(ms, junk) < 0)
			break;
		if (TYPE_AT(ms, ms->p) == ',') {
			ms->p++;
			continue;
		}
		if (TYPE_AT(ms, ms->p) == ':') {
			ms->p++;
			ret = 0;
		}
		break;
	}
	vstring_free(junk);
	if (ret < 0)
		mbox_error(ms, "malformed source route");
	return (ret);
}

/* Parse the local part into local; 0 or -1. */
static int
mbox_local(MBOX_STATE *ms, VSTRING *local)
{
	const ADDR_TOK *tp;
	size_t  start = ms->p;
	int     prev = 0;

	for (; TYPE_AT(ms, ms->p) == ADDR_TOK_ATOM || TYPE_AT(ms, ms->p) == '.'
	     || TYPE_AT(ms, ms->p) == ADDR_TOK_QSTRING; ms->p++) {
		tp = ms->t[ms->p];
		if (tp->flags & ADDR_TOK_FLAG_OPEN)
			return (mbox_error(ms, "unterminated quoted string"));
		if (tp->type == '.') {
			if (ms->strict && prev != ADDR_TOK_ATOM)
				return (mbox_error(ms, "misplaced '.' in local part"));
			vstring_addch(local, '.');
			prev = '.';
			continue;
		}
		if (prev == ADDR_TOK_ATOM || prev == ADDR_TOK_QSTRING)
			return (mbox_error(ms, "missing '.' between words of local part"));
		/* RFC 5321: Dot-string or one Quoted-string, not a mix. */
		if (ms->strict && tp->type == ADDR_TOK_QSTRING
		    && (ms->p != start || TYPE_AT(ms, ms->p + 1) == '.'))
			return (mbox_error(ms, "quoted string is not the whole local part"));
		if (ms->strict && (tp->flags & ADDR_TOK_FLAG_ESCAPED))
			return (mbox_error(ms, "backslash outside quotes"));
		vstring_memcat(local, tp->text, tp->len);
		prev = tp->type;
	}
	if (ms->strict && prev == '.')
		return (mbox_error(ms, "local part ends in '.'"));
	if (vstring_len(local) == 0)
		return (mbox_error(ms, "empty local part"));
	return (0);
}

static int
has_8bit(const char *str, size_t len)
{
	size_t  i;

	for (i = 0; i < len; i++)
		if ((unsigned char) str[i] >= 0x80)
			return (1);
	return (0);
}

int
addr_tok_mailbox(const ADDR_TOKS *toks, size_t start, size_t end, int flags,
		         VSTRING *addr, int *info, VSTRING *why)
{
	MBOX_STATE ms;
	VSTRING *dom = vstring_alloc(32);
	int     have_domain = 0;
	int     dummy;
	int     ret = -1;
	size_t  i;

	if (info == NULL)
		info = &dummy;
	*info = 0;
	VSTRING_RESET(addr);
	if (end > toks->len || start > end)
		msg_panic("addr_tok_mailbox: bad range %zu..%zu of %zu",
			  start, end, toks->len);
	ms.t = mymalloc_array(end - start + 1, sizeof(*ms.t));
	ms.n = ms.p = 0;
	ms.strict = (flags & ADDR_TOK_MBOX_STRICT) != 0;
	ms.why = why;
	for (i = start; i < end; i++) {
		if (toks->tok[i].type == ADDR_TOK_COMMENT) {
			if (ms.strict) {
				mbox_error(&ms, "comment not allowed");
				goto done;
			}
			continue;
		}
		if (ms.strict && ms.n > 0
		    && (toks->tok[i].flags & ADDR_TOK_FLAG_SPACE)) {
			mbox_error(&ms, "whitespace inside address");
			goto done;
		}
		ms.t[ms.n++] = toks->tok + i;
	}
	if (ms.n == 0) {
		mbox_error(&ms, "empty address");
		goto done;
	}
	if (TYPE_AT(&ms, 0) == '@') {
		if (mbox_route(&ms) < 0)
			goto done;
		*info |= ADDR_TOK_INFO_ROUTE;
	}
	if (mbox_local(&ms, addr) < 0)
		goto done;
	if (TYPE_AT(&ms, ms.p) == '@') {
		ms.p++;
		if (mbox_domain(&ms, dom) < 0)
			goto done;
		have_domain = 1;
	} else if (flags & ADDR_TOK_MBOX_NEED_DOMAIN) {
		mbox_error(&ms, "missing domain");
		goto done;
	} else if (memchr(vstring_str(addr), '@', vstring_len(addr)) != NULL) {
		/* Unquoted, <"a@b"> would turn into user a at domain b. */
		mbox_error(&ms, "'@' in local part without domain");
		goto done;
	}
	if (ms.p < ms.n) {
		if (why)
			vstring_sprintf(why, "unexpected '%.20s' after address",
					ms.t[ms.p]->text);
		goto done;
	}
	/* Quoted strings may hold HTAB (and folding in headers): not here. */
	for (i = 0; i < vstring_len(addr); i++) {
		if ((unsigned char) vstring_str(addr)[i] < 0x20) {
			mbox_error(&ms, "control character in address");
			goto done;
		}
	}
	if (has_8bit(vstring_str(addr), vstring_len(addr))
	    || has_8bit(vstring_str(dom), vstring_len(dom))) {
		if ((flags & ADDR_TOK_MBOX_UTF8) == 0) {
			mbox_error(&ms, "non-ASCII address without SMTPUTF8");
			goto done;
		}
		if (!addr_tok_utf8_ok(vstring_str(addr), vstring_len(addr))
		    || !addr_tok_utf8_ok(vstring_str(dom), vstring_len(dom))) {
			mbox_error(&ms, "malformed UTF-8 in address");
			goto done;
		}
		*info |= ADDR_TOK_INFO_8BIT;
	}
	if (have_domain) {
		vstring_addch(addr, '@');
		vstring_memcat(addr, vstring_str(dom), vstring_len(dom));
	}
	ret = 0;
done:
	if (ret < 0)
		VSTRING_RESET(addr);
	myfree(ms.t);
	vstring_free(dom);
	return (ret);
}
