#ifndef POSTERN_MAIL_CONNECT_H
#define POSTERN_MAIL_CONNECT_H

/*
 * mail_connect - reach a local service by class and name
 *
 * Services live at CLASS/NAME relative to queue_directory (master_proto.h;
 * every daemon runs with queue_directory as its working directory, chrooted
 * or not; commands chdir there first).
 *
 *	mail_connect() connects to the unix stream socket CLASS/NAME with a
 *		deadline; returns a VSTREAM or NULL with a reason.
 *	mail_trigger() delivers a short wakeup request to CLASS/NAME, which
 *		may be a fifo (written non-blocking) or a unix stream socket
 *		(connected, written, closed), without ever blocking for long;
 *		returns 0, or -1 with errno set when nobody listens (callers
 *		usually ignore that: the periodic wakeup catches up).
 */

#include <stddef.h>
#include "vstream.h"
#include "vstring.h"

extern VSTREAM *mail_connect(const char *class_name, const char *name,
			     int timeout, VSTRING *why);
extern int mail_trigger(const char *class_name, const char *name,
			const char *buf, size_t len);

/* Requests qmgr understands on public/qmgr (one byte each). */
#define QMGR_REQ_SCAN_INCOMING	'I'	/* new mail in incoming/ */
#define QMGR_REQ_SCAN_DEFERRED	'D'
#define QMGR_REQ_FLUSH_DEAD	'F'
#define QMGR_REQ_SCAN_ALL	'A'
#define QMGR_REQ_WAKEUP		'W'

#endif
