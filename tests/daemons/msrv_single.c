/*
 * msrv_single - test daemon for single_server_main()
 *
 * On each connection it writes one line describing the process:
 *	"pid=N uid=N gid=N euid=N egid=N groups=G,G cwd=DIR precwd=DIR
 *	 service=NAME use=N args=A,B"
 * (precwd: the working directory PRE_INIT saw), then reads commands, one
 * per line, until "quit" or end of file:
 *	param NAME	the value (mail_conf_lookup(), or "(unset)")
 *	log TEXT	msg_info(TEXT), answers "ok"
 *	warn TEXT	msg_warn(TEXT), answers "ok"
 *	echo TEXT	TEXT
 *	close		returns from the service (session ends)
 * Anything else answers "error".
 */
#include <sys/types.h>
#include <grp.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "vstring.h"
#include "vstream.h"
#include "mail_conf.h"
#include "mail_server.h"

static char pre_cwd[PATH_MAX];
static long served;

static void
msrv_pre_init(const char *service, char **argv)
{
	(void) service;
	(void) argv;
	if (getcwd(pre_cwd, sizeof(pre_cwd)) == NULL)
		strcpy(pre_cwd, "?");
}

static void
msrv_info(VSTREAM *stream, const char *service, char **argv)
{
	gid_t   groups[64];
	char    cwd[PATH_MAX];
	int     n;
	int     i;

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		strcpy(cwd, "?");
	vstream_fprintf(stream, "pid=%ld uid=%ld gid=%ld euid=%ld egid=%ld groups=",
			(long) getpid(), (long) getuid(), (long) getgid(),
			(long) geteuid(), (long) getegid());
	n = getgroups(64, groups);
	for (i = 0; i < n; i++)
		vstream_fprintf(stream, "%s%ld", i ? "," : "", (long) groups[i]);
	vstream_fprintf(stream, " cwd=%s precwd=%s service=%s use=%ld args=",
			cwd, pre_cwd, service, served);
	for (i = 0; argv[i] != NULL; i++)
		vstream_fprintf(stream, "%s%s", i ? "," : "", argv[i]);
	vstream_fputs(stream, "\r\n");
}

static void
msrv_service(VSTREAM *stream, const char *service, char **argv)
{
	VSTRING *line = vstring_alloc(100);
	const char *value;
	char   *cp;

	served++;
	vstream_set_timeout(stream, 60);
	msrv_info(stream, service, argv);
	vstream_fflush(stream);
	while (vstream_fgets_bound(stream, line, 1000) == VSTREAM_GETS_OK) {
		vstring_truncate(line, strcspn(vstring_str(line), "\r\n"));
		cp = vstring_str(line);
		if (strcmp(cp, "quit") == 0 || strcmp(cp, "close") == 0)
			break;
		if (strncmp(cp, "param ", 6) == 0) {
			value = mail_conf_lookup(cp + 6);
			vstream_fprintf(stream, "%s\r\n", value ? value : "(unset)");
		} else if (strncmp(cp, "log ", 4) == 0) {
			msg_info("%s", cp + 4);
			vstream_fputs(stream, "ok\r\n");
		} else if (strncmp(cp, "warn ", 5) == 0) {
			msg_warn("%s", cp + 5);
			vstream_fputs(stream, "ok\r\n");
		} else if (strncmp(cp, "echo ", 5) == 0) {
			vstream_fprintf(stream, "%s\r\n", cp + 5);
		} else {
			vstream_fputs(stream, "error\r\n");
		}
		vstream_fflush(stream);
	}
	vstring_free(line);
}

int
main(int argc, char **argv)
{
	single_server_main(argc, argv, msrv_service,
			   MAIL_SERVER_PRE_INIT, msrv_pre_init,
			   MAIL_SERVER_END);
	return (0);
}
