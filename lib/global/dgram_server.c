/*
 * dgram_server - one unix-dgram socket, one request per datagram (postlogd)
 *
 *	dgram_server_main()	the skeleton's main loop for this kind
 *
 * Each datagram (at most DGRAM_BUF_SIZE bytes; a longer one is cut there
 * with a warning) is passed to trigger(buf, len, service, argv). The
 * buffer is NUL-terminated at buf[len] and the trigger function may
 * modify buf[0..len]. Up to DGRAM_BATCH datagrams are handled per round
 * of the event loop so that the master-watch still gets its turn.
 *
 * The process reports itself available once and stays: max_use and
 * max_idle do not apply; it exits when master goes away (or on SIGTERM).
 * Stand-alone (-S): standard input, read to its end (at most
 * DGRAM_BUF_SIZE bytes), is one datagram; then exit.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "events.h"
#include "iostuff.h"
#include "master_proto.h"
#include "mail_server.h"
#include "mail_server_priv.h"

#define DGRAM_BUF_SIZE	65536
#define DGRAM_BATCH	100

static MAIL_SERVER_CTX dgram_ctx;
static MAIL_SERVER_TRIGGER_FN dgram_fn;
static char *dgram_buf;

static void
dgram_server_read(int event, void *context)
{
	int     fd = (int) (long) context;
	ssize_t n;
	size_t  len;
	int     i;

	(void) event;
	for (i = 0; i < DGRAM_BATCH; i++) {
		n = recv(fd, dgram_buf, DGRAM_BUF_SIZE, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				msg_warn("receive datagram: %s", strerror(errno));
			return;
		}
		len = (size_t) n;
		if (len > DGRAM_BUF_SIZE) {
			msg_warn("datagram of %lu bytes cut to %d",
				 (unsigned long) len, DGRAM_BUF_SIZE);
			len = DGRAM_BUF_SIZE;
		}
		dgram_buf[len] = 0;
		dgram_fn(dgram_buf, len, dgram_ctx.service, dgram_ctx.argv);
		dgram_ctx.use_count++;
	}
}

void
dgram_server_main(int argc, char **argv, MAIL_SERVER_TRIGGER_FN trigger, ...)
{
	va_list ap;
	size_t  len = 0;
	ssize_t n;
	int     i;

	dgram_fn = trigger;
	dgram_buf = mymalloc(DGRAM_BUF_SIZE + 1);
	va_start(ap, trigger);
	mail_server_init(&dgram_ctx, MAIL_SERVER_KIND_DGRAM, argc, argv, ap);
	va_end(ap);

	if (dgram_ctx.standalone) {
		while (len < DGRAM_BUF_SIZE
		       && ((n = read(0, dgram_buf + len, DGRAM_BUF_SIZE - len)) > 0
			   || (n < 0 && errno == EINTR)))
			if (n > 0)
				len += (size_t) n;
		dgram_buf[len] = 0;
		dgram_fn(dgram_buf, len, dgram_ctx.service, dgram_ctx.argv);
		mail_server_done();
	}
	if (strcmp(dgram_ctx.transport, "unix-dgram") != 0)
		msg_fatal("unsupported transport type for this service: %s",
			  dgram_ctx.transport);
	for (i = 0; i < dgram_ctx.listen_count; i++) {
		if (non_blocking(MASTER_LISTEN_FD + i, NON_BLOCKING) < 0)
			msg_fatal("listen descriptor %d: %s", MASTER_LISTEN_FD + i,
				  strerror(errno));
		event_enable_read(MASTER_LISTEN_FD + i, dgram_server_read,
				  (void *) (long) (MASTER_LISTEN_FD + i));
	}
	mail_server_watch_master((void (*)(void)) 0);
	if (mail_server_status(MASTER_STAT_AVAIL) < 0)
		mail_server_done();
	for (;;)
		event_loop(-1);
}
