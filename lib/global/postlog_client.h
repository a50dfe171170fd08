#ifndef POSTERN_POSTLOG_CLIENT_H
#define POSTERN_POSTLOG_CLIENT_H

/*
 * postlog_client - log through the postlog service when maillog_file is set
 *
 *	postlog_client_init(syslog_name, service, why) makes every msg(3)
 *		message a complete maillog line ("Mmm dd hh:mm:ss host
 *		syslog_name/service[pid]: text\n", host being the first
 *		label of $myhostname) sent as one datagram to the unix-dgram
 *		socket $queue_directory/public/$postlog_service_name. The
 *		socket is connected once, so a process that chroots later
 *		keeps logging. When the service is not there (no socket, or
 *		nobody bound to it), it appends to $maillog_file itself
 *		instead (msg_logfile_init()), provided the file is allowed by
 *		maillog_file_prefixes and can be opened. Returns
 *		POSTLOG_CLIENT_SERVICE or POSTLOG_CLIENT_FILE, or -1 with the
 *		reason in why when neither works (maillog_file empty
 *		included); the caller then picks another output. Calling it
 *		again replaces the earlier set-up. Other msg outputs
 *		(stderr) are left alone.
 *	postlog_client_close() stops this output (the msg handler stays
 *		registered but sends nothing).
 *	postlog_path_allowed(path, prefixes, why) checks a maillog_file
 *		value against maillog_file_prefixes (comma/space list): the
 *		path must start with one of them at a '/' boundary (or be
 *		equal to it) and have no ".." component. Returns 0, or -1
 *		with "maillog_file value 'PATH' does not match any prefix in
 *		maillog_file_prefixes" in why.
 *
 *	postlog_command_init(progname) for commands (postqueue, postsuper,
 *		sendmail...): log through the postlog service when
 *		maillog_file is set (or append to it), else to syslog with
 *		syslog_name/progname and syslog_facility; adds to the outputs
 *		already registered (stderr).
 *
 * Sending never waits long: a full socket is retried for at most a second,
 * then the line is dropped (nothing is left to report it to). A socket
 * that stops working (master restarted) is reconnected once per message.
 */
#include "vstring.h"

#define POSTLOG_CLIENT_SERVICE	0	/* datagrams to the postlog service */
#define POSTLOG_CLIENT_FILE	1	/* appending to maillog_file itself */

extern int postlog_client_init(const char *syslog_name, const char *service,
			       VSTRING *why);
extern void postlog_client_close(void);
extern void postlog_command_init(const char *progname);
extern int postlog_path_allowed(const char *path, const char *prefixes,
				VSTRING *why);

#endif
