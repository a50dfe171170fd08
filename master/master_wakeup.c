/*
 * master_wakeup - periodic MASTER_TRIGGER_WAKEUP requests to services
 *
 *	master_wakeup_init() starts a service's wakeup timer when its
 *		master.cf wakeup column is non-zero: the first trigger goes
 *		out at once (so resident services such as qmgr and pickup
 *		start with master, as in Postfix), then one every wakeup
 *		seconds. A "N?" service is left alone until its first
 *		process started (master_spawn() calls master_wakeup_start()).
 *	master_wakeup_start() arms the timer with a first delay.
 *	master_wakeup_cleanup() stops it.
 *
 * A trigger is one byte: written to a fifo (opened O_WRONLY|O_NONBLOCK),
 * sent on a connection to a unix socket (non-blocking connect, write,
 * close) or as a datagram to a unix-dgram socket. Nothing here can make
 * master wait: a full fifo or backlog drops this wakeup (the service is
 * already busy or about to be woken). A service whose program is missing
 * is not triggered (it was logged when first needed).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "events.h"
#include "master_cf.h"
#include "master_proto.h"
#include "master.h"

/* Send one byte to a unix or unix-dgram socket without waiting. */
static int
master_trigger_socket(const char *path, int socktype)
{
	struct sockaddr_un sun;
	char    ch = MASTER_TRIGGER_WAKEUP;
	int     fd;
	int     ret = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	if (socktype == SOCK_DGRAM) {
		if (sendto(fd, &ch, 1, MSG_DONTWAIT | MSG_NOSIGNAL,
			   (struct sockaddr *) &sun, sizeof(sun)) == 1)
			ret = 0;
	} else if (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) == 0) {
		if (send(fd, &ch, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
			ret = 0;
	}
	(void) close(fd);
	return (ret);
}

static int
master_trigger_fifo(const char *path)
{
	char    ch = MASTER_TRIGGER_WAKEUP;
	int     fd;
	int     ret = -1;

	if ((fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return (-1);
	if (write(fd, &ch, 1) == 1)
		ret = 0;
	(void) close(fd);
	return (ret);
}

static void
master_wakeup_event(int event, void *ctx)
{
	MASTER_SERV *serv = ctx;
	int     status = 0;

	(void) event;
	if (serv->missing && access(serv->path, X_OK) < 0) {
		/* Nobody to wake; the warning was logged already. */
	} else {
		switch (serv->type) {
		case MASTER_CF_TYPE_FIFO:
			status = master_trigger_fifo(serv->sock_path);
			break;
		case MASTER_CF_TYPE_UNIX:
			status = master_trigger_socket(serv->sock_path, SOCK_STREAM);
			break;
		case MASTER_CF_TYPE_UNIX_DGRAM:
			status = master_trigger_socket(serv->sock_path, SOCK_DGRAM);
			break;
		default:
			break;
		}
		if (status < 0 && msg_verbose)
			msg_info("wakeup %s: %m", serv->sock_path);
	}
	event_request_timer(master_wakeup_event, serv, serv->wakeup * 1000);
}

void
master_wakeup_start(MASTER_SERV *serv, int delay_ms)
{
	if (serv->wakeup <= 0 || master_stopping)
		return;
	serv->wakeup_armed = 1;
	event_request_timer(master_wakeup_event, serv, delay_ms);
}

void
master_wakeup_init(MASTER_SERV *serv)
{
	if (serv->wakeup <= 0)
		return;
	if (serv->wakeup_after_use && !serv->used)
		return;
	master_wakeup_start(serv, serv->wakeup_after_use ?
			    serv->wakeup * 1000 : 0);
}

void
master_wakeup_cleanup(MASTER_SERV *serv)
{
	event_cancel_timer(master_wakeup_event, serv);
	serv->wakeup_armed = 0;
}
