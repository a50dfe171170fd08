/*
 * multi_server - many client connections in one event loop
 *		  (trivial-rewrite, anvil, showq, proxymap)
 *
 *	multi_server_main()	the skeleton's main loop for this kind
 *	multi_server_disconnect() close a client connection
 *
 * Each accepted connection becomes a VSTREAM (timeout: $ipc_timeout; the
 * service may change it) watched for input. When it has input, service()
 * is called and must handle exactly one request. Requests already in the
 * stream's buffer (a client that pipelines) are served in later rounds of
 * the loop, so one client cannot starve the others. A connection ends
 * when the service calls multi_server_disconnect(), or when a service
 * call leaves the stream at end of file or in error (the skeleton then
 * disconnects it).
 *
 * Status: available from start-up; max_use counts connections, and once
 * it is reached the process reports busy, stops accepting and exits when
 * its last client leaves. It also exits after max_idle seconds without
 * any client, and when master goes away and no client is left.
 * Stand-alone (-S): one client on fds 0/1 until it disconnects.
 */
#include <sys/types.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "events.h"
#include "iostuff.h"
#include "vstream.h"
#include "mail_conf.h"
#include "master_proto.h"
#include "mail_server.h"
#include "mail_server_priv.h"

static MAIL_SERVER_CTX multi_ctx;
static MAIL_SERVER_STREAM_FN multi_service;
static int multi_clients;		/* connections open */
static int multi_draining;		/* no longer accepting */
static VSTREAM *multi_current;		/* stream inside service() */
static int multi_current_gone;		/* ... was disconnected there */
static int multi_timeout;		/* $ipc_timeout */

static void multi_server_read(int, void *);

/* Leave once nothing is left to do. */
static void
multi_server_maybe_exit(void)
{
	if (multi_clients > 0)
		return;
	if (multi_draining || multi_ctx.master_gone || multi_ctx.standalone)
		mail_server_done();
	mail_server_idle_start();
}

void
multi_server_disconnect(VSTREAM *stream)
{
	int     fd = vstream_fileno(stream);

	if (msg_verbose)
		msg_info("connection closed fd %d", fd);
	if (!multi_ctx.standalone)
		event_disable_readwrite(fd);
	event_cancel_timer(multi_server_read, stream);
	(void) vstream_close(stream);
	multi_clients--;
	if (stream == multi_current)
		multi_current_gone = 1;
	else
		multi_server_maybe_exit();
}

/* One request from one client (fd readable, or data already buffered). */
static void
multi_server_read(int event, void *context)
{
	VSTREAM *stream = context;

	(void) event;
	multi_current = stream;
	multi_current_gone = 0;
	multi_service(stream, multi_ctx.service, multi_ctx.argv);
	multi_current = NULL;
	if (multi_current_gone) {
		multi_server_maybe_exit();
		return;
	}
	if (vstream_feof(stream) || vstream_ferror(stream)) {
		multi_server_disconnect(stream);
		return;
	}
	if (vstream_peek(stream) > 0)
		event_request_timer(multi_server_read, stream, 0);
}

static void
multi_server_stop_accepting(void)
{
	if (multi_draining)
		return;
	multi_draining = 1;
	mail_server_listen_disable();
	(void) mail_server_status(MASTER_STAT_TAKEN);
}

static void
multi_server_client(int fd)
{
	VSTREAM *stream;

	(void) non_blocking(fd, BLOCKING);
	stream = vstream_fdopen(fd, O_RDWR);
	vstream_set_timeout(stream, multi_timeout);
	mail_server_idle_stop();
	multi_clients++;
	multi_ctx.use_count++;
	if (msg_verbose)
		msg_info("connection established fd %d", fd);
	event_enable_read(fd, multi_server_read, stream);
	if (multi_ctx.max_use > 0 && multi_ctx.use_count >= multi_ctx.max_use)
		multi_server_stop_accepting();
}

static void
multi_server_accept(int event, void *context)
{
	int     listen_fd = (int) (long) context;
	int     fd;
	int     client_fd;

	(void) event;
	if ((fd = mail_server_accept(listen_fd)) < 0)
		return;
	if (strcmp(multi_ctx.transport, "pass") == 0) {
		if ((client_fd = mail_server_pass_fd(fd)) < 0)
			return;
		fd = client_fd;
	}
	multi_server_client(fd);
}

static void
multi_server_master_gone(void)
{
	multi_server_stop_accepting();
	multi_server_maybe_exit();
}

void
multi_server_main(int argc, char **argv, MAIL_SERVER_STREAM_FN service, ...)
{
	va_list ap;
	VSTREAM *stream;
	const char *t;

	multi_service = service;
	va_start(ap, service);
	mail_server_init(&multi_ctx, MAIL_SERVER_KIND_MULTI, argc, argv, ap);
	va_end(ap);
	multi_timeout = (int) mail_conf_time("ipc_timeout");

	/* Stand-alone: requests from one client until it goes away. */
	if (multi_ctx.standalone) {
		stream = mail_server_standalone_stream();
		vstream_set_timeout(stream, multi_timeout);
		multi_clients = 1;
		for (;;) {
			multi_current = stream;
			multi_current_gone = 0;
			multi_service(stream, multi_ctx.service, multi_ctx.argv);
			multi_current = NULL;
			if (multi_current_gone)
				mail_server_done();
			if (vstream_feof(stream) || vstream_ferror(stream))
				multi_server_disconnect(stream);
		}
	}
	t = multi_ctx.transport;
	if (strcmp(t, "inet") != 0 && strcmp(t, "unix") != 0
	    && strcmp(t, "pass") != 0)
		msg_fatal("unsupported transport type for this service: %s", t);
	mail_server_listen_nonblock(multi_server_accept);
	mail_server_watch_master(multi_server_master_gone);
	if (mail_server_status(MASTER_STAT_AVAIL) < 0)
		mail_server_done();
	mail_server_idle_start();
	for (;;)
		event_loop(-1);
}
