#ifndef POSTERN_MAIL_SERVER_PRIV_H
#define POSTERN_MAIL_SERVER_PRIV_H

/*
 * mail_server_priv - what the server kinds (single_server.c,
 * multi_server.c, trigger_server.c, dgram_server.c) share with the common
 * start-up code in mail_server.c. Not for daemons: they use mail_server.h.
 *
 *	mail_server_init() runs start-up steps 1-7 of mail_server.h and
 *		fills in a MAIL_SERVER_CTX.
 *	mail_server_status() writes one status record to master.
 *	mail_server_watch_master() calls a function once master is gone.
 *	mail_server_idle_start()/_stop() arm and cancel the max_idle timer.
 *	mail_server_done() runs MAIL_SERVER_EXIT and exits 0.
 *	mail_server_listen_nonblock() makes every listener non-blocking and
 *		registers one read callback for all of them;
 *		mail_server_listen_disable() unregisters them.
 *	mail_server_accept() runs the pre-accept hook and accepts a
 *		connection on a listener: its descriptor, or -1 (a warning
 *		unless another process just took it or the peer went away).
 *	mail_server_pass_fd() reads the client descriptor that master
 *		passes over a "pass" connection and closes that connection:
 *		the client descriptor, or -1 with a warning.
 *	mail_server_standalone_stream() is the -S stream on fds 0 and 1;
 *		mail_server_standalone_end() waits for its relay (if any).
 */
#include <stdarg.h>

#include "events.h"
#include "vstream.h"
#include "mail_server.h"

#define MAIL_SERVER_KIND_SINGLE		1
#define MAIL_SERVER_KIND_MULTI		2
#define MAIL_SERVER_KIND_TRIGGER	3
#define MAIL_SERVER_KIND_DGRAM		4

typedef struct MAIL_SERVER_CTX {
	int     kind;			/* MAIL_SERVER_KIND_* */
	const char *service;		/* -n, else the program name */
	const char *transport;		/* -t: inet, unix, ... */
	char  **argv;			/* arguments after the options */
	int     listen_count;		/* -s */
	int     standalone;		/* -S */
	int     solitary;		/* MAIL_SERVER_SOLITARY */
	long    max_use;		/* 0: no limit */
	long    max_idle;		/* seconds, 0: no limit */
	long    use_count;		/* connections or requests served */
	int     master_gone;		/* status pipe closed */
	MAIL_SERVER_ACCEPT_FN pre_accept;
} MAIL_SERVER_CTX;

extern void mail_server_init(MAIL_SERVER_CTX *ctx, int kind, int argc,
			     char **argv, va_list ap);
extern int mail_server_status(int avail);
extern void mail_server_watch_master(void (*gone_fn)(void));
extern void mail_server_idle_start(void);
extern void mail_server_idle_stop(void);
extern void mail_server_done(void) __attribute__((noreturn));
extern void mail_server_listen_nonblock(EVENT_FN cb);
extern void mail_server_listen_disable(void);
extern int mail_server_accept(int listen_fd);
extern int mail_server_pass_fd(int fd);
extern VSTREAM *mail_server_standalone_stream(void);
extern void mail_server_standalone_end(void);

#endif
