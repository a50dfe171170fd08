/*
 * fuzz_queue_file - libFuzzer target for the queue file reader
 *
 * The input is a queue file. It is read from memory with a small and
 * with the default record limit, and from a memfd through the buffered
 * descriptor reader; every read must end in QFILE_EOF, QFILE_INCOMPLETE
 * or an error, never run past the data, and both readers must see the
 * same records. Then every RCPT record is marked done on the memfd and
 * the file is read again: the same records come back, with no RCPT left.
 * Any broken invariant is an abort().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE			/* memfd_create() */
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "vstring.h"
#include "rec_type.h"
#include "qfile.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS	100000

/* What one pass saw: a digest of types, lengths and offsets. */
typedef struct {
	int	status;			/* final status, <= 0 */
	size_t	count;
	size_t	rcpt;			/* RCPT records (not DONE) */
	uint64_t digest;		/* DONE counts as RCPT here */
} PASS;

static void
mix(uint64_t *digest, uint64_t value)
{
	*digest = (*digest ^ value) * 0x100000001b3ULL;
}

static PASS
read_all(QFILE *qf, size_t size, int lines, off_t *rcpt_offs)
{
	VSTRING *buf = vstring_alloc(100);
	PASS    pass = {0, 0, 0, 0xcbf29ce484222325ULL};
	off_t   last = -1;
	int     st;

	for (;;) {
		st = lines ? qfile_read_line(qf, buf, 0) : qfile_read_rec(qf, buf);
		if (st <= 0)
			break;
		if (!rec_type_known(st) || ++pass.count > MAX_RECORDS)
			abort();
		/* Records start inside the data, in increasing order. */
		if (qfile_rec_offset(qf) <= last || (size_t) qfile_rec_offset(qf) >= size)
			abort();
		if ((size_t) qfile_tell(qf) > size || vstring_len(buf) > size)
			abort();
		last = qfile_rec_offset(qf);
		if (st == REC_TYPE_RCPT) {
			if (rcpt_offs)
				rcpt_offs[pass.rcpt] = last;
			pass.rcpt++;
		}
		if (st == REC_TYPE_DONE)
			st = REC_TYPE_RCPT;
		mix(&pass.digest, (uint64_t) st);
		mix(&pass.digest, vstring_len(buf));
		mix(&pass.digest, (uint64_t) last);
		if (vstring_len(buf) > 0)
			mix(&pass.digest, (unsigned char) vstring_str(buf)[vstring_len(buf) - 1]);
	}
	if (st < QFILE_ERR_MISMATCH)
		abort();
	if (st == QFILE_EOF && (size_t) qfile_tell(qf) != size)
		abort();
	/* Statuses are sticky. */
	if (st != QFILE_EOF && qfile_read_rec(qf, buf) != st)
		abort();
	pass.status = st;
	vstring_free(buf);
	return (pass);
}

static int
same(PASS a, PASS b)
{
	return (a.status == b.status && a.count == b.count && a.digest == b.digest);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	QFILE  *qf;
	PASS    mem;
	PASS    fdp;
	PASS    again;
	off_t  *rcpt_offs;
	size_t  i;
	int     fd;

	/* A small limit reaches the length checks with short inputs. */
	qf = qfile_open_mem(data, size, 200);
	read_all(qf, size, 1, NULL);
	qfile_close(qf);

	qf = qfile_open_mem(data, size, 0);
	mem = read_all(qf, size, 0, NULL);
	qfile_close(qf);

	if ((fd = memfd_create("fuzz_queue_file", 0)) < 0)
		return (0);
	if (write(fd, data, size) != (ssize_t) size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return (0);
	}
	rcpt_offs = malloc((size + 1) * sizeof(*rcpt_offs));
	qf = qfile_open(fd, QFILE_READ, 0);
	fdp = read_all(qf, size, 0, rcpt_offs);
	qfile_close(qf);
	if (!same(mem, fdp) || mem.rcpt != fdp.rcpt)
		abort();

	for (i = 0; i < fdp.rcpt; i++)
		if (qfile_mark_done(fd, rcpt_offs[i]) != 0)
			abort();
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	qf = qfile_open(fd, QFILE_READ, 0);
	again = read_all(qf, size, 0, NULL);
	qfile_close(qf);
	if (!same(mem, again) || again.rcpt != 0)
		abort();
	free(rcpt_offs);
	close(fd);
	return (0);
}
