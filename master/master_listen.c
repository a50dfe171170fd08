/*
 * master_listen - the listening sockets and fifos of master.cf services
 *
 *	master_listen_params() reads inet_interfaces and inet_protocols at
 *		start-up and resolves the addresses inet services without a
 *		host part listen on; at reload a change of either (or of
 *		queue_directory or mail_owner) is ignored with a warning,
 *		since listeners are never re-bound while master runs.
 *	master_listen_init() opens a service's listeners: inet "[host:]port"
 *		on the given host, or else on every inet_interfaces address
 *		("all" is the wildcard of each enabled protocol); unix, pass
 *		and unix-dgram sockets and fifos at public/NAME or
 *		private/NAME in the queue directory (master's working
 *		directory). Sockets are mode 0666 and fifos 0622, owned by
 *		mail_owner when master runs as root; the directories
 *		protect them. Every listener is non-blocking and
 *		close-on-exec. Returns 0, or -1 with a reason in "why"
 *		("service smtp (inet): bind 127.0.0.1:25: Address already in use").
 *		An inet service without a host part gets no listener (and
 *		never runs) when inet_interfaces or inet_protocols leave no
 *		address; a warning at start-up says so.
 *	master_listen_cleanup() closes them (and with unlink_path removes
 *		the socket or fifo file, for a service that reload removed).
 *	master_queue_dirs() creates the queue's pid/, public/ and private/
 *		directories when missing, so that master also runs on a
 *		queue that "postfix check" has not prepared yet.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "stringops.h"
#include "events.h"
#include "iostuff.h"
#include "inet_sock.h"
#include "unix_sock.h"
#include "inet_local.h"
#include "mail_conf.h"
#include "master_cf.h"
#include "master_proto.h"
#include "master.h"

static char *saved_interfaces;		/* inet_interfaces at start-up */
static char *saved_protocols;		/* inet_protocols at start-up */
static char *saved_queue_dir;		/* queue_directory at start-up */
static char *saved_owner;		/* mail_owner at start-up */
static ARGV *inet_hosts;		/* hosts for inet services w/o host */

/* Warn about a setting that only a restart can change. */
static void
master_listen_fixed(const char *name, const char *old_value)
{
	const char *new_value = mail_conf_str(name);

	if (strcmp(old_value, new_value) == 0)
		return;
	msg_warn("ignoring %s parameter value change", name);
	msg_warn("old value: \"%s\", new value: \"%s\"", old_value, new_value);
	msg_warn("to change %s, stop and start the mail system", name);
}

void
master_listen_params(void)
{
	VSTRING *why;
	VSTRING *text;
	INET_LOCAL_LIST *list;
	char    buf[INET6_ADDRSTRLEN];
	int     protos;
	size_t  i;

	if (inet_hosts != NULL) {
		master_listen_fixed("inet_interfaces", saved_interfaces);
		master_listen_fixed("inet_protocols", saved_protocols);
		master_listen_fixed("queue_directory", saved_queue_dir);
		master_listen_fixed("mail_owner", saved_owner);
		return;
	}
	saved_interfaces = mystrdup(mail_conf_str("inet_interfaces"));
	saved_protocols = mystrdup(mail_conf_str("inet_protocols"));
	saved_queue_dir = mystrdup(mail_conf_str("queue_directory"));
	saved_owner = mystrdup(mail_conf_str("mail_owner"));
	why = vstring_alloc(100);
	text = vstring_alloc(100);
	inet_hosts = argv_alloc(2);
	if (inet_local_protocols(saved_protocols, &protos, why) < 0)
		msg_fatal("%s", vstring_str(why));
	vstring_strcpy(text, saved_interfaces);
	vstring_trim_space(text);
	if (protos == 0) {
		msg_warn("all network protocols are disabled (inet_protocols = %s)",
			 saved_protocols);
		msg_warn("disabling all type \"inet\" services in master.cf");
	} else if (strcasecmp(vstring_str(text), "all") == 0) {
		/* Wildcards: "" is the dual-stack IPv6 socket. */
		if (protos == (INET_PROTO_IPV4 | INET_PROTO_IPV6))
			argv_add(inet_hosts, "");
		else if (protos == INET_PROTO_IPV4)
			argv_add(inet_hosts, "0.0.0.0");
		else
			argv_add(inet_hosts, "[::]");
	} else {
		if ((list = inet_local_interfaces(saved_interfaces, protos,
						  why)) == NULL)
			msg_fatal("%s", vstring_str(why));
		for (i = 0; i < list->len; i++) {
			if (inet_ntop(list->addrs[i].family, list->addrs[i].addr,
				      buf, sizeof(buf)) == NULL)
				msg_fatal("inet_ntop: %m");
			if (list->addrs[i].family == AF_INET6)
				vstring_sprintf(text, "[%s]", buf);
			else
				vstring_strcpy(text, buf);
			argv_add(inet_hosts, vstring_str(text));
		}
		inet_local_free(list);
		if (inet_hosts->len == 0)
			msg_warn("inet_interfaces is empty: inet services "
				 "without an address in master.cf are disabled");
	}
	vstring_free(why);
	vstring_free(text);
}

