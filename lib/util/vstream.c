/*
 * vstream - buffered streams over a descriptor or memory, with deadlines
 *
 *	vstream_fdopen/fopen/memopen/memopen_read() open a stream;
 *	vstream_close/fdclose() flush and free it.
 *	vstream_getc/ungetc/fread/fgets_bound/fgetdelim_bound/peek() read;
 *	vstream_fwrite/putc/fputs/fprintf/vfprintf/fflush() write.
 *	vstream_feof/ferror/ftimeout/clearerr/fileno() report status.
 *	vstream_set_timeout/set_deadline/request_begin/request_end() bound
 *	the time a call may wait for its descriptor.
 *
 * Every wait for the descriptor goes through timed_read()/timed_write()
 * (iostuff), which poll with the time that is left and so never block
 * past the deadline, whatever the descriptor's blocking mode.
 *
 * Errors: return values and sticky flags (see vstream.h); misuse panics.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "iostuff.h"
#include "vstring.h"
#include "vstream.h"

#define VSTREAM_BUFSIZE	4096

#define F_READ		(1 << 0)	/* opened for reading */
#define F_WRITE		(1 << 1)	/* opened for writing */
#define F_MEM		(1 << 2)	/* memory stream */
#define F_RBUF_OWNED	(1 << 3)	/* rbuf is ours to free */
#define F_DEADLINE	(1 << 4)	/* timeout is a per-call budget */
#define F_EOF		(1 << 5)
#define F_ERR		(1 << 6)
#define F_TIMEOUT	(1 << 7)
#define F_STOP_READ	(F_EOF | F_ERR | F_TIMEOUT)
#define F_STOP_WRITE	(F_ERR | F_TIMEOUT)

struct VSTREAM {
	int     fd;			/* -1 for memory streams */
	int     kind;			/* IO_KIND_* of fd */
	int     flags;			/* F_* above */
	unsigned char *rbuf;		/* read buffer, or the caller's memory */
	size_t  rsize;			/* bytes allocated in rbuf */
	size_t  rpos;			/* next byte to return */
	size_t  rlen;			/* bytes valid in rbuf */
	unsigned char *wbuf;		/* write buffer, allocated on first use */
	size_t  wlen;			/* bytes waiting in wbuf */
	VSTRING *mem_out;		/* memory write target (caller's) */
	VSTRING *fmt_buf;		/* vstream_vfprintf() scratch */
	int     timeout_ms;		/* 0: no limit */
	int     depth;			/* vstream_request_begin() nesting */
	long long deadline;		/* budget end while depth > 0 */
	VSTREAM_READ_FN read_fn;	/* NULL: timed_read() */
	VSTREAM_WRITE_FN write_fn;	/* NULL: timed_write() */
	void   *io_ctx;			/* their context */
};

/* One open routine for all kinds. */
static VSTREAM *
vstream_alloc(int fd, int flags)
{
	VSTREAM *vp = mycalloc(1, sizeof(*vp));

	vp->fd = fd;
	vp->flags = flags;
	return (vp);
}

VSTREAM *
vstream_fdopen(int fd, int flags)
{
	VSTREAM *vp;
	int     mode = 0;

	if (fd < 0)
		msg_panic("vstream_fdopen: bad descriptor %d", fd);
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		mode = F_READ;
		break;
	case O_WRONLY:
		mode = F_WRITE;
		break;
	case O_RDWR:
		mode = F_READ | F_WRITE;
		break;
	default:
		msg_panic("vstream_fdopen: bad flags 0x%x", (unsigned) flags);
	}
	vp = vstream_alloc(fd, mode);
	vp->kind = io_kind(fd);
	return (vp);
}

VSTREAM *
vstream_fopen(const char *path, int open_flags, mode_t mode)
{
	int     fd;

	if ((fd = open(path, open_flags | O_CLOEXEC, mode)) < 0)
		return (NULL);
	return (vstream_fdopen(fd, open_flags));
}

VSTREAM *
vstream_memopen_read(const void *buf, size_t len)
{
	VSTREAM *vp = vstream_alloc(-1, F_READ | F_MEM);

	/* Never written through: vstream_ungetc() copies first. */
	vp->rbuf = (unsigned char *) buf;
	vp->rlen = len;
	vp->rsize = len;
	return (vp);
}

VSTREAM *
vstream_memopen(VSTRING *string, int flags)
{
	VSTREAM *vp;

	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return (vstream_memopen_read(vstring_str(string), vstring_len(string)));
	case O_WRONLY:
		vp = vstream_alloc(-1, F_WRITE | F_MEM);
		vp->mem_out = string;
		return (vp);
	default:
		msg_panic("vstream_memopen: bad flags 0x%x", (unsigned) flags);
	}
}

