#ifndef POSTERN_POSTQUEUE_H
#define POSTERN_POSTQUEUE_H

/*
 * postqueue.h - postqueue(1)'s queue listing, separate from main() so
 * that unit tests can feed it a recorded showq(8) stream.
 *
 *	postqueue_list() reads a showq(8) listing (attr0, see showq.c) from
 *		showq and writes it to out in Postfix's mailq format
 *		(POSTQUEUE_FMT_MAILQ) or as one JSON object per message
 *		(POSTQUEUE_FMT_JSON). Returns 0, or -1 with a reason in why
 *		when the stream is not a complete listing.
 *	postqueue_json_quote() appends str to out as a JSON string.
 */
#include "vstream.h"
#include "vstring.h"

#define POSTQUEUE_FMT_MAILQ	1
#define POSTQUEUE_FMT_JSON	2

#define POSTQUEUE_SHOWQ_PROTOCOL	"mail_queue_list_protocol"

extern int postqueue_list(VSTREAM *showq, VSTREAM *out, int format,
			  VSTRING *why);
extern void postqueue_json_quote(VSTRING *out, const char *str);

#endif
