#ifndef POSTERN_QFILE_H
#define POSTERN_QFILE_H

/*
 * qfile - read and write queue file records
 *
 * Record format (every record, every section):
 *
 *	type	one byte, a REC_TYPE_* letter (rec_type.h)
 *	length	the data length as an unsigned integer, 7 bits per byte,
 *		least significant group first; every byte but the last has
 *		bit 0x80 set. Canonical: no more bytes than needed (a
 *		multi-byte length never ends in 0x00), at most
 *		QFILE_LEN_BYTES_MAX bytes, and never above the limit the
 *		QFILE was opened with.
 *	data	exactly length bytes, binary safe, no terminator.
 *
 * So "R" 0x07 "a@b.com" is the recipient a@b.com, and a 300-byte line is
 * 'N' 0xAC 0x02 + 300 bytes. No byte inside data can end or forge a
 * record. Records must follow the section order in rec_type.h; a file is
 * complete only when its END record has been read, and nothing may follow
 * END. A line longer than the record limit is written as FRAGMENT records
 * of the limit's size followed by a NORMAL record with the rest;
 * qfile_read_line() joins them again.
 *
 * A QFILE reads or writes a file descriptor through its own buffer, or
 * reads a memory image (tests, fuzzing). It does not use stdio, so file
 * offsets are exact: qfile_rec_offset() is where the last record began,
 * to be given later to qfile_mark_done() or qfile_update().
 *
 *	qfile_open() wraps an open descriptor (the caller keeps it and
 *	closes it after qfile_close()); qfile_open_mem() reads a buffer.
 *	qfile_close() flushes and frees; returns 0 or QFILE_ERR_IO.
 *	qfile_read_rec() the next record: its type, data in a VSTRING.
 *	qfile_read_line() the same with FRAGMENT+NORMAL runs joined.
 *	qfile_write_rec(), qfile_write_str(), qfile_write_fmt() one record.
 *	qfile_write_line() a line of any length, split into fragments.
 *	qfile_flush(), qfile_sync() write out the buffer (and fsync).
 *	qfile_tell() offset of the next record; qfile_rec_offset() of the
 *	last one read or written; qfile_section() the current section.
 *	qfile_seek() moves to a record boundary known to be in a section.
 *	qfile_update() overwrites a record with data of the same length.
 *	qfile_mark_done() turns the RCPT record at an offset into DONE on
 *	disk and fsyncs.
 *	qfile_strerror() text for a status; qfile_reason() the detail of the
 *	last error of a QFILE (with the offset), for logs.
 *
 * Errors: reading returns a record type (> 0), QFILE_EOF after the END
 * record at the end of the file, or one of the negative statuses below;
 * each case has its own code and nothing is ever guessed. A read error
 * is sticky: later reads return it again. Writers get 0 or a negative
 * status; I/O errors leave errno set. Breaking the section order while
 * writing is our bug and panics.
 */
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#include "vstring.h"
#include "rec_type.h"

typedef struct QFILE QFILE;

#define QFILE_READ	(1 << 0)
#define QFILE_WRITE	(1 << 1)

#define QFILE_LEN_BYTES_MAX	5	/* length bytes, enough for 2^30 */
#define QFILE_REC_LEN_LIMIT	(1UL << 30)	/* largest limit allowed */
#define QFILE_REC_LEN_DEFAULT	65536	/* limit when 0 is given */

/* Read and write statuses. */
#define QFILE_EOF		0	/* clean end after the END record */
#define QFILE_INCOMPLETE	(-1)	/* end of file before the END record */
#define QFILE_ERR_IO		(-2)	/* read/write/fsync failed; see errno */
#define QFILE_ERR_TYPE		(-3)	/* unknown record type */
#define QFILE_ERR_TRUNC_LEN	(-4)	/* end of file inside the length */
#define QFILE_ERR_BAD_LEN	(-5)	/* non-canonical or too long length */
#define QFILE_ERR_LEN_LIMIT	(-6)	/* length over the record limit */
#define QFILE_ERR_TRUNC_DATA	(-7)	/* end of file inside the data */
#define QFILE_ERR_ORDER		(-8)	/* type not allowed in this section */
#define QFILE_ERR_FRAGMENT	(-9)	/* FRAGMENT not followed by a line */
#define QFILE_ERR_TRAILING	(-10)	/* bytes after the END record */
#define QFILE_ERR_LINE_LEN	(-11)	/* joined line over the caller's limit */
#define QFILE_ERR_MISMATCH	(-12)	/* update/mark: not the expected record */

/*
 * Wrap fd for QFILE_READ and/or QFILE_WRITE, starting at the current file
 * position in the envelope section. max_rec_len bounds the data of one
 * record (0: QFILE_REC_LEN_DEFAULT; above QFILE_REC_LEN_LIMIT panics);
 * readers and writers of a file must use the same value.
 */
extern QFILE *qfile_open(int fd, int flags, size_t max_rec_len);

/*
 * Encode the type byte and length of a record into hdr (at least
 * 1 + QFILE_LEN_BYTES_MAX bytes); returns the header size. For writers
 * that stream records elsewhere (rec_stream.c).
 */
extern size_t qfile_rec_header(unsigned char *hdr, int type, size_t len);
/* Read a memory image (not copied; it must outlive the QFILE). */
extern QFILE *qfile_open_mem(const void *data, size_t len, size_t max_rec_len);
extern int qfile_close(QFILE *qf);

extern int qfile_read_rec(QFILE *qf, VSTRING *data);
/*
 * As qfile_read_rec(), but FRAGMENT records and the NORMAL record that ends
 * them come back as one NORMAL line (qfile_rec_offset() is the first
 * piece's). A line longer than max_line (0: no limit) is QFILE_ERR_LINE_LEN.
 */
extern int qfile_read_line(QFILE *qf, VSTRING *data, size_t max_line);

extern int qfile_write_rec(QFILE *qf, int type, const void *data, size_t len);
extern int qfile_write_str(QFILE *qf, int type, const char *str);
extern int qfile_write_fmt(QFILE *qf, int type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
extern int qfile_write_line(QFILE *qf, const void *data, size_t len);
extern int qfile_flush(QFILE *qf);
extern int qfile_sync(QFILE *qf);

extern off_t qfile_tell(QFILE *qf);
extern off_t qfile_rec_offset(QFILE *qf);
extern int qfile_section(QFILE *qf);
/* Reposition to a record boundary in section (flushes pending writes). */
extern int qfile_seek(QFILE *qf, off_t offset, int section);

/*
 * Overwrite the data of the record at offset, which must have the same
 * type and length (cleanup's SIZE record). Flushes first; no fsync.
 */
extern int qfile_update(QFILE *qf, off_t offset, int type,
			        const void *data, size_t len);

/*
 * Mark the RCPT record at offset delivered: rewrite its type byte to DONE,
 * then fsync(fd). 0 when done (also when it already was DONE),
 * QFILE_ERR_MISMATCH when the byte is neither, QFILE_ERR_IO with errno.
 * Data of this record read earlier through a QFILE on the same file is
 * stale in its buffer; qfile_seek() discards the buffer.
 */
extern int qfile_mark_done(int fd, off_t offset);

extern const char *qfile_strerror(int status);
extern const char *qfile_reason(QFILE *qf);

#endif
