#ifndef POSTERN_REC_STREAM_H
#define POSTERN_REC_STREAM_H

/*
 * rec_stream - queue-file records over a VSTREAM
 *
 * The cleanup protocol (cleanup_client.h) carries a message as queue-file
 * records on a socket: the byte format of qfile.h (type byte, 7-bit
 * length groups, data) and the types of rec_type.h. This module reads
 * and writes such records on a VSTREAM, with the stream's deadlines; one
 * record shares one deadline budget (vstream_request_begin()).
 *
 *	rec_stream_put() writes one record (buffered; vstream_fflush()
 *		sends it).
 *	rec_stream_put_line() writes one line of any length: FRAGMENT
 *		records of "piece" bytes, then a NORMAL record with the rest.
 *	rec_stream_get() reads one record of at most max_len data bytes.
 *	rec_stream_strerror() text for a status.
 *
 * Section order is not checked here: a reader that wants it asks
 * rec_type_allowed() and can keep reading after a record out of order,
 * because the framing is intact.
 *
 * Statuses (negative; the QFILE_* values of qfile.h, plus one):
 *	REC_STREAM_EOF		end of stream where a record would start
 *	QFILE_ERR_IO		read/write error or timeout
 *				(vstream_ftimeout() tells which)
 *	QFILE_ERR_TYPE		a complete record of an unknown type; it was
 *				read and dropped, the next one can be read
 *	QFILE_ERR_TRUNC_LEN, QFILE_ERR_BAD_LEN, QFILE_ERR_LEN_LIMIT,
 *	QFILE_ERR_TRUNC_DATA	framing lost: nothing more can be read
 *	QFILE_ERR_LEN_LIMIT	(writing) data longer than QFILE_REC_LEN_LIMIT
 * Writing a type that rec_type_known() refuses is our bug and panics.
 */
#include <stddef.h>

#include "vstream.h"
#include "vstring.h"
#include "qfile.h"

#define REC_STREAM_EOF	QFILE_INCOMPLETE

extern int rec_stream_put(VSTREAM *fp, int type, const void *data,
			  size_t len);
extern int rec_stream_put_line(VSTREAM *fp, const void *data, size_t len,
			       size_t piece);
/* Returns the record type (> 0) with its data in "data", or a status. */
extern int rec_stream_get(VSTREAM *fp, VSTRING *data, size_t max_len);
extern const char *rec_stream_strerror(int status);

#endif
