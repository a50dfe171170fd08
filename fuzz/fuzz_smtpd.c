/*
 * fuzz_smtpd - libFuzzer target for smtpd's command parser and its
 * DATA/BDAT state machine
 *
 * The first input byte picks the line limit and the mode; the rest is
 * both a command line (up to its first NUL) and message input.
 * Invariants, each an abort() when broken:
 *
 *	the parsers never accept what they then report differently: a
 *	NOTIFY mask is NEVER alone or a subset of the other three, a
 *	decoded ENVID/ORCPT is printable ASCII within its RFC 3461 length,
 *	an accepted SIZE is not negative, a reply is "5xx 5.x.x ..." when
 *	a parameter list is refused;
 *	DATA ends exactly after the first CR LF "." CR LF of CR LF + input
 *	(strict and normalizing mode alike), never elsewhere;
 *	feeding the input whole, byte by byte, or split in two at a point
 *	taken from the input gives the same records, status and end;
 *	FRAGMENT records are exactly the line limit, NORMAL records at
 *	most that;
 *	DATA without bare CR/LF gives the lines a simple reference model
 *	gives (cut at CR LF, one leading dot removed);
 *	BDAT consumes everything and never ends before smtpd_data_finish().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vstring.h"
#include "rec_type.h"
#include "../smtpd/smtpd_cmd.h"
#include "../smtpd/smtpd_data.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct OUT {
	VSTRING *recs;			/* type, 4-byte length, data */
	size_t	limit;
} OUT;

static void
collect(int type, const char *data, size_t len, void *context)
{
	OUT    *out = context;
	unsigned char hdr[5];
	uint32_t len32;

	if (type == REC_TYPE_FRAGMENT && len != out->limit)
		abort();
	if (type == REC_TYPE_NORMAL && len > out->limit)
		abort();
	if (type != REC_TYPE_FRAGMENT && type != REC_TYPE_NORMAL)
		abort();
	hdr[0] = type;
	len32 = (uint32_t) len;
	memcpy(hdr + 1, &len32, 4);
	vstring_memcat(out->recs, hdr, 5);
	vstring_memcat(out->recs, data, len);
}

typedef struct RUN {
	OUT	out;
	int	status;
	int	done;
	size_t	used;
	long long size;
} RUN;

/* run - feed in pieces: cut 0 = whole, 1 = byte by byte, else split */

static void
run(int flags, size_t limit, const char *in, size_t len, size_t cut, RUN *r)
{
	SMTPD_DATA *dp;
	size_t	pos = 0;
	size_t	next;
	size_t	used;

	r->out.recs = vstring_alloc(100);
	r->out.limit = limit;
	dp = smtpd_data_create(flags, limit, 0, collect, &r->out);
	r->used = 0;
	while (pos < len && !smtpd_data_done(dp)) {
		if (cut == 1)
			next = pos + 1;
		else if (cut > 1 && pos < cut && cut < len)
			next = cut;
		else
			next = len;
		used = smtpd_data_feed(dp, in + pos, next - pos);
		if (used > next - pos)
			abort();
		if (used < next - pos && !smtpd_data_done(dp))
			abort();
		r->used += used;
		pos = next;
	}
	if (flags & SMTPD_DATA_FLAG_BDAT) {
		if (smtpd_data_done(dp))
			abort();
		smtpd_data_finish(dp);
	}
	r->status = smtpd_data_status(dp);
	r->done = smtpd_data_done(dp);
	r->size = (long long) smtpd_data_size(dp);
	smtpd_data_free(dp);
}

static void
same(const RUN *a, const RUN *b)
{
	if (a->status != b->status || a->done != b->done || a->used != b->used
	    || a->size != b->size
	    || vstring_len(a->out.recs) != vstring_len(b->out.recs)
	    || memcmp(vstring_str(a->out.recs), vstring_str(b->out.recs),
		      vstring_len(a->out.recs)) != 0)
		abort();
}

/* expected_end - bytes up to and including the first CRLF.CRLF */

static size_t
expected_end(const char *in, size_t len, int *found)
{
	size_t	i;

	*found = 0;
	if (len >= 3 && memcmp(in, ".\r\n", 3) == 0) {
		*found = 1;
		return (3);
	}
	for (i = 0; i + 5 <= len; i++) {
		if (memcmp(in + i, "\r\n.\r\n", 5) == 0) {
			*found = 1;
			return (i + 5);
		}
	}
	return (len);
}

/* joined - records as lines: fragments joined, each line + '\n' */

static void
joined(const VSTRING *recs, VSTRING *out)
{
	const unsigned char *cp = (const unsigned char *) vstring_str(recs);
	const unsigned char *end = cp + vstring_len(recs);
	uint32_t len;

	VSTRING_RESET(out);
	while (cp < end) {
		int	type = cp[0];

		memcpy(&len, cp + 1, 4);
		cp += 5;
		vstring_memcat(out, cp, len);
		cp += len;
		if (type == REC_TYPE_NORMAL)
			vstring_addch(out, '\n');
	}
}

