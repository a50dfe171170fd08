/*
 * single_server - one connection at a time (smtpd, cleanup, smtp, local)
 *
 *	single_server_main()	the skeleton's main loop for this kind
 *
 * Every process of a service waits in the event loop on all inherited
 * listeners (non-blocking: other processes may take the connection first,
 * and EAGAIN just means back to waiting). After an accept it reports
 * busy, calls service(stream, service, argv) and reports available again.
 * For "pass" services the accepted connection carries the client's
 * descriptor (unix_recv_fd), and that descriptor is served.
 *
 * The stream: vstream_fdopen() on the client's (blocking) descriptor with
 * no timeout; the service sets its own. The skeleton ALWAYS closes the
 * stream after service() returns, so a service must not close it (to end
 * a session early it just returns).
 *
 * Exit: after max_use connections, after max_idle seconds without one, or
 * when master goes away (checked between connections only).
 * Stand-alone (-S): one session on fds 0/1 (mail_server_standalone_stream()),
 * then exit 0.
 */
#include <sys/types.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "events.h"
#include "iostuff.h"
#include "vstream.h"
#include "master_proto.h"
#include "mail_server.h"
#include "mail_server_priv.h"

static MAIL_SERVER_CTX single_ctx;
static MAIL_SERVER_STREAM_FN single_service;

static void
single_server_serve_stream(VSTREAM *stream)
{
	if (msg_verbose)
		msg_info("connection established");
	single_service(stream, single_ctx.service, single_ctx.argv);
	(void) vstream_close(stream);
	if (msg_verbose)
		msg_info("connection closed");
	single_ctx.use_count++;
}

static void
single_server_serve(int fd)
{
	(void) non_blocking(fd, BLOCKING);
	single_server_serve_stream(vstream_fdopen(fd, O_RDWR));
}

static void
single_server_accept(int event, void *context)
{
	int     listen_fd = (int) (long) context;
	int     fd;
	int     client_fd;

	(void) event;
	if ((fd = mail_server_accept(listen_fd)) < 0)
		return;
	if (mail_server_status(MASTER_STAT_TAKEN) < 0 && msg_verbose)
		msg_info("master is gone; serving this connection first");
	mail_server_idle_stop();
	if (strcmp(single_ctx.transport, "pass") == 0) {
		if ((client_fd = mail_server_pass_fd(fd)) >= 0)
			single_server_serve(client_fd);
	} else {
		single_server_serve(fd);
	}
	if (mail_server_status(MASTER_STAT_AVAIL) < 0 || single_ctx.master_gone)
		mail_server_done();
	if (single_ctx.max_use > 0 && single_ctx.use_count >= single_ctx.max_use) {
		if (msg_verbose)
			msg_info("max_use %ld reached -- exiting",
				 single_ctx.max_use);
		mail_server_done();
	}
	mail_server_idle_start();
}

void
single_server_main(int argc, char **argv, MAIL_SERVER_STREAM_FN service, ...)
{
	va_list ap;
	const char *t;

	single_service = service;
	va_start(ap, service);
	mail_server_init(&single_ctx, MAIL_SERVER_KIND_SINGLE, argc, argv, ap);
	va_end(ap);

	if (single_ctx.standalone) {
		single_server_serve_stream(mail_server_standalone_stream());
		mail_server_done();
	}
	t = single_ctx.transport;
	if (strcmp(t, "inet") != 0 && strcmp(t, "unix") != 0
	    && strcmp(t, "pass") != 0)
		msg_fatal("unsupported transport type for this service: %s", t);
	mail_server_listen_nonblock(single_server_accept);
	mail_server_watch_master((void (*)(void)) 0);
	if (mail_server_status(MASTER_STAT_AVAIL) < 0)
		mail_server_done();
	mail_server_idle_start();
	for (;;)
		event_loop(-1);
}