/* Milliseconds one wait may take now: -1 means no limit. */
static int
vstream_wait_ms(VSTREAM *vp)
{
	long long left;

	if (vp->timeout_ms <= 0)
		return (-1);
	if ((vp->flags & F_DEADLINE) == 0 || vp->depth == 0)
		return (vp->timeout_ms);
	left = vp->deadline - monotonic_ms();
	return (left < 0 ? 0 : (int) left);
}

void
vstream_control_io(VSTREAM *vp, VSTREAM_READ_FN read_fn,
		   VSTREAM_WRITE_FN write_fn, void *ctx)
{
	if (vp->flags & F_MEM)
		msg_panic("vstream_control_io: memory stream");
	vp->read_fn = read_fn;
	vp->write_fn = write_fn;
	vp->io_ctx = ctx;
}

size_t
vstream_discard_input(VSTREAM *vp)
{
	size_t  n = vp->rlen - vp->rpos;

	if (vp->flags & F_MEM)
		msg_panic("vstream_discard_input: memory stream");
	vp->rpos = vp->rlen = 0;
	return (n);
}

void
vstream_request_begin(VSTREAM *vp)
{
	if (vp->depth++ == 0)
		vp->deadline = monotonic_ms() + vp->timeout_ms;
}

void
vstream_request_end(VSTREAM *vp)
{
	if (vp->depth <= 0)
		msg_panic("vstream_request_end: no matching vstream_request_begin");
	vp->depth--;
}

static void
vstream_io_failed(VSTREAM *vp)
{
	vp->flags |= (errno == ETIMEDOUT) ? F_TIMEOUT : F_ERR;
}

/* Write everything or fail with the stream marked. */
static int
vstream_write_all(VSTREAM *vp, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = vp->write_fn ?
		    vp->write_fn(vp->fd, buf, len, vstream_wait_ms(vp), vp->io_ctx) :
		    timed_write(vp->fd, buf, len, vp->kind, vstream_wait_ms(vp));
		if (n < 0) {
			vstream_io_failed(vp);
			return (VSTREAM_EOF);
		}
		buf += n;
		len -= (size_t) n;
	}
	return (0);
}

static int
vstream_flush_buf(VSTREAM *vp)
{
	size_t  len = vp->wlen;

	if (vp->flags & F_STOP_WRITE)
		return (VSTREAM_EOF);
	if (len == 0)
		return (0);
	/* Pending output is dropped on error: the session is over anyway. */
	vp->wlen = 0;
	return (vstream_write_all(vp, vp->wbuf, len));
}

/* One read from the descriptor: bytes read, 0 when nothing came. */
static size_t
vstream_sysread(VSTREAM *vp, void *buf, size_t len)
{
	ssize_t n;

	if ((vp->flags & F_READ) == 0)
		msg_panic("vstream: read from a stream not open for reading");
	if (vp->flags & F_STOP_READ)
		return (0);
	if (vp->flags & F_MEM) {
		vp->flags |= F_EOF;
		return (0);
	}
	if (vp->wlen > 0 && vstream_flush_buf(vp) < 0)
		return (0);
	n = vp->read_fn ?
	    vp->read_fn(vp->fd, buf, len, vstream_wait_ms(vp), vp->io_ctx) :
	    timed_read(vp->fd, buf, len, vp->kind, vstream_wait_ms(vp));
	if (n > 0)
		return ((size_t) n);
	if (n == 0)
		vp->flags |= F_EOF;
	else
		vstream_io_failed(vp);
	return (0);
}

/* Refill the empty read buffer: bytes now available, 0 when none. */
static size_t
vstream_fill(VSTREAM *vp)
{
	size_t  n;

	if (vp->rbuf == NULL && (vp->flags & F_MEM) == 0) {
		vp->rbuf = mymalloc(VSTREAM_BUFSIZE);
		vp->rsize = VSTREAM_BUFSIZE;
		vp->flags |= F_RBUF_OWNED;
	}
	if ((vp->flags & F_MEM) == 0)
		vp->rpos = vp->rlen = 0;
	n = vstream_sysread(vp, vp->rbuf, vp->rsize);
	if (n > 0) {
		vp->rpos = 0;
		vp->rlen = n;
	}
	return (n);
}

int
vstream_getc(VSTREAM *vp)
{
	size_t  n;

	if (vp->rpos < vp->rlen)
		return (vp->rbuf[vp->rpos++]);
	vstream_request_begin(vp);
	n = vstream_fill(vp);
	vstream_request_end(vp);
	return (n > 0 ? vp->rbuf[vp->rpos++] : VSTREAM_EOF);
}

