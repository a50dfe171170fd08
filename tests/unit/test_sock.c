/* Unit tests for lib/util/inet_sock and unix_sock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "iostuff.h"
#include "vstring.h"
#include "vstream.h"
#include "inet_sock.h"
#include "unix_sock.h"

static int
is_cloexec(int fd)
{
	return ((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
}

/* Send a line each way between two connected sockets. */
static void
exchange(int a, int b)
{
	VSTREAM *va = vstream_fdopen(a, O_RDWR);
	VSTREAM *vb = vstream_fdopen(b, O_RDWR);
	VSTRING *line = vstring_alloc(10);

	vstream_set_timeout(va, 5);
	vstream_set_timeout(vb, 5);
	assert_int_equal(vstream_fputs(va, "hello\n"), 0);
	assert_int_equal(vstream_fflush(va), 0);
	assert_int_equal(vstream_fgets_bound(vb, line, 100), VSTREAM_GETS_OK);
	assert_string_equal(vstring_str(line), "hello\n");
	assert_int_equal(vstream_fprintf(vb, "%s\n", "world"), 6);
	assert_int_equal(vstream_fflush(vb), 0);
	assert_int_equal(vstream_fgets_bound(va, line, 100), VSTREAM_GETS_OK);
	assert_string_equal(vstring_str(line), "world\n");
	assert_int_equal(vstream_close(va), 0);
	assert_int_equal(vstream_close(vb), 0);
	vstring_free(line);
}

/* Listen on listen_addr (port 0), connect via connect_host, check both ends. */
static void
round_trip(const char *listen_addr, const char *connect_host, const char *want_peer)
{
	VSTRING *why = vstring_alloc(10);
	VSTRING *text = vstring_alloc(10);
	VSTRING *addr = vstring_alloc(10);
	unsigned port;
	unsigned client_port;
	unsigned peer_port;
	int     lfd;
	int     cfd;
	int     sfd;

	lfd = inet_listen(listen_addr, 10, why);
	if (lfd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
		vstring_free(why);
		vstring_free(text);
		vstring_free(addr);
		skip();
	}
	assert_true(lfd >= 0);
	assert_true(is_cloexec(lfd));
	assert_int_equal(inet_local_text(lfd, text, &port), 0);
	assert_true(port > 0);
	vstring_sprintf(addr, "%s:%u", connect_host, port);
	cfd = inet_connect(vstring_str(addr), 5, why);
	assert_true(cfd >= 0);
	assert_true(is_cloexec(cfd));
	assert_int_equal(non_blocking(cfd, BLOCKING), 0);
	sfd = inet_accept(lfd);
	assert_true(sfd >= 0);
	assert_true(is_cloexec(sfd));
	assert_int_equal(inet_local_text(cfd, text, &client_port), 0);
	assert_int_equal(inet_peer_text(sfd, text, &peer_port), 0);
	assert_string_equal(vstring_str(text), want_peer);
	assert_int_equal(peer_port, client_port);
	assert_int_equal(inet_peer_text(cfd, text, &peer_port), 0);
	assert_int_equal(peer_port, port);
	exchange(cfd, sfd);
	close(lfd);
	vstring_free(why);
	vstring_free(text);
	vstring_free(addr);
}

static void
test_inet_ipv4_round_trip(void **state)
{
	round_trip("127.0.0.1:0", "127.0.0.1", "127.0.0.1");
}

static void
test_inet_ipv6_round_trip(void **state)
{
	round_trip("[::1]:0", "[::1]", "::1");
}

static void
test_inet_wildcard_shows_ipv4_peer(void **state)
{
	round_trip(":0", "127.0.0.1", "127.0.0.1");
}

static void
test_inet_localhost_name(void **state)
{
	round_trip("127.0.0.1:0", "localhost", "127.0.0.1");
}

struct split_case {
	const char *addr;
	int     status;
	const char *host;
	const char *port;
};

static void
test_inet_addr_split(void **state)
{
	static const struct split_case cases[] = {
		{"mail.example:25", 0, "mail.example", "25"},
		{"192.0.2.1:smtp", 0, "192.0.2.1", "smtp"},
		{"[2001:db8::1]:587", 0, "2001:db8::1", "587"},
		{":25", 0, "", "25"},
		{"25", 0, "", "25"},
		{"2001:db8::1:25", -1, NULL, NULL},
		{"[::1]", -1, NULL, NULL},
		{"[::1]25", -1, NULL, NULL},
		{"[::1]:", -1, NULL, NULL},
		{"host:", -1, NULL, NULL},
		{"", -1, NULL, NULL},
	};
	VSTRING *host = vstring_alloc(10);
	VSTRING *port = vstring_alloc(10);
	VSTRING *why = vstring_alloc(10);
	size_t  i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		VSTRING_RESET(why);
		assert_int_equal(inet_addr_split(cases[i].addr, host, port, why),
				 cases[i].status);
		if (cases[i].status == 0) {
			assert_string_equal(vstring_str(host), cases[i].host);
			assert_string_equal(vstring_str(port), cases[i].port);
		} else {
			assert_non_null(strstr(vstring_str(why), cases[i].addr));
		}
	}
	vstring_free(host);
	vstring_free(port);
	vstring_free(why);
}

