/*
 * rec_stream - queue-file records over a VSTREAM
 *
 * See rec_stream.h. The length field is the one qfile.h documents:
 * unsigned, 7 bits per byte, least significant group first, 0x80 on every
 * byte but the last, canonical (no trailing zero group), at most
 * QFILE_LEN_BYTES_MAX bytes; the header encoder is qfile's own
 * (qfile_rec_header), so both always write identical bytes.
 */
#include <stdint.h>

#include "msg.h"
#include "vstream.h"
#include "vstring.h"
#include "rec_type.h"
#include "qfile.h"
#include "rec_stream.h"

#define REC_STREAM_CHUNK	8192	/* read data in pieces this big */

int
rec_stream_put(VSTREAM *fp, int type, const void *data, size_t len)
{
	unsigned char hdr[1 + QFILE_LEN_BYTES_MAX];
	size_t  hlen;
	int     ok;

	if (!rec_type_known(type))
		msg_panic("rec_stream_put: unknown record type 0x%02x",
			  (unsigned) type & 0xff);
	if (len > QFILE_REC_LEN_LIMIT)
		return (QFILE_ERR_LEN_LIMIT);
	hlen = qfile_rec_header(hdr, type, len);
	vstream_request_begin(fp);
	ok = vstream_fwrite(fp, hdr, hlen) == (ssize_t) hlen
	    && (len == 0 || vstream_fwrite(fp, data, len) == (ssize_t) len);
	vstream_request_end(fp);
	return (ok ? 0 : QFILE_ERR_IO);
}

int
rec_stream_put_line(VSTREAM *fp, const void *data, size_t len, size_t piece)
{
	const char *cp = data;
	int     st;

	if (piece == 0 || piece > QFILE_REC_LEN_LIMIT)
		msg_panic("rec_stream_put_line: bad piece size %zu", piece);
	while (len > piece) {
		if ((st = rec_stream_put(fp, REC_TYPE_FRAGMENT, cp, piece)) != 0)
			return (st);
		cp += piece;
		len -= piece;
	}
	return (rec_stream_put(fp, REC_TYPE_NORMAL, cp, len));
}

/* Read the length; 0 and *len, or a status. */
static int
rec_stream_get_len(VSTREAM *fp, size_t max_len, size_t *len)
{
	uint64_t value = 0;
	int     ch;
	int     i;

	for (i = 0; i < QFILE_LEN_BYTES_MAX; i++) {
		if ((ch = vstream_getc(fp)) == VSTREAM_EOF)
			return (vstream_ferror(fp) ? QFILE_ERR_IO
				: QFILE_ERR_TRUNC_LEN);
		value |= (uint64_t) (ch & 0x7f) << (7 * i);
		if (value > max_len)
			return (QFILE_ERR_LEN_LIMIT);
		if ((ch & 0x80) == 0) {
			if (i > 0 && ch == 0)
				return (QFILE_ERR_BAD_LEN);
			*len = (size_t) value;
			return (0);
		}
	}
	return (QFILE_ERR_BAD_LEN);
}

/* Read exactly len bytes into data, as they arrive; 0 or a status. */
static int
rec_stream_get_data(VSTREAM *fp, VSTRING *data, size_t len)
{
	char    buf[REC_STREAM_CHUNK];
	size_t  chunk;
	size_t  got;

	while (len > 0) {
		chunk = len < sizeof(buf) ? len : sizeof(buf);
		got = vstream_fread(fp, buf, chunk);
		vstring_memcat(data, buf, got);
		if (got < chunk)
			return (vstream_ferror(fp) ? QFILE_ERR_IO
				: QFILE_ERR_TRUNC_DATA);
		len -= chunk;
	}
	return (0);
}

int
rec_stream_get(VSTREAM *fp, VSTRING *data, size_t max_len)
{
	size_t  len;
	int     type;
	int     st;

	if (max_len > QFILE_REC_LEN_LIMIT)
		msg_panic("rec_stream_get: limit %zu too large", max_len);
	VSTRING_RESET(data);
	vstream_request_begin(fp);
	if ((type = vstream_getc(fp)) == VSTREAM_EOF) {
		st = vstream_ferror(fp) ? QFILE_ERR_IO : REC_STREAM_EOF;
	} else if ((st = rec_stream_get_len(fp, max_len, &len)) == 0
		   && (st = rec_stream_get_data(fp, data, len)) == 0) {
		st = rec_type_known(type) ? type : QFILE_ERR_TYPE;
	}
	vstream_request_end(fp);
	return (st);
}

const char *
rec_stream_strerror(int status)
{
	if (status == REC_STREAM_EOF)
		return ("end of stream");
	if (status == QFILE_ERR_IO)
		return ("I/O error or timeout");
	return (qfile_strerror(status));
}
