/*
 * qfile - read and write queue file records
 *
 * The record format is documented in qfile.h. This file keeps one buffer
 * per QFILE that is either read-ahead data or pending output, never both,
 * and tracks the logical offset itself: base is the file offset of the
 * first buffered byte, so the next record starts at base + rpos + wlen.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "rec_type.h"
#include "qfile.h"

#define QFILE_BUFSIZE	8192

struct QFILE {
	int	fd;			/* -1 for a memory image */
	int	flags;			/* QFILE_READ, QFILE_WRITE */
	size_t	max_len;		/* largest record data */
	unsigned char *buf;		/* our buffer (NULL for memory) */
	const unsigned char *rbuf;	/* read data: buf or the image */
	size_t	rlen;			/* bytes valid in rbuf */
	size_t	rpos;			/* next unread byte in rbuf */
	size_t	wlen;			/* bytes of pending output in buf */
	off_t	base;			/* file offset of rbuf[0] / buf[0] */
	off_t	rec_offset;		/* start of the last record */
	int	section;		/* REC_SEC_* at the current position */
	int	in_fragment;		/* last record was a FRAGMENT */
	int	read_status;		/* sticky read error, or 0 */
	int	write_errno;		/* sticky write error, or 0 */
	VSTRING *reason;		/* detail of the last error */
	VSTRING *piece;			/* scratch for qfile_read_line() */
};

#define BYTE_EOF	(-1)
#define BYTE_ERR	(-2)

static QFILE *
qfile_alloc(int fd, int flags, size_t max_rec_len)
{
	QFILE  *qf = mycalloc(1, sizeof(*qf));

	if (max_rec_len == 0)
		max_rec_len = QFILE_REC_LEN_DEFAULT;
	if (max_rec_len > QFILE_REC_LEN_LIMIT)
		msg_panic("qfile_open: record limit %zu too large", max_rec_len);
	qf->fd = fd;
	qf->flags = flags;
	qf->max_len = max_rec_len;
	qf->section = REC_SEC_ENVELOPE;
	qf->rec_offset = -1;
	qf->reason = vstring_alloc(64);
	return (qf);
}

QFILE  *
qfile_open(int fd, int flags, size_t max_rec_len)
{
	QFILE  *qf;
	off_t   pos;

	if (fd < 0 || (flags & (QFILE_READ | QFILE_WRITE)) == 0
	    || (flags & ~(QFILE_READ | QFILE_WRITE)) != 0)
		msg_panic("qfile_open: bad fd %d or flags 0x%x", fd, (unsigned) flags);
	qf = qfile_alloc(fd, flags, max_rec_len);
	qf->buf = mymalloc(QFILE_BUFSIZE);
	qf->rbuf = qf->buf;
	/* Not seekable (a pipe into postcat): offsets count from here. */
	if ((pos = lseek(fd, 0, SEEK_CUR)) >= 0)
		qf->base = pos;
	return (qf);
}

QFILE  *
qfile_open_mem(const void *data, size_t len, size_t max_rec_len)
{
	QFILE  *qf = qfile_alloc(-1, QFILE_READ, max_rec_len);

	qf->rbuf = data;
	qf->rlen = len;
	return (qf);
}

/* Write all of buf; 0 or -1 with errno. */
static int
write_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t) n;
	}
	return (0);
}

int
qfile_flush(QFILE *qf)
{
	if (qf->write_errno) {
		errno = qf->write_errno;
		return (QFILE_ERR_IO);
	}
	if (qf->wlen == 0)
		return (0);
	if (write_all(qf->fd, qf->buf, qf->wlen) < 0) {
		qf->write_errno = errno;
		vstring_sprintf(qf->reason, "write error at offset %lld: %s",
				(long long) qf->base, strerror(errno));
		return (QFILE_ERR_IO);
	}
	qf->base += (off_t) qf->wlen;
	qf->wlen = 0;
	return (0);
}

int
qfile_sync(QFILE *qf)
{
	int     st;

	if ((st = qfile_flush(qf)) != 0)
		return (st);
	if (qf->fd >= 0 && fsync(qf->fd) < 0) {
		qf->write_errno = errno;
		vstring_sprintf(qf->reason, "fsync: %s", strerror(errno));
		return (QFILE_ERR_IO);
	}
	return (0);
}

