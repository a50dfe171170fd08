/*
 * mime_downgrade - 8bit to 7bit conversion for servers without 8BITMIME
 *
 *	mime_downgrade_create() makes a converter that writes through an
 *	output function; mime_downgrade_line() feeds one input line or piece
 *	of one; mime_downgrade_finish() flushes and frees;
 *	mime_downgrade_needed() says whether content holds 8-bit bytes.
 *
 * How it works: every line is classified from its first MD_HEAD_MAX
 * bytes (enough to see any boundary we accept), then its pieces go where
 * the current state says. Per MIME part:
 *
 *	the header is buffered (as the pieces came) until its end, so that
 *	the Content-Transfer-Encoding field can be replaced in place;
 *	a multipart or message/rfc822 part pushes a nesting level (its
 *	8bit or binary CTE becomes 7bit, as its content will be);
 *	a leaf part declared 8bit, binary or nothing is held back (header
 *	and body) until a body byte >= 0x80 shows up: then its header is
 *	written with "Content-Transfer-Encoding: quoted-printable" and the
 *	body goes through the quoted-printable encoder from there on; if
 *	the part ends first, it is written unchanged;
 *	any other part passes unchanged.
 *
 * Memory is bounded: the held-back part is capped at MD_PENDING_MAX. A
 * header beyond it is written unchanged (its part then cannot be
 * converted); a body beyond it is converted without waiting for an 8-bit
 * byte (quoted-printable is valid for 7-bit text too). Nesting deeper
 * than MD_NESTING_MAX is passed as opaque content.
 *
 * Errors: none; malformed MIME is passed through as well as it parses.
 */
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "mime_downgrade.h"

#define MD_HEAD_MAX	1024		/* line start kept to classify it */
#define MD_FIELD_MAX	8192		/* header field text kept to parse it */
#define MD_PENDING_MAX	(100 * 1024)	/* held-back header and body */
#define MD_BOUNDARY_MAX	256		/* RFC 2046 says 70 */
#define MD_NESTING_MAX	100		/* Postfix's mime_nesting_limit */
#define QP_LINE_MAX	76		/* RFC 2045 6.7 (5) */

typedef enum {
	MD_CTE_NONE,
	MD_CTE_7BIT,
	MD_CTE_8BIT,
	MD_CTE_BINARY,
	MD_CTE_QP,
	MD_CTE_BASE64,
	MD_CTE_OTHER,
} MD_CTE;

typedef enum {
	MD_TYPE_LEAF,
	MD_TYPE_MULTIPART,
	MD_TYPE_MESSAGE,
} MD_TYPE;

typedef enum {
	MD_STATE_HEADER,
	MD_STATE_BODY,
} MD_STATE;

typedef enum {
	MD_BODY_PASS,			/* unchanged */
	MD_BODY_HOLD,			/* held back, no 8-bit byte seen yet */
	MD_BODY_QP,			/* being encoded */
} MD_BODY;

typedef enum {
	MD_LINE_PASS,			/* boundary line: unchanged */
	MD_LINE_HEADER,			/* header field or its continuation */
	MD_LINE_BODY,			/* part content */
} MD_LINE;

typedef struct {
	MD_TYPE type;			/* MULTIPART or MESSAGE */
	char   *boundary;		/* MULTIPART */
	size_t  blen;
	int     digest;			/* multipart/digest */
} MD_LEVEL;

/* Where a Content-Transfer-Encoding field sits in the held-back header. */
typedef struct {
	size_t  start;
	size_t  end;
} MD_SPAN;

/* What a held-back record looks like in front of its bytes. */
typedef struct {
	size_t  len;
	int     is_cont;
} MD_REC;

