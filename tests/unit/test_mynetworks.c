/*
 * Unit tests for lib/global inet_local and mynetworks.
 *
 * Interface addresses differ between machines, so the default mynetworks
 * is compared with what Debian's Postfix computes on the same machine
 * ("postconf -c DIR mynetworks" with DIR/main.cf setting mynetworks_style,
 * inet_protocols and inet_interfaces but not mynetworks); those tests are
 * skipped when /usr/sbin/postconf is not installed.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <time.h>
#include <utime.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "inet_local.h"
#include "mynetworks.h"

#define POSTCONF	"/usr/sbin/postconf"

static char conf_dir[64];

/* Errors that do not depend on the machine. */
static const struct error_case {
	const char *style;
	const char *protocols;
	const char *interfaces;
	const char *why;
} error_cases[] = {
	{"bogus", "all", "all",
	"unknown mynetworks mask style value \"bogus\" in \"bogus\""},
	{"host,bogus", "all", "all",
	"unknown mynetworks mask style value \"bogus\" in \"host,bogus\""},
	{"Host", "all", "all",
	"unknown mynetworks mask style value \"Host\" in \"Host\""},
	{"host,subnet", "all", "all",
	"bad mynetworks_style value: host,subnet; specify exactly one value"},
	{"", "all", "all",
	"bad mynetworks_style value: ; specify exactly one value"},
	{"subnet", "bogus", "all",
	"unknown inet_protocols value \"bogus\" in \"bogus\""},
	{"subnet", "ipv4 IPv6", "all",
	"unknown inet_protocols value \"IPv6\" in \"ipv4 IPv6\""},
	/* inet_protocols is checked first. */
	{"bogus", "bogus", "all",
	"unknown inet_protocols value \"bogus\" in \"bogus\""},
	/* The style is checked before names are resolved. */
	{"bogus", "all", "127.0.0.1, ::1",
	"unknown mynetworks mask style value \"bogus\" in \"bogus\""},
	{"subnet", "ipv4", "::1",
	"config variable inet_interfaces: host not found: ::1"},
	{"subnet", "ipv4", "[::1]",
	"config variable inet_interfaces: host not found: [::1]"},
};

static void
test_errors(void **state)
{
	VSTRING *why = vstring_alloc(100);
	char   *result;
	size_t  i;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = error_cases + i;

		VSTRING_RESET(why);
		result = mynetworks_default(c->style, c->protocols,
					    c->interfaces, why);
		if (result != NULL)
			fail_msg("case %zu: got \"%s\", want error %s", i,
				 result, c->why);
		assert_string_equal(vstring_str(why), c->why);
	}
	vstring_free(why);
}

/* No protocols: nothing to trust, and nothing else is even checked. */
static void
test_no_protocols(void **state)
{
	VSTRING *why = vstring_alloc(100);
	char   *result;

	result = mynetworks_default("bogus", "", "nonexistent.invalid", why);
	assert_non_null(result);
	assert_string_equal(result, "");
	myfree(result);
	result = mynetworks_default("host", " , ", "all", why);
	assert_string_equal(result, "");
	myfree(result);
	vstring_free(why);
}

static void
test_protocols(void **state)
{
	VSTRING *why = vstring_alloc(100);
	int     protos = -1;

	assert_int_equal(inet_local_protocols("ipv4", &protos, why), 0);
	assert_int_equal(protos, INET_PROTO_IPV4);
	assert_int_equal(inet_local_protocols("", &protos, why), 0);
	assert_int_equal(protos, 0);
	assert_int_equal(inet_local_protocols("all", &protos, why), 0);
	assert_true(protos & INET_PROTO_IPV4);
	assert_int_equal(inet_local_protocols("ipv4, ipv6", &protos, why), 0);
	assert_true(protos & INET_PROTO_IPV4);
	assert_int_equal(inet_local_protocols("ipv4 ipv5", &protos, why), -1);
	assert_string_equal(vstring_str(why),
			  "unknown inet_protocols value \"ipv5\" in \"ipv4 ipv5\"");
	vstring_free(why);
}

