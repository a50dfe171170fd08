#ifndef POSTERN_VSTREAM_H
#define POSTERN_VSTREAM_H

/*
 * vstream - buffered streams over a descriptor or memory, with deadlines
 *
 * Opening and closing:
 *	vstream_fdopen(fd, flags) wraps fd; flags is O_RDONLY, O_WRONLY or
 *	O_RDWR. vstream_fopen(path, open_flags, mode) opens a file (always
 *	close-on-exec); NULL with errno on failure.
 *	vstream_memopen(string, flags) reads the content of a VSTRING
 *	(O_RDONLY; the string must not change while the stream is open) or
 *	appends to it (O_WRONLY; writes land in the string at once).
 *	vstream_memopen_read(buf, len) reads a caller buffer, which is not
 *	copied and must outlive the stream. A memory stream is never closed
 *	with its string or buffer; those stay the caller's.
 *	vstream_close() flushes, closes the descriptor and frees the stream;
 *	vstream_fdclose() does the same but leaves the descriptor open.
 *	Both return 0, or VSTREAM_EOF when a writable stream had an error or
 *	a timeout, or when the flush or close failed (the stream is freed
 *	either way).
 *
 * Reading:
 *	vstream_getc() returns the next byte (0..255) or VSTREAM_EOF.
 *	vstream_ungetc() pushes a byte back (repeatable) and clears the
 *	end-of-file flag; it returns the byte.
 *	vstream_fread(stream, buf, len) returns the number of bytes read:
 *	len, or fewer when end of file, an error or a timeout came first
 *	(the status functions tell which). Large reads bypass the buffer.
 *	vstream_fgets_bound(stream, line, max_len) replaces line with the
 *	next line, up to and including '\n', but never more than max_len
 *	bytes (max_len > 0). It is binary safe (NUL bytes are data) and
 *	returns VSTREAM_GETS_OK for a complete line, VSTREAM_GETS_TRUNC when
 *	max_len bytes came without a '\n' (the rest of the line stays
 *	unread), VSTREAM_GETS_PARTIAL when end of file, an error or a timeout
 *	cut the line short, and VSTREAM_GETS_EOF when nothing was read.
 *	vstream_fgetdelim_bound() is the same with another delimiter byte.
 *	vstream_peek() is the number of bytes that can be read without
 *	waiting for the descriptor (an event loop checks it before waiting).
 *
 * Writing (buffered; large writes bypass the buffer):
 *	vstream_fwrite(stream, buf, len) returns len or VSTREAM_EOF;
 *	vstream_putc() returns the byte or VSTREAM_EOF; vstream_fputs()
 *	returns 0 or VSTREAM_EOF; vstream_fprintf() and vstream_vfprintf()
 *	return the number of bytes formatted or VSTREAM_EOF;
 *	vstream_fflush() writes out the buffer: 0 or VSTREAM_EOF.
 *	A read that needs the descriptor (the read buffer is empty) first
 *	flushes pending output, so a request is never left sitting in our
 *	buffer while we wait for the reply, and pipelined replies go out
 *	once all buffered input has been handled. Reads and writes have
 *	separate buffers, which suits sockets and pipes; on a regular file
 *	opened O_RDWR they do not share one file position.
 *
 * Status:
 *	vstream_feof(): end of file was seen. vstream_ferror(): an I/O error
 *	or a timeout happened. vstream_ftimeout(): a timeout happened.
 *	These flags are sticky: once set, reads that need the descriptor
 *	return end of file and writes fail, until vstream_clearerr().
 *	(End of file stops reads only.) vstream_fileno() is the descriptor,
 *	-1 for memory streams.
 *
 * Deadlines:
 *	vstream_set_timeout(stream, seconds) limits every wait for the
 *	descriptor (0, the default, means no limit, as with stdio). Waits use
 *	poll(), so blocking and non-blocking descriptors both work and a
 *	call never blocks longer than the limit. When time runs out the
 *	timeout flag is set and the call returns as for end of file.
 *	vstream_set_deadline(stream, on) turns the limit into a total budget
 *	for one vstream_fread(), vstream_fwrite(), vstream_fgets_bound(),
 *	vstream_fflush(), ... call instead of a limit per system call, so a
 *	peer that sends one byte at a time cannot hold the session.
 *	vstream_request_begin() and vstream_request_end() bracket several
 *	calls that share one budget (attr_scan() uses this for a whole
 *	request); brackets nest, and the budget starts at the outermost one.
 *
 * Pluggable I/O (TLS):
 *	vstream_control_io(stream, read_fn, write_fn, ctx) makes every later
 *	descriptor read and write go through read_fn/write_fn instead of
 *	timed_read()/timed_write(); NULL for both restores plain I/O. The
 *	functions get the descriptor, the buffer, the milliseconds this wait
 *	may take (-1: no limit) and ctx, and return as timed_read() and
 *	timed_write() do (>0 bytes, 0 end of file, -1 with errno, ETIMEDOUT
 *	for a timeout).
 *	vstream_discard_input() drops the bytes already buffered for reading
 *	and returns how many there were (before a TLS handshake, so nothing
 *	sent in clear text is read as if it came encrypted).
 *
 * Errors: I/O trouble is reported through the return values and flags
 * above (errno tells more right after the failing call). Misuse (reading
 * a write-only stream, a zero bound) is a panic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <sys/types.h>

#include "vstring.h"

typedef struct VSTREAM VSTREAM;

#define VSTREAM_EOF	(-1)

#define VSTREAM_GETS_EOF	(-1)	/* nothing read */
#define VSTREAM_GETS_OK		0	/* complete line, delimiter included */
#define VSTREAM_GETS_TRUNC	1	/* max_len bytes without delimiter */
#define VSTREAM_GETS_PARTIAL	2	/* EOF, error or timeout mid-line */