int
qfile_close(QFILE *qf)
{
	int     st = 0;

	if (qf->flags & QFILE_WRITE)
		st = qfile_flush(qf);
	if (qf->buf)
		myfree(qf->buf);
	vstring_free(qf->reason);
	if (qf->piece)
		vstring_free(qf->piece);
	myfree(qf);
	return (st);
}

off_t
qfile_tell(QFILE *qf)
{
	return (qf->base + (off_t) qf->rpos + (off_t) qf->wlen);
}

off_t
qfile_rec_offset(QFILE *qf)
{
	return (qf->rec_offset);
}

int
qfile_section(QFILE *qf)
{
	return (qf->section);
}

const char *
qfile_reason(QFILE *qf)
{
	return (vstring_str(qf->reason));
}

/*
 * Forget read-ahead data so the descriptor's position is the logical one
 * again (before writing, or after the file changed under the buffer).
 */
static int
drop_read_buffer(QFILE *qf)
{
	if (qf->fd < 0 || qf->rlen == 0)
		return (0);
	if (qf->rpos < qf->rlen
	    && lseek(qf->fd, qf->base + (off_t) qf->rpos, SEEK_SET) < 0)
		return (-1);
	qf->base += (off_t) qf->rpos;
	qf->rpos = qf->rlen = 0;
	return (0);
}

int
qfile_seek(QFILE *qf, off_t offset, int section)
{
	int     st;

	if (section < REC_SEC_ENVELOPE || section > REC_SEC_DONE || offset < 0)
		msg_panic("qfile_seek: bad offset %lld or section %d",
			  (long long) offset, section);
	if ((st = qfile_flush(qf)) != 0)
		return (st);
	if (qf->fd < 0) {
		if ((uint64_t) offset > qf->rlen)
			msg_panic("qfile_seek: offset %lld beyond image",
				  (long long) offset);
		qf->rpos = (size_t) offset;
	} else {
		if (lseek(qf->fd, offset, SEEK_SET) < 0) {
			vstring_sprintf(qf->reason, "seek: %s", strerror(errno));
			return (QFILE_ERR_IO);
		}
		qf->base = offset;
		qf->rpos = qf->rlen = 0;
	}
	qf->section = section;
	qf->in_fragment = 0;
	qf->read_status = 0;
	return (0);
}

/* ---- reading ---------------------------------------------------------- */