struct MIME_DOWNGRADE {
	MIME_DOWNGRADE_OUT out;
	void   *ctx;
	/* Line classification. */
	VSTRING *head;			/* start of a line not yet classified */
	int     in_line;		/* line classified, more pieces follow */
	MD_LINE line;			/* its kind */
	/* Nesting. */
	MD_LEVEL *levels;
	size_t  depth;
	size_t  size;
	/* The current part. */
	MD_STATE state;
	MD_BODY body;
	int     top;			/* the message itself */
	MD_TYPE type;			/* from Content-Type (or default) */
	int     digest;
	VSTRING *boundary;
	MD_CTE  cte;
	int     mime_version;		/* top level has MIME-Version: */
	VSTRING *field;			/* current header field, unfolded */
	int     field_active;
	size_t  field_start;		/* its offset in pending */
	VSTRING *pending;		/* held-back records */
	int     overflow;		/* header was too long to hold */
	size_t  hdr_end;		/* header records end here in pending */
	int     hdr_blank;		/* header ended with an empty line */
	MD_SPAN *spans;			/* CTE fields in pending */
	size_t  nspans;
	size_t  spans_size;
	/* Quoted-printable encoder. */
	VSTRING *qp_line;		/* output line under construction */
	int     qp_held;		/* last input byte, not yet encoded */
};

/* mime_downgrade_needed - whether text holds a byte >= 0x80 */

int
mime_downgrade_needed(const char *text, size_t len)
{
	const unsigned char *cp = (const unsigned char *) text;
	size_t  i;

	for (i = 0; i < len; i++)
		if (cp[i] >= 0x80)
			return (1);
	return (0);
}

/* Quoted-printable encoder, RFC 2045 6.7. */

/* Append one encoded token, breaking the line first when it will not fit. */
static void
md_qp_token(MIME_DOWNGRADE *md, const char *tok, size_t len, int last)
{
	/* A token that is not the last of its line must leave room for '='. */
	size_t  limit = last ? QP_LINE_MAX : QP_LINE_MAX - 1;

	if (vstring_len(md->qp_line) + len > limit) {
		vstring_addch(md->qp_line, '=');
		md->out(md->ctx, vstring_str(md->qp_line),
			vstring_len(md->qp_line), 0);
		VSTRING_RESET(md->qp_line);
		/* A continued line must not look like a boundary ("--"). */
		if (len == 1 && tok[0] == '-') {
			tok = "=2D";
			len = 3;
		}
	}
	vstring_memcat(md->qp_line, tok, len);
}

static void
md_qp_byte(MIME_DOWNGRADE *md, int ch, int last)
{
	static const char hex[] = "0123456789ABCDEF";
	char    tok[3];

	if ((ch > 32 && ch < 127 && ch != '=')
	    || ((ch == ' ' || ch == '\t') && !last)) {
		tok[0] = (char) ch;
		md_qp_token(md, tok, 1, last);
	} else {
		tok[0] = '=';
		tok[1] = hex[(ch >> 4) & 15];
		tok[2] = hex[ch & 15];
		md_qp_token(md, tok, 3, last);
	}
}

/*
 * Encode a piece of a line. The last byte is held until we know whether
 * it ends the line: white space there must be encoded, and the last token
 * of a line may use the column that a soft break would need.
 */
static void
md_qp_piece(MIME_DOWNGRADE *md, const char *text, size_t len, int is_cont)
{
	const unsigned char *cp = (const unsigned char *) text;
	size_t  i;

	for (i = 0; i < len; i++) {
		if (md->qp_held >= 0)
			md_qp_byte(md, md->qp_held, 0);
		md->qp_held = cp[i];
	}
	if (!is_cont) {
		if (md->qp_held >= 0)
			md_qp_byte(md, md->qp_held, 1);
		md->qp_held = -1;
		md->out(md->ctx, vstring_str(md->qp_line),
			vstring_len(md->qp_line), 0);
		VSTRING_RESET(md->qp_line);
	}
}

/* Held-back records. */

static void
md_hold(MIME_DOWNGRADE *md, const char *text, size_t len, int is_cont)
{
	MD_REC  rec;

	rec.len = len;
	rec.is_cont = is_cont;
	vstring_memcat(md->pending, &rec, sizeof(rec));
	vstring_memcat(md->pending, text, len);
}

