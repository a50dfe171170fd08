/*
 * smtpd_data - the DATA and BDAT input state machine
 *
 * See smtpd_data.h for the contract. The machine keeps just enough
 * state to work across arbitrary buffer boundaries: the partial line
 * (bounded by line_limit, then flushed as a FRAGMENT), whether a CR is
 * pending, whether the current line began with a (removed) dot, and
 * whether the line start followed a real CR LF. Runs of plain bytes are
 * copied in bulk; CR, LF and a dot at the start of a line go through
 * the byte-wise path.
 *
 *	smtpd_data_create(), smtpd_data_free(), smtpd_data_feed(),
 *	smtpd_data_done(), smtpd_data_finish(), smtpd_data_status(),
 *	smtpd_data_size().
 */
#include "config.h"

#include <string.h>

#include "mymalloc.h"
#include "msg.h"
#include "vstring.h"
#include "rec_type.h"
#include "smtpd_data.h"

struct SMTPD_DATA {
	int	flags;			/* SMTPD_DATA_FLAG_* */
	size_t	line_limit;		/* record size */
	off_t	size_limit;		/* 0: none */
	SMTPD_DATA_OUT_FN out;
	void   *context;
	VSTRING *line;			/* the partial line */
	int	status;			/* SMTPD_DATA_BARE_* | TOO_BIG */
	int	done;			/* end of DATA seen */
	off_t	size;			/* content size, CR LF counted */
	int	sol;			/* at the start of a line */
	int	sol_real;		/* ... after a real CR LF */
	int	dot;			/* the line began with a removed dot */
	int	cr;			/* a CR is pending */
	int	fragmented;		/* part of the line was emitted */
};

SMTPD_DATA *
smtpd_data_create(int flags, size_t line_limit, off_t size_limit,
		  SMTPD_DATA_OUT_FN out, void *context)
{
	SMTPD_DATA *dp = mymalloc(sizeof(*dp));

	if (line_limit == 0)
		msg_panic("smtpd_data_create: zero line limit");
	dp->flags = flags;
	dp->line_limit = line_limit;
	dp->size_limit = size_limit;
	dp->out = out;
	dp->context = context;
	dp->line = vstring_alloc(line_limit < 1024 ? line_limit + 1 : 1024);
	dp->status = 0;
	dp->done = 0;
	dp->size = 0;
	dp->sol = 1;
	dp->sol_real = 1;		/* the DATA command ended in CR LF */
	dp->dot = 0;
	dp->cr = 0;
	dp->fragmented = 0;
	return (dp);
}

void
smtpd_data_free(SMTPD_DATA *dp)
{
	vstring_free(dp->line);
	myfree(dp);
}

/* rejected - no more output: the message will not be queued */

static int
rejected(const SMTPD_DATA *dp)
{
	if (dp->status & SMTPD_DATA_TOO_BIG)
		return (1);
	if ((dp->status & (SMTPD_DATA_BARE_LF | SMTPD_DATA_BARE_CR))
	    && !(dp->flags & SMTPD_DATA_FLAG_NORMALIZE))
		return (1);
	return (0);
}

static void
emit(SMTPD_DATA *dp, int type)
{
	if (!rejected(dp))
		dp->out(type, vstring_str(dp->line), vstring_len(dp->line),
			dp->context);
	VSTRING_RESET(dp->line);
}

static void
count(SMTPD_DATA *dp, size_t len)
{
	dp->size += len;
	if (dp->size_limit > 0 && dp->size > dp->size_limit)
		dp->status |= SMTPD_DATA_TOO_BIG;
}

/* add_bytes - append content to the current line, fragmenting */

static void
add_bytes(SMTPD_DATA *dp, const char *data, size_t len)
{
	size_t	room;
	size_t	chunk;

	dp->sol = 0;
	count(dp, len);
	while (len > 0) {
		room = dp->line_limit - vstring_len(dp->line);
		chunk = len < room ? len : room;
		vstring_memcat(dp->line, data, chunk);
		data += chunk;
		len -= chunk;
		if (vstring_len(dp->line) >= dp->line_limit) {
			emit(dp, REC_TYPE_FRAGMENT);
			dp->fragmented = 1;
		}
	}
}

/* end_line - a line terminator; real is 1 for CR LF */

static void
end_line(SMTPD_DATA *dp, int real)
{
	if (!(dp->flags & SMTPD_DATA_FLAG_BDAT) && real && dp->sol_real
	    && dp->dot && vstring_len(dp->line) == 0 && !dp->fragmented) {
		dp->done = 1;
		return;
	}
	count(dp, 2);
	emit(dp, REC_TYPE_NORMAL);
	dp->fragmented = 0;
	dp->dot = 0;
	dp->sol = 1;
	dp->sol_real = real;
}

/* bare_cr - a CR not followed by LF: data, and noted */

static void
bare_cr(SMTPD_DATA *dp)
{
	dp->status |= SMTPD_DATA_BARE_CR;
	add_bytes(dp, "\r", 1);
}

size_t
smtpd_data_feed(SMTPD_DATA *dp, const char *buf, size_t len)
{
	const char *cp = buf;
	const char *end = buf + len;
	const char *run;
	int	ch;

	while (cp < end && !dp->done) {
		ch = (unsigned char) *cp;
		if (dp->cr) {
			dp->cr = 0;
			if (ch == '\n') {
				cp++;
				end_line(dp, 1);
				continue;
			}
			bare_cr(dp);
			/* Now handle ch as usual. */
		}
		if (ch == '\r') {
			dp->cr = 1;
			cp++;
			continue;
		}
		if (ch == '\n') {
			dp->status |= SMTPD_DATA_BARE_LF;
			cp++;
			if (dp->flags & SMTPD_DATA_FLAG_NORMALIZE)
				end_line(dp, 0);
			else
				add_bytes(dp, "\n", 1);
			continue;
		}
		if (dp->sol && ch == '.' && !(dp->flags & SMTPD_DATA_FLAG_BDAT)) {
			dp->sol = 0;
			dp->dot = 1;
			cp++;
			continue;
		}
		/* A run of plain bytes. */
		for (run = cp; cp < end && *cp != '\r' && *cp != '\n'; cp++)
			 /* void */ ;
		add_bytes(dp, run, cp - run);
	}
	return (cp - buf);
}

int
smtpd_data_done(const SMTPD_DATA *dp)
{
	return (dp->done);
}

void
smtpd_data_finish(SMTPD_DATA *dp)
{
	if (dp->done)
		return;
	if (dp->cr) {
		dp->cr = 0;
		bare_cr(dp);
	}
	if (vstring_len(dp->line) > 0 || dp->fragmented || dp->dot) {
		count(dp, 2);
		emit(dp, REC_TYPE_NORMAL);
	}
	dp->fragmented = 0;
	dp->dot = 0;
	dp->sol = 1;
	dp->done = 1;
}

int
smtpd_data_status(const SMTPD_DATA *dp)
{
	return (dp->status);
}

off_t
smtpd_data_size(const SMTPD_DATA *dp)
{
	return (dp->size);
}
