#ifndef POSTERN_DELIVER_REQUEST_PRIV_H
#define POSTERN_DELIVER_REQUEST_PRIV_H

/*
 * deliver_request_priv - test hooks and helpers of deliver_request.c
 *
 *	deliver_request_set_clock() fixes "now" for the delay fields (NULL:
 *		the real clock again), so tests can check log lines exactly.
 *	deliver_request_set_appender() replaces the bounce_client calls
 *		(bounce_append/defer_append/trace_append) by fn, which gets
 *		the service name; NULL restores them.
 *	deliver_format_delay() appends one delay value the way Postfix logs
 *		it: integral seconds from 10 s up, two significant digits
 *		below, at most max_res decimals, trailing zeros dropped, "0"
 *		for values below the resolution.
 *	deliver_request_parse_time() strict "sec.usec" (1-6 digits after
 *		the dot, or none and no dot); 0 or -1.
 *	deliver_request_free() frees a request and closes its file.
 */

#include <sys/time.h>
#include "deliver_request.h"

typedef int (*DELIVER_APPEND_FN)(const char *service, int flags,
				 const char *queue_id, const RECIPIENT *rcpt,
				 const DSN_INFO *dsn);

extern void deliver_request_set_clock(const struct timeval *now);
extern void deliver_request_set_appender(DELIVER_APPEND_FN fn);
extern void deliver_format_delay(VSTRING *out, long sec, long usec,
				 int max_res);
extern int deliver_request_parse_time(const char *text, struct timeval *tv);
extern void deliver_request_free(DELIVER_REQUEST *req);

#endif