/* The record at *off; advances *off past it. */
static const char *
md_record(MIME_DOWNGRADE *md, size_t *off, MD_REC *rec)
{
	const char *data;

	if (*off + sizeof(*rec) > vstring_len(md->pending))
		msg_panic("mime_downgrade: bad record offset %zu", *off);
	memcpy(rec, vstring_str(md->pending) + *off, sizeof(*rec));
	data = vstring_str(md->pending) + *off + sizeof(*rec);
	*off += sizeof(*rec) + rec->len;
	return (data);
}

static void
md_out_str(MIME_DOWNGRADE *md, const char *str)
{
	md->out(md->ctx, str, strlen(str), 0);
}

/*
 * Write the held-back header; with new_cte, its CTE field(s) become one
 * with that value (added when there was none).
 */
static void
md_write_header(MIME_DOWNGRADE *md, const char *new_cte, int add_blank)
{
	VSTRING *buf = vstring_alloc(64);
	size_t  off = 0;
	size_t  span = 0;
	MD_REC  rec;
	const char *data;

	if (new_cte)
		vstring_sprintf(buf, "Content-Transfer-Encoding: %s", new_cte);
	while (off < md->hdr_end) {
		if (new_cte && span < md->nspans && off == md->spans[span].start) {
			if (span == 0)
				md_out_str(md, vstring_str(buf));
			off = md->spans[span++].end;
			continue;
		}
		data = md_record(md, &off, &rec);
		md->out(md->ctx, data, rec.len, rec.is_cont);
	}
	if (new_cte) {
		if (md->top && !md->mime_version)
			md_out_str(md, "MIME-Version: 1.0");
		if (md->nspans == 0)
			md_out_str(md, vstring_str(buf));
	}
	if (md->hdr_blank || (new_cte && add_blank))
		md_out_str(md, "");
	vstring_free(buf);
}

/* Write the held-back body records unchanged (0) or encoded (1). */
static void
md_write_body(MIME_DOWNGRADE *md, int encode)
{
	size_t  off = md->hdr_end;
	MD_REC  rec;
	const char *data;

	while (off < vstring_len(md->pending)) {
		data = md_record(md, &off, &rec);
		if (encode)
			md_qp_piece(md, data, rec.len, rec.is_cont);
		else
			md->out(md->ctx, data, rec.len, rec.is_cont);
	}
}

static void
md_drop_pending(MIME_DOWNGRADE *md)
{
	VSTRING_RESET(md->pending);
	md->hdr_end = 0;
	md->nspans = 0;
}

/* A new part starts in its header. */
static void
md_part_start(MIME_DOWNGRADE *md, int top, int in_digest)
{
	md->state = MD_STATE_HEADER;
	md->body = MD_BODY_PASS;
	md->top = top;
	md->type = in_digest ? MD_TYPE_MESSAGE : MD_TYPE_LEAF;
	md->digest = 0;
	VSTRING_RESET(md->boundary);
	md->cte = MD_CTE_NONE;
	md->mime_version = 0;
	VSTRING_RESET(md->field);
	md->field_active = 0;
	md->overflow = 0;
	md->hdr_blank = 0;
	md_drop_pending(md);
}

/* Header field parsing (RFC 2045 5.1, 6.1). */

static void
md_skip_cfws(const char **cpp, const char *end)
{
	const char *cp = *cpp;
	int     level = 0;

	for (; cp < end; cp++) {
		if (level > 0 && *cp == '\\' && cp + 1 < end)
			cp++;
		else if (*cp == '(')
			level++;
		else if (level > 0 && *cp == ')')
			level--;
		else if (level == 0 && *cp != ' ' && *cp != '\t'
			 && *cp != '\r' && *cp != '\n')
			break;
	}
	*cpp = cp;
}

