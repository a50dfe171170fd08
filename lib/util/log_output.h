#ifndef POSTERN_LOG_OUTPUT_H
#define POSTERN_LOG_OUTPUT_H

/*
 * log_output - msg(3) outputs for daemons: syslog and maillog_file
 *
 *	msg_syslog_init() sends every message to syslog with the ident
 *		"syslog_name/service" and the pid, e.g. "postfix/smtpd[123]".
 *	msg_syslog_priority() maps MSG_INFO..MSG_PANIC to a syslog level.
 *	msg_syslog_facility() maps a syslog_facility name ("mail") to LOG_*.
 *	msg_logfile_init() appends every message to a file (maillog_file)
 *		in the shape Postfix 3.7 writes it; "/dev/stdout" writes to
 *		standard output (postfix start-fg).
 *	msg_logfile_hostname() sets the host name in logfile lines (the
 *		first label is used, as Postfix does with $myhostname).
 *	msg_logfile_close() stops logfile output and closes the file.
 *	log_line_format() formats one logfile line; a log daemon reuses it.
 *
 * A logfile line is
 *	"Mmm dd hh:mm:ss HOST syslog_name/service[pid]: [warning: ]text\n"
 * with the local time, English month names and a zero-padded day
 * ("Nov 01 01:00:05 mx1 postfix/master[8547]: daemon started"), one
 * write() per line on an O_APPEND descriptor so that concurrent writers
 * never interleave within a line.
 *
 * Errors: msg_logfile_init() returns -1 and a reason when the file cannot
 * be opened safely (see safe_open()); a failing write is dropped, since
 * there is nowhere left to report it.
 */
#include <time.h>

#include "vstring.h"

extern void msg_syslog_init(const char *syslog_name, const char *service,
			    int facility);
extern int msg_syslog_priority(int level);
extern int msg_syslog_facility(const char *name);

extern int msg_logfile_init(const char *path, const char *syslog_name,
			    const char *service, VSTRING *why);
extern void msg_logfile_hostname(const char *name);
extern void msg_logfile_close(void);

/* Replace "out" with one complete line, newline included. */
extern VSTRING *log_line_format(VSTRING *out, time_t when,
				const char *hostname, const char *ident,
				long pid, int level, const char *text);

#endif
