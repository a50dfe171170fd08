/*
 * smtp_data - message content from the queue file onto the wire
 *
 *	smtp_data_send(session, req, downgrade, why) copies the content
 *	section of the queue file (from req->data_offset up to the XTRA
 *	record) to the server: every line ends in CR LF and a line that
 *	starts with "." gets another "." (RFC 5321 4.5.2); lines longer
 *	than smtp_line_length_limit are broken with CR LF SPACE. With downgrade
 *	the content first goes through mime_downgrade (8bit to
 *	quoted-printable, for servers without 8BITMIME). The caller sends
 *	the final ".". Returns 0; -1 on a write error or timeout (the
 *	stream says which); -2 when the queue file could not be read (why
 *	says how).
 *	smtp_needs_utf8(req) 1 when the envelope holds non-ASCII addresses,
 *	so SMTPUTF8 is really needed.
 *	smtp_xtext(out, text) encodes text as RFC 3461 xtext.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "qfile.h"
#include "mime_downgrade.h"
#include "smtp.h"

typedef struct SMTP_DATA_OUT {
	VSTREAM *stream;
	size_t	col;			/* bytes on the current wire line */
	size_t	limit;			/* smtp_line_length_limit, 0: none */
} SMTP_DATA_OUT;

/* Write a piece of a line; is_cont = 0 ends the line. */
static void
smtp_data_put(void *ctx, const char *text, size_t len, int is_cont)
{
	SMTP_DATA_OUT *out = ctx;
	size_t	room;
	size_t	n;

	if (out->col == 0 && len > 0 && text[0] == '.') {
		(void) vstream_putc(out->stream, '.');
		out->col++;
	}
	while (len > 0) {
		if (out->limit > 0 && out->col >= out->limit) {
			/* Break an overlong line as Postfix does: CR LF SPACE. */
			(void) vstream_fwrite(out->stream, "\r\n ", 3);
			out->col = 1;
		}
		room = out->limit > 0 ? out->limit - out->col : len;
		n = len < room ? len : room;
		(void) vstream_fwrite(out->stream, text, n);
		out->col += n;
		text += n;
		len -= n;
	}
	if (!is_cont) {
		(void) vstream_fwrite(out->stream, "\r\n", 2);
		out->col = 0;
	}
}

int
smtp_data_send(SMTP_SESSION *session, DELIVER_REQUEST *req, int downgrade,
	       VSTRING *why)
{
	SMTP_DATA_OUT out;
	MIME_DOWNGRADE *md = NULL;
	VSTRING *line = vstring_alloc(1000);
	QFILE  *qf;
	int	fd;
	int	type;
	int	ret = 0;

	if ((fd = dup(req->fd)) < 0) {
		vstring_sprintf(why, "cannot read queue file: %s", strerror(errno));
		vstring_free(line);
		return (-2);
	}
	qf = qfile_open(fd, QFILE_READ, 0);
	if (qfile_seek(qf, req->data_offset, REC_SEC_CONTENT) < 0) {
		vstring_sprintf(why, "cannot read queue file: %s", qfile_reason(qf));
		ret = -2;
		goto done;
	}
	out.stream = session->stream;
	out.col = 0;
	out.limit = smtp_var.line_length_limit;
	if (downgrade)
		md = mime_downgrade_create(smtp_data_put, &out);
	for (;;) {
		type = qfile_read_line(qf, line, 0);
		if (type == REC_TYPE_XTRA)
			break;
		if (type != REC_TYPE_NORMAL) {
			vstring_sprintf(why, "error reading queue file: %s",
					type < 0 ? qfile_reason(qf) :
					"unexpected record");
			ret = -2;
			break;
		}
		if (md)
			mime_downgrade_line(md, vstring_str(line),
					    vstring_len(line), 0);
		else
			smtp_data_put(&out, vstring_str(line), vstring_len(line), 0);
		if (vstream_ferror(session->stream)) {
			ret = -1;
			break;
		}
	}
	if (md)
		mime_downgrade_finish(md);
	if (ret == 0 && vstream_ferror(session->stream))
		ret = -1;
done:
	(void) qfile_close(qf);
	(void) close(fd);
	vstring_free(line);
	return (ret);
}

static int
smtp_ascii(const char *text)
{
	for (; *text; text++)
		if ((unsigned char) *text >= 0x80)
			return (0);
	return (1);
}

int
smtp_needs_utf8(const DELIVER_REQUEST *req)
{
	size_t	i;

	if (!smtp_ascii(req->sender))
		return (1);
	for (i = 0; i < req->rcpt_count; i++)
		if (!smtp_ascii(req->rcpt[i].address)
		    || !smtp_ascii(req->rcpt[i].orig_addr))
			return (1);
	return (0);
}

void
smtp_xtext(VSTRING *out, const char *text)
{
	const unsigned char *cp;

	VSTRING_RESET(out);
	for (cp = (const unsigned char *) text; *cp; cp++) {
		if (*cp < 33 || *cp > 126 || *cp == '+' || *cp == '=')
			vstring_sprintf_append(out, "+%02X", *cp);
		else
			vstring_addch(out, *cp);
	}
}