static int
md_token(const char **cpp, const char *end, VSTRING *tok)
{
	const char *cp = *cpp;
	unsigned char ch;

	VSTRING_RESET(tok);
	for (; cp < end; cp++) {
		ch = (unsigned char) *cp;
		if (ch <= 32 || ch >= 127 || strchr("()<>@,;:\\\"/[]?=", ch))
			break;
		vstring_addch(tok, ch);
	}
	*cpp = cp;
	return (vstring_len(tok) > 0);
}

static int
md_quoted(const char **cpp, const char *end, VSTRING *val)
{
	const char *cp = *cpp + 1;

	VSTRING_RESET(val);
	for (; cp < end && *cp != '"'; cp++) {
		if (*cp == '\\' && cp + 1 < end)
			cp++;
		vstring_addch(val, *cp);
	}
	if (cp >= end)
		return (0);
	*cpp = cp + 1;
	return (1);
}

static void
md_content_type(MIME_DOWNGRADE *md, const char *cp, const char *end)
{
	VSTRING *type = vstring_alloc(32);
	VSTRING *subtype = vstring_alloc(32);
	VSTRING *attr = vstring_alloc(32);
	VSTRING *val = vstring_alloc(80);

	md->type = MD_TYPE_LEAF;
	md->digest = 0;
	VSTRING_RESET(md->boundary);
	md_skip_cfws(&cp, end);
	if (!md_token(&cp, end, type))
		goto done;
	md_skip_cfws(&cp, end);
	if (cp >= end || *cp++ != '/')
		goto done;
	md_skip_cfws(&cp, end);
	if (!md_token(&cp, end, subtype))
		goto done;
	if (strcasecmp(vstring_str(type), "multipart") == 0) {
		md->type = MD_TYPE_MULTIPART;
		md->digest = (strcasecmp(vstring_str(subtype), "digest") == 0);
	} else if (strcasecmp(vstring_str(type), "message") == 0
		   && strcasecmp(vstring_str(subtype), "rfc822") == 0) {
		md->type = MD_TYPE_MESSAGE;
	}
	for (;;) {
		md_skip_cfws(&cp, end);
		if (cp >= end || *cp++ != ';')
			break;
		md_skip_cfws(&cp, end);
		if (!md_token(&cp, end, attr))
			break;
		md_skip_cfws(&cp, end);
		if (cp >= end || *cp++ != '=')
			break;
		md_skip_cfws(&cp, end);
		if (cp < end && *cp == '"') {
			if (!md_quoted(&cp, end, val))
				break;
		} else if (!md_token(&cp, end, val)) {
			break;
		}
		if (strcasecmp(vstring_str(attr), "boundary") == 0
		    && vstring_len(val) > 0 && vstring_len(val) <= MD_BOUNDARY_MAX)
			vstring_strcpy(md->boundary, vstring_str(val));
	}
done:
	vstring_free(type);
	vstring_free(subtype);
	vstring_free(attr);
	vstring_free(val);
}

static void
md_cte(MIME_DOWNGRADE *md, const char *cp, const char *end)
{
	static const struct {
		const char *name;
		MD_CTE  cte;
	} names[] = {
		{"7bit", MD_CTE_7BIT},
		{"8bit", MD_CTE_8BIT},
		{"binary", MD_CTE_BINARY},
		{"quoted-printable", MD_CTE_QP},
		{"base64", MD_CTE_BASE64},
	};
	VSTRING *tok = vstring_alloc(32);
	size_t  i;

	md->cte = MD_CTE_OTHER;
	md_skip_cfws(&cp, end);
	if (md_token(&cp, end, tok)) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcasecmp(vstring_str(tok), names[i].name) == 0)
				md->cte = names[i].cte;
	}
	vstring_free(tok);
}