/*
 * reference - a second, simple model of DATA without bare CR or LF: the
 * consumed input without its ".\r\n", cut at CR LF, one leading dot
 * removed from each line.
 */
static void
reference(const char *in, size_t end, VSTRING *out)
{
	const char *cp = in;
	const char *stop = in + end - 3;
	const char *eol;

	VSTRING_RESET(out);
	while (cp < stop) {
		eol = memchr(cp, '\r', stop - cp);
		if (eol == NULL || eol + 1 >= stop || eol[1] != '\n')
			abort();		/* no bare CR: CR LF ends lines */
		if (*cp == '.')
			cp++;
		vstring_memcat(out, cp, eol - cp);
		vstring_addch(out, '\n');
		cp = eol + 2;
	}
}

static void
fuzz_data(const char *in, size_t len, size_t limit, int flags, size_t cut)
{
	RUN	whole;
	RUN	bytes;
	RUN	split;
	size_t	end;
	int	found;

	run(flags, limit, in, len, 0, &whole);
	run(flags, limit, in, len, 1, &bytes);
	run(flags, limit, in, len, cut, &split);
	same(&whole, &bytes);
	same(&whole, &split);

	if (flags & SMTPD_DATA_FLAG_BDAT) {
		if (whole.used != len || !whole.done)
			abort();
	} else {
		end = expected_end(in, len, &found);
		if (whole.done != found || whole.used != end)
			abort();
		if (found && whole.status == 0) {
			VSTRING *got = vstring_alloc(len + 10);
			VSTRING *want = vstring_alloc(len + 10);

			joined(whole.out.recs, got);
			reference(in, end, want);
			if (vstring_len(got) != vstring_len(want)
			    || memcmp(vstring_str(got), vstring_str(want),
				      vstring_len(got)) != 0)
				abort();
			vstring_free(got);
			vstring_free(want);
		}
	}
	vstring_free(whole.out.recs);
	vstring_free(bytes.out.recs);
	vstring_free(split.out.recs);
}

static void
check_reply(int code, VSTRING *reply)
{
	const char *r = vstring_str(reply);

	if (code == 0) {
		if (vstring_len(reply) != 0)
			abort();
		return;
	}
	if (code < 500 || code > 599 || strlen(r) < 10 || r[3] != ' '
	    || r[4] != '5' || r[5] != '.')
		abort();
}

static void
check_text(const VSTRING *text, size_t max)
{
	const unsigned char *cp = (const unsigned char *) vstring_str(text);
	size_t	i;

	if (vstring_len(text) > max)
		abort();
	for (i = 0; i < vstring_len(text); i++)
		if (cp[i] < ' ' || cp[i] > '~')
			abort();
}

static void
fuzz_cmd(const char *line)
{
	VSTRING *verb = vstring_alloc(16);
	VSTRING *reply = vstring_alloc(100);
	SMTPD_MAIL_ARGS *ma = smtpd_mail_args_alloc();
	SMTPD_RCPT_ARGS *ra = smtpd_rcpt_args_alloc();
	const char *arg;
	off_t	count;
	int	last;
	int	code;
	int	ext;

	smtpd_cmd_split(line, verb, &arg);
	(void) smtpd_cmd_keyword(arg, "FROM:");
	for (ext = 0; ext <= SMTPD_EXT_ALL; ext += SMTPD_EXT_ALL) {
		code = smtpd_cmd_mail_params(arg, ext, ma, reply);
		check_reply(code, reply);
		if (code == 0) {
			if (ma->size < -1)
				abort();
			if (vstring_len(ma->envid))
				check_text(ma->envid, SMTPD_ENVID_MAX);
		}
		code = smtpd_cmd_rcpt_params(arg, ext, ra, reply);
		check_reply(code, reply);
		if (code == 0) {
			if ((ra->notify & SMTPD_NOTIFY_NEVER)
			    && ra->notify != SMTPD_NOTIFY_NEVER)
				abort();
			if (vstring_len(ra->orcpt_addr))
				check_text(ra->orcpt_addr, SMTPD_ORCPT_MAX);
		}
	}
	if (smtpd_cmd_bdat_args(arg, &count, &last) == 0 && count < 0)
		abort();
	if (smtpd_xtext_decode(reply, arg, 100) == 0)
		check_text(reply, 100);
	smtpd_mail_args_free(ma);
	smtpd_rcpt_args_free(ra);
	vstring_free(verb);
	vstring_free(reply);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *copy;
	size_t	limit;
	size_t	cut;
	int	flags;

	if (size < 2)
		return (0);
	limit = 1 + (data[0] & 0x0f) * 3;
	flags = (data[0] >> 4) & 3;
	cut = data[1];
	data += 2;
	size -= 2;

	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = 0;
	fuzz_cmd(copy);
	fuzz_data(copy, size, limit, flags, cut);
	free(copy);
	return (0);
}