/* Host style lists every distinct own address as a host network. */
static void
test_host_style(void **state)
{
	VSTRING *why = vstring_alloc(100);
	VSTRING *want = vstring_alloc(100);
	INET_LOCAL_LIST *scan;
	char    text[INET6_ADDRSTRLEN];
	char   *result;
	size_t  i;

	scan = inet_local_scan(INET_PROTO_IPV4, why);
	assert_non_null(scan);
	if (scan->len == 0)
		skip();
	for (i = 0; i < scan->len; i++) {
		assert_int_equal(scan->addrs[i].family, AF_INET);
		assert_true(scan->addrs[i].prefix_len <= 32);
		assert_non_null(inet_ntop(AF_INET, scan->addrs[i].addr, text,
					  sizeof(text)));
		if (strstr(vstring_str(want), text) == NULL)
			vstring_sprintf_append(want, "%s%s/32",
					   vstring_len(want) ? " " : "", text);
	}
	result = mynetworks_default("host", "ipv4", "all", why);
	assert_non_null(result);
	assert_string_equal(result, vstring_str(want));
	myfree(result);

	/* The same addresses listed by hand, in any order, give the same. */
	VSTRING_RESET(want);
	for (i = scan->len; i > 0; i--) {
		inet_ntop(AF_INET, scan->addrs[i - 1].addr, text, sizeof(text));
		vstring_sprintf_append(want, "[%s], ", text);
	}
	result = mynetworks_default("host", "ipv4", vstring_str(want), why);
	assert_non_null(result);
	assert_true(strstr(result, "/32") != NULL);
	myfree(result);
	inet_local_free(scan);
	vstring_free(want);
	vstring_free(why);
}

/* Run postconf without a shell; its output, without the last newline. */
static char *
run_output(char *const argv[])
{
	VSTRING *out = vstring_alloc(100);
	char    buf[1024];
	int     pipefd[2];
	pid_t   pid = -1;
	ssize_t n;
	int     status;

	if (pipe(pipefd) < 0 || (pid = fork()) < 0) {
		fail_msg("pipe/fork");
		return (NULL);
	}
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(POSTCONF, argv);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
		vstring_memcat(out, buf, (size_t) n);
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	while (vstring_len(out) > 0
	       && vstring_str(out)[vstring_len(out) - 1] == '\n')
		vstring_truncate(out, vstring_len(out) - 1);
	return (vstring_export(out));
}

/* What Debian's postconf says mynetworks is, given these settings. */
static char *
postconf_mynetworks(const char *style, const char *protocols,
		    const char *interfaces)
{
	char   *argv[] = {"postconf", "-c", conf_dir, "mynetworks", NULL};
	VSTRING *path = vstring_alloc(100);
	struct utimbuf old;
	FILE   *fp;

	vstring_sprintf(path, "%s/main.cf", conf_dir);
	if ((fp = fopen(vstring_str(path), "w")) == NULL)
		fail_msg("create %s", vstring_str(path));
	fprintf(fp, "mynetworks_style = %s\ninet_protocols = %s\n"
		"inet_interfaces = %s\n", style, protocols, interfaces);
	fclose(fp);
	/* Postfix pauses about 2s before reading a main.cf this fresh. */
	old.actime = old.modtime = time(NULL) - 3600;
	utime(vstring_str(path), &old);
	vstring_free(path);
	return (run_output(argv));
}

/* Our answer in postconf's words. */
static char *
our_mynetworks(const char *style, const char *protocols,
	       const char *interfaces)
{
	VSTRING *why = vstring_alloc(100);
	VSTRING *out = vstring_alloc(100);
	char   *result;

	if ((result = mynetworks_default(style, protocols, interfaces, why)) != NULL) {
		vstring_sprintf(out, "mynetworks =%s%s", *result ? " " : "", result);
		myfree(result);
	} else {
		vstring_sprintf(out, "postconf: fatal: %s", vstring_str(why));
	}
	vstring_free(why);
	return (vstring_export(out));
}