/* The current header field is complete: note what matters. */
static void
md_field_done(MIME_DOWNGRADE *md)
{
	const char *start = vstring_str(md->field);
	const char *end = vstring_end(md->field);
	const char *colon;
	size_t  nlen;

	if (!md->field_active)
		return;
	md->field_active = 0;
	if ((colon = memchr(start, ':', vstring_len(md->field))) == NULL)
		return;
	for (nlen = (size_t) (colon - start);
	     nlen > 0 && (start[nlen - 1] == ' ' || start[nlen - 1] == '\t');
	     nlen--)
		 /* void */ ;
#define MD_NAME_IS(s) (nlen == sizeof(s) - 1 && strncasecmp(start, s, nlen) == 0)
	if (MD_NAME_IS("Content-Type")) {
		md_content_type(md, colon + 1, end);
	} else if (MD_NAME_IS("Content-Transfer-Encoding")) {
		md_cte(md, colon + 1, end);
		if (!md->overflow) {
			if (md->nspans == md->spans_size) {
				md->spans_size = md->spans_size * 2 + 2;
				md->spans = myrealloc_array(md->spans, md->spans_size,
							    sizeof(*md->spans));
			}
			md->spans[md->nspans].start = md->field_start;
			md->spans[md->nspans].end = vstring_len(md->pending);
			md->nspans++;
		}
	} else if (MD_NAME_IS("MIME-Version")) {
		md->mime_version = 1;
	}
}

/* A piece of a header line. */
static void
md_header_piece(MIME_DOWNGRADE *md, const char *text, size_t len, int is_cont)
{
	size_t  room = MD_FIELD_MAX - vstring_len(md->field);

	vstring_memcat(md->field, text, len < room ? len : room);
	if (md->overflow) {
		md->out(md->ctx, text, len, is_cont);
		return;
	}
	md_hold(md, text, len, is_cont);
	if (vstring_len(md->pending) > MD_PENDING_MAX) {
		/* Too much to hold: write it out, this part stays as it is. */
		md->hdr_end = vstring_len(md->pending);
		md_write_header(md, NULL, 0);
		md_drop_pending(md);
		md->overflow = 1;
	}
}

static void
md_push(MIME_DOWNGRADE *md, MD_TYPE type)
{
	MD_LEVEL *lp;

	if (md->depth == md->size) {
		md->size = md->size * 2 + 4;
		md->levels = myrealloc_array(md->levels, md->size,
					     sizeof(*md->levels));
	}
	lp = md->levels + md->depth++;
	lp->type = type;
	lp->digest = md->digest;
	lp->blen = vstring_len(md->boundary);
	lp->boundary = type == MD_TYPE_MULTIPART ?
		mystrndup(vstring_str(md->boundary), lp->blen) : NULL;
}

static void
md_pop(MIME_DOWNGRADE *md, size_t depth)
{
	while (md->depth > depth) {
		md->depth--;
		if (md->levels[md->depth].boundary)
			myfree(md->levels[md->depth].boundary);
	}
}

/* The header of the current part ended (blank: with an empty line). */
static void
md_header_end(MIME_DOWNGRADE *md, int blank)
{
	MD_TYPE type;
	int     encoded;
	const char *seven;

	md_field_done(md);
	md->hdr_end = vstring_len(md->pending);
	md->hdr_blank = blank;
	md->state = MD_STATE_BODY;
	md->body = MD_BODY_PASS;

	/*
	 * Composite types with an encoding other than 7bit/8bit/binary are
	 * not valid MIME; treat them as opaque, as Postfix does.
	 */
	encoded = (md->cte == MD_CTE_QP || md->cte == MD_CTE_BASE64
		   || md->cte == MD_CTE_OTHER);
	type = md->type;
	if (type == MD_TYPE_MULTIPART && (vstring_len(md->boundary) == 0 || encoded))
		type = MD_TYPE_LEAF;
	if (type == MD_TYPE_MESSAGE && encoded)
		type = MD_TYPE_LEAF;
	if (type != MD_TYPE_LEAF && md->depth >= MD_NESTING_MAX) {
		md_write_header(md, NULL, 0);
		md_drop_pending(md);
		return;
	}
	/* A composite's content will be 7bit once its parts are. */
	seven = ((md->cte == MD_CTE_8BIT || md->cte == MD_CTE_BINARY)
		 && !md->overflow) ? "7bit" : NULL;
	switch (type) {
	case MD_TYPE_MULTIPART:
		md_write_header(md, seven, 0);
		md_drop_pending(md);
		md_push(md, MD_TYPE_MULTIPART);
		break;
	case MD_TYPE_MESSAGE:
		md_write_header(md, seven, 0);
		md_push(md, MD_TYPE_MESSAGE);
		md_part_start(md, 0, 0);
		break;
	case MD_TYPE_LEAF:
		if (!md->overflow && (md->cte == MD_CTE_NONE || md->cte == MD_CTE_8BIT
				      || md->cte == MD_CTE_BINARY)) {
			md->body = MD_BODY_HOLD;
		} else {
			md_write_header(md, NULL, 0);
			md_drop_pending(md);
		}
		break;
	}
}