int
vstream_ungetc(VSTREAM *vp, int ch)
{
	size_t  avail = vp->rlen - vp->rpos;
	size_t  size;
	unsigned char *nbuf;
	int     shared = (vp->flags & F_RBUF_OWNED) == 0;

	if (ch == VSTREAM_EOF)
		return (VSTREAM_EOF);
	if ((vp->flags & F_READ) == 0)
		msg_panic("vstream_ungetc: stream not open for reading");
	vp->flags &= ~F_EOF;
	if (vp->rpos > 0 && shared && vp->rbuf[vp->rpos - 1] == (unsigned char) ch) {
		vp->rpos--;
	} else if (vp->rpos > 0 && !shared) {
		vp->rbuf[--vp->rpos] = (unsigned char) ch;
	} else {
		/* No room in front, or caller memory: move to a private buffer. */
		if (avail >= SIZE_MAX - VSTREAM_BUFSIZE)
			msg_fatal("vstream_ungetc: buffer size overflow");
		size = avail + 1 < VSTREAM_BUFSIZE ?
			VSTREAM_BUFSIZE : avail + VSTREAM_BUFSIZE;
		nbuf = mymalloc(size);
		nbuf[0] = (unsigned char) ch;
		if (avail > 0)
			memcpy(nbuf + 1, vp->rbuf + vp->rpos, avail);
		if (!shared)
			myfree(vp->rbuf);
		vp->rbuf = nbuf;
		vp->rsize = size;
		vp->rpos = 0;
		vp->rlen = avail + 1;
		vp->flags |= F_RBUF_OWNED;
	}
	return ((unsigned char) ch);
}

size_t
vstream_fread(VSTREAM *vp, void *buf, size_t len)
{
	unsigned char *cp = buf;
	size_t  done = 0;
	size_t  n;

	vstream_request_begin(vp);
	while (done < len) {
		if ((n = vp->rlen - vp->rpos) > 0) {
			if (n > len - done)
				n = len - done;
			memcpy(cp + done, vp->rbuf + vp->rpos, n);
			vp->rpos += n;
		} else if ((vp->flags & F_MEM) == 0 && len - done >= VSTREAM_BUFSIZE) {
			if ((n = vstream_sysread(vp, cp + done, len - done)) == 0)
				break;
		} else if (vstream_fill(vp) == 0) {
			break;
		} else {
			continue;
		}
		done += n;
	}
	vstream_request_end(vp);
	return (done);
}

int
vstream_fgetdelim_bound(VSTREAM *vp, VSTRING *line, size_t max_len, int delim)
{
	const unsigned char *start;
	const unsigned char *hit;
	size_t  n;
	int     status;

	if (max_len == 0)
		msg_panic("vstream_fgetdelim_bound: zero length bound");
	VSTRING_RESET(line);
	vstream_request_begin(vp);
	for (;;) {
		if (vp->rpos >= vp->rlen && vstream_fill(vp) == 0) {
			status = vstring_len(line) > 0 ?
				VSTREAM_GETS_PARTIAL : VSTREAM_GETS_EOF;
			break;
		}
		start = vp->rbuf + vp->rpos;
		n = vp->rlen - vp->rpos;
		if (n > max_len - vstring_len(line))
			n = max_len - vstring_len(line);
		if ((hit = memchr(start, delim, n)) != NULL) {
			n = (size_t) (hit - start) + 1;
			vstring_memcat(line, start, n);
			vp->rpos += n;
			status = VSTREAM_GETS_OK;
			break;
		}
		vstring_memcat(line, start, n);
		vp->rpos += n;
		if (vstring_len(line) >= max_len) {
			status = VSTREAM_GETS_TRUNC;
			break;
		}
	}
	vstream_request_end(vp);
	return (status);
}

int
vstream_fgets_bound(VSTREAM *vp, VSTRING *line, size_t max_len)
{
	return (vstream_fgetdelim_bound(vp, line, max_len, '\n'));
}

size_t
vstream_peek(VSTREAM *vp)
{
	return (vp->rlen - vp->rpos);
}