static void
test_inet_errors(void **state)
{
	VSTRING *why = vstring_alloc(10);
	VSTRING *text = vstring_alloc(10);
	VSTRING *addr = vstring_alloc(10);
	unsigned port;
	int     lfd;

	lfd = inet_listen("127.0.0.1:0", 1, why);
	assert_true(lfd >= 0);
	assert_int_equal(inet_local_text(lfd, text, &port), 0);
	vstring_sprintf(addr, "127.0.0.1:%u", port);
	/* A second listener on the same port is refused. */
	assert_int_equal(inet_listen(vstring_str(addr), 1, why), -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(vstring_str(why), "bind 127.0.0.1:"));
	close(lfd);
	/* Nobody listens now. */
	assert_int_equal(inet_connect(vstring_str(addr), 5, why), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_non_null(strstr(vstring_str(why), "connect to 127.0.0.1:"));
	assert_int_equal(inet_listen("127.0.0.1:no-such-service", 1, why), -1);
	assert_int_equal(inet_connect(":25", 1, why), -1);
	assert_string_equal(vstring_str(why), ":25: missing host");
	vstring_free(why);
	vstring_free(text);
	vstring_free(addr);
}

/* A listener whose queue is full drops our SYN: connect must give up. */
static void
test_inet_connect_timeout(void **state)
{
	VSTRING *why = vstring_alloc(10);
	VSTRING *text = vstring_alloc(10);
	VSTRING *addr = vstring_alloc(10);
	long long start;
	unsigned port;
	int     fillers[4];
	int     lfd;
	int     fd;
	int     i;

	lfd = inet_listen("127.0.0.1:0", 0, why);
	assert_true(lfd >= 0);
	assert_int_equal(inet_local_text(lfd, text, &port), 0);
	vstring_sprintf(addr, "127.0.0.1:%u", port);
	for (i = 0; i < 4; i++) {
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((unsigned short) port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void) connect(fillers[i], (struct sockaddr *) &sin, sizeof(sin));
	}
	start = monotonic_ms();
	fd = inet_connect(vstring_str(addr), 1, why);
	if (fd >= 0) {
		/* This kernel queued us after all; nothing to measure. */
		close(fd);
	} else {
		assert_int_equal(errno, ETIMEDOUT);
		assert_true(monotonic_ms() - start >= 900);
		assert_true(monotonic_ms() - start < 3000);
	}
	for (i = 0; i < 4; i++)
		close(fillers[i]);
	close(lfd);
	vstring_free(why);
	vstring_free(text);
	vstring_free(addr);
	if (fd >= 0)
		skip();
}

static void
test_sockaddr_to_text(void **state)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	struct sockaddr sa;
	VSTRING *text = vstring_alloc(10);
	unsigned port = 0;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(25);
	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.1", &sin6.sin6_addr), 1);
	assert_int_equal(sockaddr_to_text((struct sockaddr *) &sin6, sizeof(sin6), text, &port), 0);
	assert_string_equal(vstring_str(text), "192.0.2.1");
	assert_int_equal(port, 25);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::25", &sin6.sin6_addr), 1);
	assert_int_equal(sockaddr_to_text((struct sockaddr *) &sin6, sizeof(sin6), text, NULL), 0);
	assert_string_equal(vstring_str(text), "2001:db8::25");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(587);
	sin.sin_addr.s_addr = htonl(0xC0000202);
	assert_int_equal(sockaddr_to_text((struct sockaddr *) &sin, sizeof(sin), text, &port), 0);
	assert_string_equal(vstring_str(text), "192.0.2.2");
	assert_int_equal(port, 587);
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_int_equal(sockaddr_to_text(&sa, sizeof(sa), text, &port), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	vstring_free(text);
}

/* A private directory for UNIX-domain sockets. */
static char sock_dir[64];

static int
make_dir(void **state)
{
	strcpy(sock_dir, "/tmp/test_sock.XXXXXX");
	return (mkdtemp(sock_dir) ? 0 : -1);
}

static int
remove_dir(void **state)
{
	char    cmd[100];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sock_dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static void
test_unix_listen_connect(void **state)
{
	VSTRING *why = vstring_alloc(10);
	char    path[128];
	struct stat st;
	int     lfd;
	int     cfd;
	int     sfd;

	snprintf(path, sizeof(path), "%s/stream", sock_dir);
	lfd = unix_listen(path, 10, why);
	assert_true(lfd >= 0);
	assert_true(is_cloexec(lfd));
	cfd = unix_connect(path, 5, why);
	assert_true(cfd >= 0);
	sfd = unix_accept(lfd);
	assert_true(sfd >= 0);
	assert_true(is_cloexec(sfd));
	exchange(cfd, sfd);
	close(lfd);
	/* The socket file stays behind; the next listener replaces it. */
	assert_int_equal(lstat(path, &st), 0);
	lfd = unix_listen(path, 10, why);
	assert_true(lfd >= 0);
	cfd = unix_connect(path, 5, why);
	assert_true(cfd >= 0);
	close(cfd);
	close(lfd);
	vstring_free(why);
}

static void
test_unix_errors(void **state)
{
	VSTRING *why = vstring_alloc(10);
	char    path[128];
	char    longpath[200];
	int     fd;

	snprintf(path, sizeof(path), "%s/missing", sock_dir);
	assert_int_equal(unix_connect(path, 1, why), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(vstring_str(why), "connect to "));
	assert_non_null(strstr(vstring_str(why), path));
	/* A regular file is never removed. */
	snprintf(path, sizeof(path), "%s/plain", sock_dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(unix_listen(path, 10, why), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(access(path, F_OK), 0);
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = 0;
	assert_int_equal(unix_listen(longpath, 10, why), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	vstring_free(why);
}

static void
test_unix_connect_backlog_timeout(void **state)
{
	VSTRING *why = vstring_alloc(10);
	char    path[128];
	int     fds[8];
	int     n;
	int     lfd;
	long long start = 0;

	snprintf(path, sizeof(path), "%s/busy", sock_dir);
	lfd = unix_listen(path, 0, why);
	assert_true(lfd >= 0);
	for (n = 0; n < 8; n++) {
		start = monotonic_ms();
		if ((fds[n] = unix_connect(path, 1, why)) < 0)
			break;
	}
	assert_true(n < 8);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(monotonic_ms() - start >= 900);
	assert_true(monotonic_ms() - start < 3000);
	while (n-- > 0)
		close(fds[n]);
	close(lfd);
	vstring_free(why);
}

static void
test_unix_dgram(void **state)
{
	VSTRING *why = vstring_alloc(10);
	char    path[128];
	char    buf[16];
	int     lfd;
	int     cfd;

	snprintf(path, sizeof(path), "%s/dgram", sock_dir);
	lfd = unix_dgram_listen(path, why);
	assert_true(lfd >= 0);
	cfd = unix_dgram_connect(path, why);
	assert_true(cfd >= 0);
	assert_int_equal(send(cfd, "ping", 4, 0), 4);
	assert_int_equal(read_wait(lfd, 5000), 0);
	assert_int_equal(recv(lfd, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "ping", 4);
	close(cfd);
	close(lfd);
	vstring_free(why);
}

static void
test_fd_passing(void **state)
{
	int     sp[2];
	int     pfd[2];
	int     fd;
	char    buf[16];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(unix_send_fd(sp[0], pfd[0]), 0);
	close(pfd[0]);
	fd = unix_recv_fd(sp[1]);
	assert_true(fd >= 0);
	assert_true(is_cloexec(fd));
	assert_int_equal(write(pfd[1], "through", 7), 7);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "through", 7);
	/* The passed end is the only reader: closing it breaks the pipe. */
	close(fd);
	close(pfd[1]);

	/* A message without a descriptor, then end of file. */
	assert_int_equal(write(sp[0], "x", 1), 1);
	assert_int_equal(unix_recv_fd(sp[1]), -1);
	assert_int_equal(errno, EBADMSG);
	close(sp[0]);
	assert_int_equal(unix_recv_fd(sp[1]), -1);
	assert_int_equal(errno, ECONNRESET);
	close(sp[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inet_ipv4_round_trip),
		cmocka_unit_test(test_inet_ipv6_round_trip),
		cmocka_unit_test(test_inet_wildcard_shows_ipv4_peer),
		cmocka_unit_test(test_inet_localhost_name),
		cmocka_unit_test(test_inet_addr_split),
		cmocka_unit_test(test_inet_errors),
		cmocka_unit_test(test_inet_connect_timeout),
		cmocka_unit_test(test_sockaddr_to_text),
		cmocka_unit_test(test_unix_listen_connect),
		cmocka_unit_test(test_unix_errors),
		cmocka_unit_test(test_unix_connect_backlog_timeout),
		cmocka_unit_test(test_unix_dgram),
		cmocka_unit_test(test_fd_passing),
	};

	return (cmocka_run_group_tests(tests, make_dir, remove_dir));
}