/* The held-back part turns out to need conversion. */
static void
md_convert(MIME_DOWNGRADE *md)
{
	md_write_header(md, "quoted-printable", 1);
	md_write_body(md, 1);
	md_drop_pending(md);
	md->body = MD_BODY_QP;
}

/* The current part ends (a boundary, or the end of input). */
static void
md_part_end(MIME_DOWNGRADE *md)
{
	if (md->state == MD_STATE_HEADER) {
		md_field_done(md);
		md->hdr_end = vstring_len(md->pending);
		md_write_header(md, NULL, 0);
	} else if (md->body == MD_BODY_HOLD) {
		md_write_header(md, NULL, 0);
		md_write_body(md, 0);
	}
	md_drop_pending(md);
	md->body = MD_BODY_PASS;
}

static void
md_body_piece(MIME_DOWNGRADE *md, const char *text, size_t len, int is_cont)
{
	switch (md->body) {
	case MD_BODY_PASS:
		md->out(md->ctx, text, len, is_cont);
		break;
	case MD_BODY_HOLD:
		md_hold(md, text, len, is_cont);
		if (mime_downgrade_needed(text, len)
		    || vstring_len(md->pending) > MD_PENDING_MAX)
			md_convert(md);
		break;
	case MD_BODY_QP:
		md_qp_piece(md, text, len, is_cont);
		break;
	}
}

/* Whether a line starts a header field: a name, optional space, colon. */
static int
md_is_field(const char *text, size_t len)
{
	size_t  i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) text[i];

		if (ch == ':')
			break;
		if (ch <= 32 || ch >= 127)
			break;
	}
	if (i == 0)
		return (0);
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	return (i < len && text[i] == ':');
}

/* The multipart level whose boundary starts this line, or -1. */
static int
md_boundary(MIME_DOWNGRADE *md, const char *text, size_t len, int *close)
{
	size_t  i;
	MD_LEVEL *lp;

	if (len < 2 || text[0] != '-' || text[1] != '-')
		return (-1);
	for (i = md->depth; i-- > 0;) {
		lp = md->levels + i;
		if (lp->type != MD_TYPE_MULTIPART || len < 2 + lp->blen
		    || memcmp(text + 2, lp->boundary, lp->blen) != 0)
			continue;
		*close = (len >= 4 + lp->blen && text[2 + lp->blen] == '-'
			  && text[3 + lp->blen] == '-');
		return ((int) i);
	}
	return (-1);
}

/*
 * The first piece of a line (up to MD_HEAD_MAX bytes, or all of it when
 * complete): decide what the line is and send the piece on.
 */