ssize_t
vstream_fwrite(VSTREAM *vp, const void *buf, size_t len)
{
	int     status = 0;

	if ((vp->flags & F_WRITE) == 0)
		msg_panic("vstream: write to a stream not open for writing");
	if (vp->flags & F_STOP_WRITE)
		return (VSTREAM_EOF);
	if (len > SSIZE_MAX)
		msg_panic("vstream_fwrite: length %zu too large", len);
	if (vp->flags & F_MEM) {
		vstring_memcat(vp->mem_out, buf, len);
		return ((ssize_t) len);
	}
	if (vp->wbuf == NULL)
		vp->wbuf = mymalloc(VSTREAM_BUFSIZE);
	vstream_request_begin(vp);
	if (len > VSTREAM_BUFSIZE - vp->wlen)
		status = vstream_flush_buf(vp);
	if (status == 0 && len >= VSTREAM_BUFSIZE) {
		/* Big writes go straight out instead of through the buffer. */
		status = vstream_write_all(vp, buf, len);
	} else if (status == 0 && len > 0) {
		memcpy(vp->wbuf + vp->wlen, buf, len);
		vp->wlen += len;
	}
	vstream_request_end(vp);
	return (status < 0 ? VSTREAM_EOF : (ssize_t) len);
}

int
vstream_putc(VSTREAM *vp, int ch)
{
	unsigned char byte = (unsigned char) ch;

	if (vp->wbuf != NULL && vp->wlen < VSTREAM_BUFSIZE
	    && (vp->flags & F_STOP_WRITE) == 0) {
		vp->wbuf[vp->wlen++] = byte;
		return (byte);
	}
	return (vstream_fwrite(vp, &byte, 1) < 0 ? VSTREAM_EOF : byte);
}

int
vstream_fputs(VSTREAM *vp, const char *str)
{
	return (vstream_fwrite(vp, str, strlen(str)) < 0 ? VSTREAM_EOF : 0);
}

int
vstream_vfprintf(VSTREAM *vp, const char *fmt, va_list ap)
{
	size_t  len;

	if (vp->fmt_buf == NULL)
		vp->fmt_buf = vstring_alloc(100);
	VSTRING_RESET(vp->fmt_buf);
	vstring_vsprintf_append(vp->fmt_buf, fmt, ap);
	if (vstream_fwrite(vp, vstring_str(vp->fmt_buf), vstring_len(vp->fmt_buf)) < 0)
		return (VSTREAM_EOF);
	len = vstring_len(vp->fmt_buf);
	return (len > INT_MAX ? INT_MAX : (int) len);
}

int
vstream_fprintf(VSTREAM *vp, const char *fmt, ...)
{
	va_list ap;
	int     ret;

	va_start(ap, fmt);
	ret = vstream_vfprintf(vp, fmt, ap);
	va_end(ap);
	return (ret);
}

int
vstream_fflush(VSTREAM *vp)
{
	int     status;

	if (vp->flags & F_MEM)
		return (0);
	vstream_request_begin(vp);
	status = vstream_flush_buf(vp);
	vstream_request_end(vp);
	return (status);
}

int
vstream_feof(VSTREAM *vp)
{
	return ((vp->flags & F_EOF) != 0);
}

int
vstream_ferror(VSTREAM *vp)
{
	return ((vp->flags & (F_ERR | F_TIMEOUT)) != 0);
}

int
vstream_ftimeout(VSTREAM *vp)
{
	return ((vp->flags & F_TIMEOUT) != 0);
}

void
vstream_clearerr(VSTREAM *vp)
{
	vp->flags &= ~(F_EOF | F_ERR | F_TIMEOUT);
}

int
vstream_fileno(VSTREAM *vp)
{
	return (vp->fd);
}

void
vstream_set_timeout(VSTREAM *vp, int seconds)
{
	if (seconds < 0)
		msg_panic("vstream_set_timeout: negative timeout %d", seconds);
	vp->timeout_ms = seconds > INT_MAX / 1000 ? INT_MAX : seconds * 1000;
}

void
vstream_set_deadline(VSTREAM *vp, int on)
{
	if (on)
		vp->flags |= F_DEADLINE;
	else
		vp->flags &= ~F_DEADLINE;
}

/* Flush and free; close the descriptor too when asked. */
static int
vstream_free(VSTREAM *vp, int close_fd)
{
	int     status = 0;

	if (vp->depth != 0)
		msg_panic("vstream_close: stream closed inside a request");
	if ((vp->flags & F_WRITE) && vstream_fflush(vp) < 0)
		status = VSTREAM_EOF;
	if (close_fd && vp->fd >= 0 && close(vp->fd) < 0 && errno != EINTR)
		status = VSTREAM_EOF;
	if (vp->flags & F_RBUF_OWNED)
		myfree(vp->rbuf);
	if (vp->wbuf)
		myfree(vp->wbuf);
	vstring_free(vp->fmt_buf);
	myfree(vp);
	return (status);
}

int
vstream_close(VSTREAM *vp)
{
	return (vstream_free(vp, 1));
}

int
vstream_fdclose(VSTREAM *vp)
{
	return (vstream_free(vp, 0));
}
