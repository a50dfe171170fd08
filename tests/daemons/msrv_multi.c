/*
 * msrv_multi - test daemon for multi_server_main()
 *
 * One request is one line: "echo TEXT" answers "TEXT pid=N clients=..."
 * ("pid=N" is the serving process), "bye" answers "bye" and disconnects
 * the client with multi_server_disconnect().
 */
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "vstring.h"
#include "vstream.h"
#include "mail_server.h"

static VSTRING *line;

static void
msrv_service(VSTREAM *stream, const char *service, char **argv)
{
	char   *cp;

	(void) service;
	(void) argv;
	if (line == NULL)
		line = vstring_alloc(100);
	if (vstream_fgets_bound(stream, line, 1000) != VSTREAM_GETS_OK)
		return;				/* EOF: the skeleton disconnects */
	vstring_truncate(line, strcspn(vstring_str(line), "\r\n"));
	cp = vstring_str(line);
	if (strcmp(cp, "bye") == 0) {
		vstream_fputs(stream, "bye\r\n");
		vstream_fflush(stream);
		multi_server_disconnect(stream);
		return;
	}
	if (strncmp(cp, "echo ", 5) == 0)
		vstream_fprintf(stream, "%s pid=%ld\r\n", cp + 5, (long) getpid());
	else
		vstream_fputs(stream, "error\r\n");
	vstream_fflush(stream);
}

int
main(int argc, char **argv)
{
	multi_server_main(argc, argv, msrv_service, MAIL_SERVER_END);
	return (0);
}
