/*
 * trigger_server - short wakeup requests (qmgr, pickup, flush)
 *
 *	trigger_server_main()	the skeleton's main loop for this kind
 *
 * A trigger is a few bytes: whatever a fifo holds when it becomes
 * readable, or what a client of a unix stream listener writes before it
 * closes (read for at most TRIGGER_READ_DEADLINE_MS, up to
 * TRIGGER_BUF_SIZE bytes; master's wakeup and mail_trigger() write one
 * byte and close). trigger(buf, len, service, argv) is called once per
 * trigger, between a busy and an available status record. The event loop
 * also runs whatever timers the daemon requests (events.h), e.g. qmgr's
 * periodic scans.
 *
 * Exit: after max_use triggers, after max_idle seconds without one, or
 * when master goes away. MAIL_SERVER_SOLITARY (resident) daemons ignore
 * max_idle and max_use and stay until master goes away or stops them.
 * Stand-alone (-S): standard input, read to its end (at most
 * TRIGGER_BUF_SIZE bytes), is one trigger; then exit.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "events.h"
#include "iostuff.h"
#include "master_proto.h"
#include "mail_server.h"
#include "mail_server_priv.h"

#define TRIGGER_BUF_SIZE	1024
#define TRIGGER_READ_DEADLINE_MS 1000

static MAIL_SERVER_CTX trigger_ctx;
static MAIL_SERVER_TRIGGER_FN trigger_fn;
static char trigger_buf[TRIGGER_BUF_SIZE + 1];

static void
trigger_server_run(size_t len)
{
	(void) mail_server_status(MASTER_STAT_TAKEN);
	mail_server_idle_stop();
	trigger_buf[len] = 0;
	trigger_fn(trigger_buf, len, trigger_ctx.service, trigger_ctx.argv);
	trigger_ctx.use_count++;
	if (mail_server_status(MASTER_STAT_AVAIL) < 0 || trigger_ctx.master_gone)
		mail_server_done();
	if (trigger_ctx.max_use > 0 && trigger_ctx.use_count >= trigger_ctx.max_use)
		mail_server_done();
	mail_server_idle_start();
}

/* A fifo became readable: everything in it is one trigger. */
static void
trigger_server_fifo(int event, void *context)
{
	int     fd = (int) (long) context;
	ssize_t n;

	(void) event;
	while ((n = read(fd, trigger_buf, TRIGGER_BUF_SIZE)) < 0 && errno == EINTR)
		 /* retry */ ;
	if (n > 0) {
		trigger_server_run((size_t) n);
	} else if (n == 0) {
		/* No writer and none of our own: stop spinning on EOF. */
		msg_warn("fifo descriptor %d: end of file; ignoring it", fd);
		event_disable_readwrite(fd);
	} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
		msg_fatal("read fifo descriptor %d: %s", fd, strerror(errno));
	}
}

/* Read what one client writes, with a short deadline. */
static size_t
trigger_server_read_client(int fd)
{
	long long deadline = monotonic_ms() + TRIGGER_READ_DEADLINE_MS;
	long long left;
	size_t  len = 0;
	ssize_t n;

	while (len < TRIGGER_BUF_SIZE) {
		if ((left = deadline - monotonic_ms()) <= 0
		    || read_wait(fd, (int) left) < 0)
			break;
		n = read(fd, trigger_buf + len, TRIGGER_BUF_SIZE - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t) n;
	}
	return (len);
}

static void
trigger_server_accept(int event, void *context)
{
	int     listen_fd = (int) (long) context;
	int     fd;
	size_t  len;

	(void) event;
	if ((fd = mail_server_accept(listen_fd)) < 0)
		return;
	len = trigger_server_read_client(fd);
	(void) close(fd);
	if (len > 0)
		trigger_server_run(len);
}

void
trigger_server_main(int argc, char **argv, MAIL_SERVER_TRIGGER_FN trigger, ...)
{
	va_list ap;
	struct stat st;
	size_t  len = 0;
	ssize_t n;
	int     i;
	int     fd;

	trigger_fn = trigger;
	va_start(ap, trigger);
	mail_server_init(&trigger_ctx, MAIL_SERVER_KIND_TRIGGER, argc, argv, ap);
	va_end(ap);

	if (trigger_ctx.standalone) {
		while (len < TRIGGER_BUF_SIZE
		       && ((n = read(0, trigger_buf + len,
				     TRIGGER_BUF_SIZE - len)) > 0
			   || (n < 0 && errno == EINTR)))
			if (n > 0)
				len += (size_t) n;
		trigger_buf[len] = 0;
		trigger_fn(trigger_buf, len, trigger_ctx.service, trigger_ctx.argv);
		mail_server_done();
	}
	if (strcmp(trigger_ctx.transport, "fifo") != 0
	    && strcmp(trigger_ctx.transport, "unix") != 0)
		msg_fatal("unsupported transport type for this service: %s",
			  trigger_ctx.transport);
	for (i = 0; i < trigger_ctx.listen_count; i++) {
		fd = MASTER_LISTEN_FD + i;
		if (non_blocking(fd, NON_BLOCKING) < 0 || fstat(fd, &st) < 0)
			msg_fatal("listen descriptor %d: %s", fd, strerror(errno));
		event_enable_read(fd, S_ISFIFO(st.st_mode) ? trigger_server_fifo
				  : trigger_server_accept, (void *) (long) fd);
	}
	mail_server_watch_master((void (*)(void)) 0);
	if (mail_server_status(MASTER_STAT_AVAIL) < 0)
		mail_server_done();
	mail_server_idle_start();
	for (;;)
		event_loop(-1);
}
