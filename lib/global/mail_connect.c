/*
 * mail_connect - reach a local service by class and name
 *
 *	mail_connect()	stream connection to CLASS/NAME (a VSTREAM)
 *	mail_trigger()	short wakeup request to CLASS/NAME (fifo or socket)
 *
 * Paths are relative: every daemon runs in queue_directory (chrooted or
 * not) and commands chdir there first (mail_connect.h).
 *
 * mail_connect() gives the stream the connect timeout as its I/O timeout
 * too, so a caller that forgets to set one never waits for ever; callers
 * change it with vstream_set_timeout().
 *
 * mail_trigger() never waits long: a fifo is opened and written without
 * blocking (a full fifo already holds a wakeup, so that counts as done),
 * a socket is connected with a one-second limit and written with a
 * one-second budget. SIGPIPE is ignored for the duration of the write so
 * that commands which do not ignore it survive a reader going away.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "vstring.h"
#include "vstream.h"
#include "iostuff.h"
#include "unix_sock.h"
#include "mail_connect.h"

#define MAIL_TRIGGER_TIMEOUT	1	/* seconds */

static VSTRING *
mail_connect_path(VSTRING *path, const char *class_name, const char *name)
{
	return (vstring_sprintf(path, "%s/%s", class_name, name));
}

VSTREAM *
mail_connect(const char *class_name, const char *name, int timeout,
	     VSTRING *why)
{
	VSTRING *path = vstring_alloc(64);
	VSTREAM *stream = NULL;
	int     fd;

	mail_connect_path(path, class_name, name);
	if ((fd = unix_connect(vstring_str(path), timeout, why)) >= 0) {
		stream = vstream_fdopen(fd, O_RDWR);
		vstream_set_timeout(stream, timeout);
	}
	vstring_free(path);
	return (stream);
}

static int
mail_trigger_write(int fd, const char *buf, size_t len, int no_wait)
{
	struct sigaction ign;
	struct sigaction old;
	ssize_t n;
	int     err = 0;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	(void) sigaction(SIGPIPE, &ign, &old);
	if (no_wait) {
		while ((n = write(fd, buf, len)) < 0 && errno == EINTR)
			 /* retry */ ;
		/* A full fifo or socket has unread wakeups: good enough. */
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			err = errno;
	} else if (write_buf(fd, buf, len, MAIL_TRIGGER_TIMEOUT * 1000) < 0) {
		err = errno;
	}
	(void) sigaction(SIGPIPE, &old, (struct sigaction *) 0);
	return (err);
}

int
mail_trigger(const char *class_name, const char *name, const char *buf,
	     size_t len)
{
	VSTRING *path = vstring_alloc(64);
	struct stat st;
	int     fd = -1;
	int     err = 0;

	mail_connect_path(path, class_name, name);
	if (stat(vstring_str(path), &st) < 0) {
		err = errno;
	} else if (S_ISFIFO(st.st_mode)) {
		/* ENXIO: no reader. */
		if ((fd = open(vstring_str(path),
			       O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
			err = errno;
		else
			err = mail_trigger_write(fd, buf, len, 1);
	} else if (S_ISSOCK(st.st_mode)) {
		/*
		 * Never wait for a busy listener: a full backlog (EAGAIN)
		 * means wakeups are already pending, which is all a trigger
		 * asks for. Waiting here kept cleanup busy and made master
		 * fork hundreds of them under load.
		 */
		if ((fd = unix_connect_nb(vstring_str(path), (VSTRING *) 0)) < 0)
			err = (errno == EAGAIN) ? 0 : errno;
		else
			err = mail_trigger_write(fd, buf, len, 1);
	} else {
		err = ENOTSOCK;
	}
	if (fd >= 0)
		(void) close(fd);
	if (err != 0 && msg_verbose)
		msg_info("trigger %s: %s", vstring_str(path), strerror(err));
	vstring_free(path);
	if (err != 0) {
		errno = err;
		return (-1);
	}
	return (0);
}