/* A port name from known_tcp_ports ("smtp=25, smtps=submissions=465"). */
static int
master_known_port(const char *name, VSTRING *port)
{
	char   *saved = mystrdup(mail_conf_str("known_tcp_ports"));
	char   *bp = saved;
	char   *item;
	char   *num;
	char   *key;
	int     found = 0;

	while (!found && (item = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
		if ((num = strrchr(item, '=')) == NULL || !alldig(num + 1))
			continue;
		*num++ = 0;
		while (!found && (key = mystrtok(&item, "=")) != NULL)
			if (strcmp(trim_space(key), name) == 0) {
				vstring_strcpy(port, num);
				found = 1;
			}
	}
	myfree(saved);
	return (found);
}

static int
master_listen_backlog(const MASTER_SERV *serv)
{
	if (serv->max_proc == 0)
		return (SOMAXCONN);
	return (serv->max_proc > master_proc_limit ?
		serv->max_proc : master_proc_limit);
}

/* Append a listener to the service. */
static void
master_listen_add(MASTER_SERV *serv, int fd)
{
	serv->listen_fds = myrealloc_array(serv->listen_fds,
					   (size_t) serv->listen_count + 1,
					   sizeof(int));
	serv->listen_fds[serv->listen_count++] = fd;
	if (non_blocking(fd, NON_BLOCKING) < 0 || close_on_exec(fd, CLOSE_ON_EXEC) < 0)
		msg_fatal("fcntl listener of %s: %m", serv->name);
}

/* Set "why" to "service NAME (TYPE): text"; returns -1. */
static int
__attribute__((format(printf, 3, 4)))
master_listen_error(VSTRING *why, const MASTER_SERV *serv, const char *fmt, ...)
{
	va_list ap;
	int     saved_errno = errno;

	vstring_sprintf(why, "service %s (%s): ", serv->name,
			master_type_name(serv->type));
	va_start(ap, fmt);
	errno = saved_errno;
	vstring_vsprintf_append(why, fmt, ap);
	va_end(ap);
	return (-1);
}

static int
master_listen_inet(MASTER_SERV *serv, VSTRING *why)
{
	VSTRING *host = vstring_alloc(50);
	VSTRING *port = vstring_alloc(10);
	VSTRING *reason = vstring_alloc(100);
	VSTRING *addr = vstring_alloc(100);
	size_t  i;
	int     fd;
	int     ret = -1;

	if (inet_addr_split(serv->name, host, port, reason) < 0) {
		master_listen_error(why, serv, "%s", vstring_str(reason));
		goto out;
	}
	if (!alldig(vstring_str(port)))
		(void) master_known_port(vstring_str(port), port);
	if (vstring_len(host) > 0) {
		if (strchr(vstring_str(host), ':') != NULL)
			vstring_sprintf(addr, "[%s]:%s", vstring_str(host),
					vstring_str(port));
		else
			vstring_sprintf(addr, "%s:%s", vstring_str(host),
					vstring_str(port));
		if ((fd = inet_listen(vstring_str(addr),
				      master_listen_backlog(serv), reason)) < 0) {
			master_listen_error(why, serv, "%s", vstring_str(reason));
			goto out;
		}
		master_listen_add(serv, fd);
	} else {
		for (i = 0; i < inet_hosts->len; i++) {
			vstring_sprintf(addr, "%s:%s", inet_hosts->argv[i],
					vstring_str(port));
			if ((fd = inet_listen(vstring_str(addr),
					      master_listen_backlog(serv),
					      reason)) < 0) {
				master_listen_error(why, serv, "%s",
						    vstring_str(reason));
				goto out;
			}
			master_listen_add(serv, fd);
		}
	}
	ret = 0;
out:
	vstring_free(host);
	vstring_free(port);
	vstring_free(reason);
	vstring_free(addr);
	return (ret);
}

/* Make a socket or fifo file usable by its clients. */
static int
master_listen_perms(MASTER_SERV *serv, mode_t mode, VSTRING *why)
{
	if (chmod(serv->sock_path, mode) < 0)
		return (master_listen_error(why, serv, "chmod %s: %m",
					    serv->sock_path));
	if (master_owner_uid != (uid_t) -1
	    && chown(serv->sock_path, master_owner_uid, master_owner_gid) < 0)
		return (master_listen_error(why, serv, "chown %s: %m",
					    serv->sock_path));
	return (0);
}

static int
master_listen_fifo(MASTER_SERV *serv, VSTRING *why)
{
	struct stat st;
	int     fd;

	if (lstat(serv->sock_path, &st) == 0) {
		if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
			return (master_listen_error(why, serv, "%s exists and is "
						    "not a fifo -- not replacing it",
						    serv->sock_path));
		if (unlink(serv->sock_path) < 0)
			return (master_listen_error(why, serv, "remove %s: %m",
						    serv->sock_path));
	}
	if (mkfifo(serv->sock_path, 0600) < 0)
		return (master_listen_error(why, serv, "mkfifo %s: %m",
					    serv->sock_path));
	/* Read-write: the fifo never reports end of file to the children. */
	if ((fd = open(serv->sock_path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
		return (master_listen_error(why, serv, "open %s: %m",
					    serv->sock_path));
	master_listen_add(serv, fd);
	return (master_listen_perms(serv, 0622, why));
}

static int
master_listen_unix(MASTER_SERV *serv, VSTRING *why)
{
	VSTRING *reason = vstring_alloc(100);
	int     fd;

	if (serv->type == MASTER_CF_TYPE_UNIX_DGRAM)
		fd = unix_dgram_listen(serv->sock_path, reason);
	else
		fd = unix_listen(serv->sock_path, master_listen_backlog(serv),
				 reason);
	if (fd < 0)
		master_listen_error(why, serv, "%s", vstring_str(reason));
	vstring_free(reason);
	if (fd < 0)
		return (-1);
	master_listen_add(serv, fd);
	return (master_listen_perms(serv, 0666, why));
}

int
master_listen_init(MASTER_SERV *serv, VSTRING *why)
{
	int     ret;

	switch (serv->type) {
	case MASTER_CF_TYPE_INET:
		ret = master_listen_inet(serv, why);
		break;
	case MASTER_CF_TYPE_FIFO:
		ret = master_listen_fifo(serv, why);
		break;
	case MASTER_CF_TYPE_UNIX:
	case MASTER_CF_TYPE_PASS:
	case MASTER_CF_TYPE_UNIX_DGRAM:
		ret = master_listen_unix(serv, why);
		break;
	default:
		msg_panic("master_listen_init: bad service type %d", serv->type);
	}
	if (ret < 0)
		master_listen_cleanup(serv, 0);
	return (ret);
}

void
master_listen_cleanup(MASTER_SERV *serv, int unlink_path)
{
	struct stat st;
	int     i;

	for (i = 0; i < serv->listen_count; i++) {
		event_disable_readwrite(serv->listen_fds[i]);
		if (close(serv->listen_fds[i]) < 0)
			msg_warn("close listener of %s: %m", serv->name);
	}
	serv->listening = 0;
	serv->listen_count = 0;
	if (serv->listen_fds) {
		myfree(serv->listen_fds);
		serv->listen_fds = NULL;
	}
	if (unlink_path && serv->sock_path != NULL
	    && lstat(serv->sock_path, &st) == 0
	    && (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode))
	    && unlink(serv->sock_path) < 0)
		msg_warn("remove %s: %m", serv->sock_path);
}

/* Create one queue subdirectory unless it exists. */
static void
master_queue_dir(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;

	if (stat(name, &st) == 0)
		return;
	if (errno != ENOENT)
		msg_fatal("stat %s/%s: %m", saved_queue_dir ? saved_queue_dir :
			  mail_conf_str("queue_directory"), name);
	if (mkdir(name, mode) < 0 && errno != EEXIST)
		msg_fatal("create directory %s/%s: %m",
			  mail_conf_str("queue_directory"), name);
	if (chmod(name, mode) < 0)
		msg_fatal("chmod %s/%s: %m", mail_conf_str("queue_directory"), name);
	if (uid != (uid_t) -1 && chown(name, uid, gid) < 0)
		msg_fatal("chown %s/%s: %m", mail_conf_str("queue_directory"), name);
}

void
master_queue_dirs(void)
{
	struct group *gr;
	gid_t   setgid_gid = master_owner_gid;
	const char *pid_dir = mail_conf_str("process_id_directory");

	if (master_owner_uid != (uid_t) -1
	    && (gr = getgrnam(mail_conf_str("setgid_group"))) != NULL)
		setgid_gid = gr->gr_gid;
	if (*pid_dir != '/')
		master_queue_dir(pid_dir, 0755, (uid_t) -1, (gid_t) -1);
	master_queue_dir(MAIL_CLASS_PUBLIC, 0710, master_owner_uid, setgid_gid);
	master_queue_dir(MAIL_CLASS_PRIVATE, 0700, master_owner_uid,
			 master_owner_gid);
}
