/*
 * resolve_query - ask trivial-rewrite(8) through resolve_client, for tests
 *
 *	resolve_query < requests
 * Reads MAIL_CONFIG's main.cf, changes to queue_directory, then for each
 * stdin line, tab-separated:
 *	rewrite<TAB>RULE<TAB>ADDRESS	prints the new address
 *	resolve<TAB>SENDER<TAB>ADDRESS	prints "FLAGS<TAB>TRANSPORT<TAB>
 *					NEXTHOP<TAB>RECIPIENT" (FLAGS decimal)
 * one answer line per request, flushed, or "ERROR" when rewrite_client()
 * or resolve_client() returns -1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "vstring.h"
#include "mail_conf.h"
#include "resolve_client.h"

int
main(int argc, char **argv)
{
	char	line[4096];
	VSTRING *out = vstring_alloc(100);
	RESOLVE_REPLY reply;

	(void) argc;
	msg_stderr_init(argv[0]);
	mail_conf_init_flags(NULL, MAIL_CONF_FLAG_NONE);
	if (chdir(mail_conf_str("queue_directory")) < 0)
		msg_fatal("chdir %s: %s", mail_conf_str("queue_directory"), strerror(errno));
	resolve_client_init(&reply);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char   *req = line;
		char   *arg;
		char   *addr;

		line[strcspn(line, "\n")] = 0;
		if ((arg = strchr(req, '\t')) == NULL
		    || (addr = strchr(arg + 1, '\t')) == NULL)
			msg_fatal("bad request line: %s", line);
		*arg++ = 0;
		*addr++ = 0;
		if (strcmp(req, "rewrite") == 0) {
			if (rewrite_client(arg, addr, out) < 0)
				printf("ERROR\n");
			else
				printf("%s\n", vstring_str(out));
		} else if (strcmp(req, "resolve") == 0) {
			if (resolve_client(arg, addr, &reply) < 0)
				printf("ERROR\n");
			else
				printf("%d\t%s\t%s\t%s\n", reply.flags,
				       vstring_str(reply.transport),
				       vstring_str(reply.nexthop),
				       vstring_str(reply.recipient));
		} else {
			msg_fatal("bad request: %s", req);
		}
		fflush(stdout);
	}
	resolve_client_free(&reply);
	vstring_free(out);
	return (0);
}