/* An explicit inet_interfaces list made of this machine's addresses. */
static char *
own_address_list(int reverse)
{
	VSTRING *why = vstring_alloc(100);
	VSTRING *list = vstring_alloc(100);
	INET_LOCAL_LIST *scan = inet_local_scan(INET_PROTO_IPV4 | INET_PROTO_IPV6,
						why);
	char    text[INET6_ADDRSTRLEN];
	size_t  i;
	size_t  j;

	for (i = 0; scan != NULL && i < scan->len; i++) {
		j = reverse ? scan->len - 1 - i : i;
		inet_ntop(scan->addrs[j].family, scan->addrs[j].addr, text,
			  sizeof(text));
		vstring_sprintf_append(list, scan->addrs[j].family == AF_INET6 ?
				       "[%s], " : "%s ", text);
	}
	inet_local_free(scan);
	vstring_free(why);
	return (vstring_export(list));
}

/* Compare one setting with Postfix; 1 when compared. */
static int
compare_postfix(const char *style, const char *protocols,
		const char *interfaces)
{
	char   *postfix = postconf_mynetworks(style, protocols, interfaces);
	char   *ours = our_mynetworks(style, protocols, interfaces);

	if (strcmp(postfix, ours) != 0)
		fail_msg("style=%s protocols=%s interfaces=%s:"
			 "\n postfix: %s\n postern: %s",
			 style, protocols, interfaces, postfix, ours);
	myfree(postfix);
	myfree(ours);
	return (1);
}

static void
test_against_postfix(void **state)
{
	static const char *styles[] = {"host", "subnet", "class"};
	static const char *protocols[] = {"all", "ipv4", "ipv6", "ipv6, ipv4"};
	static const char *special[] = {"all", "loopback-only", ""};
	char   *forward = own_address_list(0);
	char   *backward = own_address_list(1);
	size_t  s;
	size_t  p;
	size_t  i;
	int     compared = 0;

	if (access(POSTCONF, X_OK) != 0)
		skip();
	for (s = 0; s < 3; s++) {
		for (p = 0; p < 4; p++)
			for (i = 0; i < 3; i++)
				compared += compare_postfix(styles[s], protocols[p],
							    special[i]);
		/* Own addresses listed by hand, in either order. */
		compared += compare_postfix(styles[s], "all", forward);
		compared += compare_postfix(styles[s], "all", backward);
		compared += compare_postfix(styles[s], "all",
					    "127.0.0.1, [127.0.0.1]");
	}
	/* Errors (postconf pauses a second after each, so only a few). */
	compared += compare_postfix("subnet", "all", "198.51.100.77");
	compared += compare_postfix("host", "ipv6", "127.0.0.1");
	compared += compare_postfix("class", "ipv4", forward);
	assert_int_equal(compared, 48);
	myfree(forward);
	myfree(backward);
}

/* "postconf -d mynetworks" is the subnet style with all defaults. */
static void
test_postconf_d(void **state)
{
	char   *argv[] = {"postconf", "-d", "mynetworks", NULL};
	char   *postfix;
	char   *ours;

	if (access(POSTCONF, X_OK) != 0)
		skip();
	postfix = run_output(argv);
	ours = our_mynetworks("subnet", "all", "all");
	assert_string_equal(postfix, ours);
	myfree(postfix);
	myfree(ours);
}

static int
setup(void **state)
{
	VSTRING *path = vstring_alloc(100);
	FILE   *fp;

	strcpy(conf_dir, "/tmp/test_mynetworks.XXXXXX");
	if (mkdtemp(conf_dir) == NULL)
		return (-1);
	/* postconf warns about a missing master.cf. */
	vstring_sprintf(path, "%s/master.cf", conf_dir);
	if ((fp = fopen(vstring_str(path), "w")) != NULL)
		fclose(fp);
	vstring_free(path);
	return (0);
}

static int
teardown(void **state)
{
	VSTRING *path = vstring_alloc(100);

	vstring_sprintf(path, "%s/master.cf", conf_dir);
	unlink(vstring_str(path));
	vstring_sprintf(path, "%s/main.cf", conf_dir);
	unlink(vstring_str(path));
	rmdir(conf_dir);
	vstring_free(path);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_no_protocols),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_host_style),
		cmocka_unit_test(test_against_postfix),
		cmocka_unit_test(test_postconf_d),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