extern VSTREAM *vstream_fdopen(int fd, int flags);
extern VSTREAM *vstream_fopen(const char *path, int open_flags, mode_t mode);
extern VSTREAM *vstream_memopen(VSTRING *string, int flags);
extern VSTREAM *vstream_memopen_read(const void *buf, size_t len);
extern int vstream_close(VSTREAM *stream);
extern int vstream_fdclose(VSTREAM *stream);

extern int vstream_getc(VSTREAM *stream);
extern int vstream_ungetc(VSTREAM *stream, int ch);
extern size_t vstream_fread(VSTREAM *stream, void *buf, size_t len);
extern int vstream_fgets_bound(VSTREAM *stream, VSTRING *line, size_t max_len);
extern int vstream_fgetdelim_bound(VSTREAM *stream, VSTRING *line,
				           size_t max_len, int delim);
extern size_t vstream_peek(VSTREAM *stream);

extern ssize_t vstream_fwrite(VSTREAM *stream, const void *buf, size_t len);
extern int vstream_putc(VSTREAM *stream, int ch);
extern int vstream_fputs(VSTREAM *stream, const char *str);
extern int vstream_fprintf(VSTREAM *stream, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern int vstream_vfprintf(VSTREAM *stream, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
extern int vstream_fflush(VSTREAM *stream);

extern int vstream_feof(VSTREAM *stream);
extern int vstream_ferror(VSTREAM *stream);
extern int vstream_ftimeout(VSTREAM *stream);
extern void vstream_clearerr(VSTREAM *stream);
extern int vstream_fileno(VSTREAM *stream);

typedef ssize_t (*VSTREAM_READ_FN) (int fd, void *buf, size_t len,
				     int timeout_ms, void *ctx);
typedef ssize_t (*VSTREAM_WRITE_FN) (int fd, const void *buf, size_t len,
				      int timeout_ms, void *ctx);
extern void vstream_control_io(VSTREAM *stream, VSTREAM_READ_FN read_fn,
			       VSTREAM_WRITE_FN write_fn, void *ctx);
extern size_t vstream_discard_input(VSTREAM *stream);

extern void vstream_set_timeout(VSTREAM *stream, int seconds);
extern void vstream_set_deadline(VSTREAM *stream, int on);
extern void vstream_request_begin(VSTREAM *stream);
extern void vstream_request_end(VSTREAM *stream);

#endif