static void
md_line_start(MIME_DOWNGRADE *md, const char *text, size_t len, int complete)
{
	int     level;
	int     close = 0;
	int     is_cont = !complete;

	if ((level = md_boundary(md, text, len, &close)) >= 0) {
		md_part_end(md);
		if (close) {
			/* The epilogue belongs to the enclosing part. */
			md_pop(md, (size_t) level);
			md->state = MD_STATE_BODY;
			md->body = MD_BODY_PASS;
		} else {
			md_pop(md, (size_t) level + 1);
			md_part_start(md, 0, md->levels[level].digest);
		}
		md->line = MD_LINE_PASS;
		md->out(md->ctx, text, len, is_cont);
		return;
	}
	if (md->state == MD_STATE_HEADER) {
		if (len == 0 && complete) {
			md_header_end(md, 1);
			return;
		}
		if ((text[0] == ' ' || text[0] == '\t') && md->field_active) {
			md->line = MD_LINE_HEADER;
			md_header_piece(md, text, len, is_cont);
			return;
		}
		if (md_is_field(text, len)) {
			md_field_done(md);
			md->field_active = 1;
			md->field_start = vstring_len(md->pending);
			VSTRING_RESET(md->field);
			md->line = MD_LINE_HEADER;
			md_header_piece(md, text, len, is_cont);
			return;
		}
		/* Not a header line: the body starts without an empty line. */
		md_header_end(md, 0);
		if (md->state == MD_STATE_HEADER) {
			/* message/rfc822 whose own header has no fields. */
			md_line_start(md, text, len, complete);
			return;
		}
	}
	md->line = MD_LINE_BODY;
	md_body_piece(md, text, len, is_cont);
}

/* A later piece of an already classified line. */
static void
md_line_more(MIME_DOWNGRADE *md, const char *text, size_t len, int is_cont)
{
	switch (md->line) {
	case MD_LINE_PASS:
		md->out(md->ctx, text, len, is_cont);
		break;
	case MD_LINE_HEADER:
		md_header_piece(md, text, len, is_cont);
		break;
	case MD_LINE_BODY:
		md_body_piece(md, text, len, is_cont);
		break;
	}
}

/* mime_downgrade_create - converter writing through out(ctx, ...) */

MIME_DOWNGRADE *
mime_downgrade_create(MIME_DOWNGRADE_OUT out, void *ctx)
{
	MIME_DOWNGRADE *md = mymalloc(sizeof(*md));

	md->out = out;
	md->ctx = ctx;
	md->head = vstring_alloc(MD_HEAD_MAX);
	md->in_line = 0;
	md->line = MD_LINE_BODY;
	md->levels = NULL;
	md->depth = 0;
	md->size = 0;
	md->boundary = vstring_alloc(80);
	md->field = vstring_alloc(256);
	md->pending = vstring_alloc(4096);
	md->spans = NULL;
	md->nspans = 0;
	md->spans_size = 0;
	md->qp_line = vstring_alloc(QP_LINE_MAX + 2);
	md->qp_held = -1;
	md_part_start(md, 1, 0);
	return (md);
}

/* mime_downgrade_line - one line, or piece of one, of the message */

void
mime_downgrade_line(MIME_DOWNGRADE *md, const char *text, size_t len,
		    int is_cont)
{
	size_t  take;

	if (md->in_line) {
		md_line_more(md, text, len, is_cont);
		md->in_line = is_cont;
		return;
	}
	take = MD_HEAD_MAX - vstring_len(md->head);
	if (take > len)
		take = len;
	vstring_memcat(md->head, text, take);
	if (is_cont && take == len && vstring_len(md->head) < MD_HEAD_MAX)
		return;				/* too little to classify yet */
	md_line_start(md, vstring_str(md->head), vstring_len(md->head),
		      !is_cont && take == len);
	VSTRING_RESET(md->head);
	if (!is_cont && take == len)
		return;
	md->in_line = 1;
	if (take < len) {
		md_line_more(md, text + take, len - take, is_cont);
		md->in_line = is_cont;
	}
}

/* mime_downgrade_finish - flush and free */

void
mime_downgrade_finish(MIME_DOWNGRADE *md)
{
	/* An unterminated last line is terminated. */
	if (md->in_line)
		mime_downgrade_line(md, "", 0, 0);
	else if (vstring_len(md->head) > 0)
		mime_downgrade_line(md, "", 0, 0);
	md_part_end(md);
	md_pop(md, 0);
	myfree(md->levels);
	myfree(md->spans);
	vstring_free(md->head);
	vstring_free(md->boundary);
	vstring_free(md->field);
	vstring_free(md->pending);
	vstring_free(md->qp_line);
	myfree(md);
}