/* Refill an empty read buffer: 1 data, BYTE_EOF, or BYTE_ERR with errno. */
static int
fill(QFILE *qf)
{
	ssize_t n;

	if (qf->rpos < qf->rlen)
		return (1);
	if (qf->fd < 0)
		return (BYTE_EOF);
	qf->base += (off_t) qf->rlen;
	qf->rpos = qf->rlen = 0;
	do {
		n = read(qf->fd, qf->buf, QFILE_BUFSIZE);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (BYTE_ERR);
	if (n == 0)
		return (BYTE_EOF);
	qf->rlen = (size_t) n;
	return (1);
}

static int
get_byte(QFILE *qf)
{
	int     st;

	if ((st = fill(qf)) != 1)
		return (st);
	return (qf->rbuf[qf->rpos++]);
}

/* Record a read error (sticky) with its detail. */
static int
read_fail(QFILE *qf, int status, const char *detail)
{
	vstring_sprintf(qf->reason, "offset %lld: %s%s%s",
			(long long) qf->rec_offset, qfile_strerror(status),
			*detail ? ": " : "", detail);
	qf->read_status = status;
	return (status);
}

/* Read the length field; 0 and *len, or a status. */
static int
read_length(QFILE *qf, size_t *len)
{
	uint64_t value = 0;
	int     ch;
	int     i;

	for (i = 0; i < QFILE_LEN_BYTES_MAX; i++) {
		if ((ch = get_byte(qf)) == BYTE_EOF)
			return (read_fail(qf, QFILE_ERR_TRUNC_LEN, ""));
		if (ch == BYTE_ERR)
			return (read_fail(qf, QFILE_ERR_IO, strerror(errno)));
		value |= (uint64_t) (ch & 0x7f) << (7 * i);
		if (value > qf->max_len) {
			char    detail[64];

			snprintf(detail, sizeof(detail), "more than %zu", qf->max_len);
			return (read_fail(qf, QFILE_ERR_LEN_LIMIT, detail));
		}
		if ((ch & 0x80) == 0) {
			if (i > 0 && ch == 0)
				return (read_fail(qf, QFILE_ERR_BAD_LEN, "overlong"));
			*len = (size_t) value;
			return (0);
		}
	}
	return (read_fail(qf, QFILE_ERR_BAD_LEN, "too many length bytes"));
}

int
qfile_read_rec(QFILE *qf, VSTRING *data)
{
	char    detail[64];
	size_t  len;
	size_t  chunk;
	int     type;
	int     st;

	if ((qf->flags & QFILE_READ) == 0)
		msg_panic("qfile_read_rec: not opened for reading");
	if (qf->read_status != 0)
		return (qf->read_status);
	if ((st = qfile_flush(qf)) != 0)
		return (st);
	VSTRING_RESET(data);
	qf->rec_offset = qfile_tell(qf);
	type = get_byte(qf);
	if (type == BYTE_ERR)
		return (read_fail(qf, QFILE_ERR_IO, strerror(errno)));
	if (qf->section == REC_SEC_DONE) {
		if (type == BYTE_EOF)
			return (QFILE_EOF);
		return (read_fail(qf, QFILE_ERR_TRAILING, ""));
	}
	if (type == BYTE_EOF)
		return (read_fail(qf, QFILE_INCOMPLETE, ""));
	snprintf(detail, sizeof(detail), "type 0x%02x in %s section", type,
		 rec_type_section_name(qf->section));
	if (!rec_type_known(type))
		return (read_fail(qf, QFILE_ERR_TYPE, detail));
	if (!rec_type_allowed(qf->section, type))
		return (read_fail(qf, QFILE_ERR_ORDER, detail));
	if (qf->in_fragment && type != REC_TYPE_NORMAL && type != REC_TYPE_FRAGMENT)
		return (read_fail(qf, QFILE_ERR_FRAGMENT, detail));
	if ((st = read_length(qf, &len)) != 0)
		return (st);
	/* Copy as the data arrives: a forged length allocates nothing. */
	while (len > 0) {
		if ((st = fill(qf)) == BYTE_EOF)
			return (read_fail(qf, QFILE_ERR_TRUNC_DATA, ""));
		if (st == BYTE_ERR)
			return (read_fail(qf, QFILE_ERR_IO, strerror(errno)));
		chunk = qf->rlen - qf->rpos;
		if (chunk > len)
			chunk = len;
		vstring_memcat(data, qf->rbuf + qf->rpos, chunk);
		qf->rpos += chunk;
		len -= chunk;
	}
	qf->in_fragment = (type == REC_TYPE_FRAGMENT);
	qf->section = rec_type_next_section(qf->section, type);
	return (type);
}

int
qfile_read_line(QFILE *qf, VSTRING *data, size_t max_line)
{
	off_t   start;
	int     type;

	if (max_line == 0)
		max_line = SIZE_MAX;
	if ((type = qfile_read_rec(qf, data)) != REC_TYPE_FRAGMENT) {
		if (type == REC_TYPE_NORMAL && vstring_len(data) > max_line)
			return (read_fail(qf, QFILE_ERR_LINE_LEN, ""));
		return (type);
	}
	if (qf->piece == NULL)
		qf->piece = vstring_alloc(100);
	start = qf->rec_offset;
	do {
		if (vstring_len(data) > max_line) {
			qf->rec_offset = start;
			return (read_fail(qf, QFILE_ERR_LINE_LEN, ""));
		}
		/* The reader refuses anything but NORMAL or FRAGMENT here. */
		if ((type = qfile_read_rec(qf, qf->piece)) < 0)
			return (type);
		vstring_memcat(data, vstring_str(qf->piece), vstring_len(qf->piece));
	} while (type == REC_TYPE_FRAGMENT);
	qf->rec_offset = start;
	if (vstring_len(data) > max_line)
		return (read_fail(qf, QFILE_ERR_LINE_LEN, ""));
	return (type);
}

/* ---- writing ---------------------------------------------------------- */

/* Append bytes to the output buffer, flushing when it fills. */
static int
put_bytes(QFILE *qf, const unsigned char *data, size_t len)
{
	size_t  chunk;
	int     st;

	while (len > 0) {
		if (qf->wlen == QFILE_BUFSIZE && (st = qfile_flush(qf)) != 0)
			return (st);
		chunk = QFILE_BUFSIZE - qf->wlen;
		if (chunk > len)
			chunk = len;
		memcpy(qf->buf + qf->wlen, data, chunk);
		qf->wlen += chunk;
		data += chunk;
		len -= chunk;
	}
	return (0);
}

/* Encode a record header into hdr; returns its length (qfile.h). */
size_t
qfile_rec_header(unsigned char *hdr, int type, size_t len)
{
	size_t  n = 0;

	hdr[n++] = (unsigned char) type;
	do {
		hdr[n] = (unsigned char) (len & 0x7f);
		len >>= 7;
		if (len != 0)
			hdr[n] |= 0x80;
		n++;
	} while (len != 0);
	return (n);
}

int
qfile_write_rec(QFILE *qf, int type, const void *data, size_t len)
{
	unsigned char hdr[1 + QFILE_LEN_BYTES_MAX];
	size_t  hlen;
	int     st;

	if ((qf->flags & QFILE_WRITE) == 0)
		msg_panic("qfile_write_rec: not opened for writing");
	if (!rec_type_allowed(qf->section, type))
		msg_panic("qfile_write_rec: %s record (0x%02x) in %s section",
			  rec_type_name(type), (unsigned) type & 0xff,
			  rec_type_section_name(qf->section));
	if (qf->in_fragment && type != REC_TYPE_NORMAL && type != REC_TYPE_FRAGMENT)
		msg_panic("qfile_write_rec: %s record after a line fragment",
			  rec_type_name(type));
	if (qf->write_errno) {
		errno = qf->write_errno;
		return (QFILE_ERR_IO);
	}
	if (len > qf->max_len) {
		vstring_sprintf(qf->reason, "%s record of %zu bytes exceeds %zu",
				rec_type_name(type), len, qf->max_len);
		return (QFILE_ERR_LEN_LIMIT);
	}
	if (drop_read_buffer(qf) < 0) {
		qf->write_errno = errno;
		return (QFILE_ERR_IO);
	}
	qf->rec_offset = qfile_tell(qf);
	hlen = qfile_rec_header(hdr, type, len);
	if ((st = put_bytes(qf, hdr, hlen)) != 0
	    || (st = put_bytes(qf, data, len)) != 0)
		return (st);
	qf->in_fragment = (type == REC_TYPE_FRAGMENT);
	qf->section = rec_type_next_section(qf->section, type);
	return (0);
}

int
qfile_write_str(QFILE *qf, int type, const char *str)
{
	return (qfile_write_rec(qf, type, str, strlen(str)));
}

int
qfile_write_fmt(QFILE *qf, int type, const char *fmt, ...)
{
	VSTRING *tmp = vstring_alloc(100);
	va_list ap;
	int     st;

	va_start(ap, fmt);
	vstring_vsprintf_append(tmp, fmt, ap);
	va_end(ap);
	st = qfile_write_rec(qf, type, vstring_str(tmp), vstring_len(tmp));
	vstring_free(tmp);
	return (st);
}

int
qfile_write_line(QFILE *qf, const void *data, size_t len)
{
	const char *cp = data;
	off_t   start = qfile_tell(qf);
	int     st;

	while (len > qf->max_len) {
		if ((st = qfile_write_rec(qf, REC_TYPE_FRAGMENT, cp, qf->max_len)) != 0)
			return (st);
		cp += qf->max_len;
		len -= qf->max_len;
	}
	if ((st = qfile_write_rec(qf, REC_TYPE_NORMAL, cp, len)) != 0)
		return (st);
	qf->rec_offset = start;
	return (0);
}

/* ---- changes in place ------------------------------------------------- */

/* pread exactly len bytes; 1 ok, 0 short (end of file), -1 error. */
static int
pread_all(int fd, unsigned char *buf, size_t len, off_t offset)
{
	ssize_t n;

	while (len > 0) {
		if ((n = pread(fd, buf, len, offset)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0)
			return (0);
		buf += n;
		len -= (size_t) n;
		offset += n;
	}
	return (1);
}

static int
pwrite_all(int fd, const unsigned char *buf, size_t len, off_t offset)
{
	ssize_t n;

	while (len > 0) {
		if ((n = pwrite(fd, buf, len, offset)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t) n;
		offset += n;
	}
	return (0);
}

int
qfile_update(QFILE *qf, off_t offset, int type, const void *data, size_t len)
{
	unsigned char want[1 + QFILE_LEN_BYTES_MAX];
	unsigned char have[1 + QFILE_LEN_BYTES_MAX];
	size_t  hlen;
	int     st;

	if (qf->fd < 0 || (qf->flags & QFILE_WRITE) == 0)
		msg_panic("qfile_update: not a writable file");
	if ((st = qfile_flush(qf)) != 0)
		return (st);
	if (len > qf->max_len)
		return (QFILE_ERR_LEN_LIMIT);
	if (drop_read_buffer(qf) < 0)
		return (QFILE_ERR_IO);
	/* Same type and same canonical length: the header bytes are equal. */
	hlen = qfile_rec_header(want, type, len);
	if ((st = pread_all(qf->fd, have, hlen, offset)) < 0)
		return (QFILE_ERR_IO);
	if (st == 0 || memcmp(want, have, hlen) != 0) {
		vstring_sprintf(qf->reason, "offset %lld: no %s record of %zu bytes",
				(long long) offset, rec_type_name(type), len);
		return (QFILE_ERR_MISMATCH);
	}
	if (pwrite_all(qf->fd, data, len, offset + (off_t) hlen) < 0)
		return (QFILE_ERR_IO);
	return (0);
}

int
qfile_mark_done(int fd, off_t offset)
{
	unsigned char type;
	int     st;

	if ((st = pread_all(fd, &type, 1, offset)) < 0)
		return (QFILE_ERR_IO);
	if (st == 0 || (type != REC_TYPE_RCPT && type != REC_TYPE_DONE))
		return (QFILE_ERR_MISMATCH);
	if (type == REC_TYPE_RCPT) {
		type = REC_TYPE_DONE;
		if (pwrite_all(fd, &type, 1, offset) < 0)
			return (QFILE_ERR_IO);
	}
	/* Also when already DONE: an earlier attempt may not have synced. */
	if (fsync(fd) < 0)
		return (QFILE_ERR_IO);
	return (0);
}

const char *
qfile_strerror(int status)
{
	switch (status) {
	case QFILE_EOF:
		return ("end of file");
	case QFILE_INCOMPLETE:
		return ("incomplete queue file (no end marker)");
	case QFILE_ERR_IO:
		return ("I/O error");
	case QFILE_ERR_TYPE:
		return ("unknown record type");
	case QFILE_ERR_TRUNC_LEN:
		return ("end of file inside a record length");
	case QFILE_ERR_BAD_LEN:
		return ("malformed record length");
	case QFILE_ERR_LEN_LIMIT:
		return ("record length over the limit");
	case QFILE_ERR_TRUNC_DATA:
		return ("end of file inside record data");
	case QFILE_ERR_ORDER:
		return ("record out of order");
	case QFILE_ERR_FRAGMENT:
		return ("line fragment without its continuation");
	case QFILE_ERR_TRAILING:
		return ("data after the end marker");
	case QFILE_ERR_LINE_LEN:
		return ("line over the length limit");
	case QFILE_ERR_MISMATCH:
		return ("record is not the expected one");
	default:
		return (status > 0 ? "record" : "unknown status");
	}
}
