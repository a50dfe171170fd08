#ifndef POSTERN_MIME_DOWNGRADE_H
#define POSTERN_MIME_DOWNGRADE_H

/*
 * mime_downgrade - 8bit to 7bit conversion for servers without 8BITMIME
 *
 * When a message was received as 8BITMIME and the next server does not
 * announce 8BITMIME, the SMTP client sends it converted (RFC 6152 3;
 * Postfix does the same unless disable_mime_output_conversion = yes):
 * every MIME part (the top level, multipart bodies at any depth,
 * message/rfc822 attachments) whose Content-Transfer-Encoding is 8bit,
 * 8BIT, binary or absent and whose body holds a byte >= 0x80 is re-encoded
 * as quoted-printable (RFC 2045 6.7: lines at most 76 characters with soft
 * breaks, '=' and bytes >= 0x80 as =XX, trailing white space encoded), and
 * its header gets "Content-Transfer-Encoding: quoted-printable" (the old
 * field is replaced; a MIME-Version: 1.0 is added to the top level when
 * missing). Parts that are already 7bit, quoted-printable or base64 pass
 * unchanged, as do multipart boundary lines and preambles. Header lines
 * with 8-bit bytes are passed as they are (RFC 2047 encoding is not
 * attempted; Postfix does not either). Folded header lines stay folded.
 *
 * Interface (streaming, line by line, O(1) memory per nesting level):
 *	mime_downgrade_create(out, ctx) makes a converter that calls
 *	out(ctx, text, len, is_cont) for each output piece: is_cont = 0
 *	ends a line, 1 means the line goes on in the next piece (as the
 *	queue file's REC_TYPE_CONT records do). No CR LF in text.
 *	mime_downgrade_line(md, text, len, is_cont) feeds one input line
 *	(or piece of one, same convention), headers and body alike, in
 *	message order; the blank line after the top-level header ends it.
 *	mime_downgrade_finish(md) flushes and frees.
 *	mime_downgrade_needed(text, len) says whether a piece of content
 *	holds a byte >= 0x80 (callers use it to skip the converter).
 */
#include <stddef.h>

typedef void (*MIME_DOWNGRADE_OUT) (void *ctx, const char *text, size_t len,
				    int is_cont);
typedef struct MIME_DOWNGRADE MIME_DOWNGRADE;

extern MIME_DOWNGRADE *mime_downgrade_create(MIME_DOWNGRADE_OUT out,
					     void *ctx);
extern void mime_downgrade_line(MIME_DOWNGRADE *md, const char *text,
				size_t len, int is_cont);
extern void mime_downgrade_finish(MIME_DOWNGRADE *md);
extern int mime_downgrade_needed(const char *text, size_t len);

#endif
