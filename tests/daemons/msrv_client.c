/*
 * msrv_client - exercises mail_connect() and mail_trigger() for tests
 *
 *	msrv_client trigger CLASS NAME TEXT
 *		mail_trigger(); exit 0, or 1 with "trigger failed: ERRNO".
 *	msrv_client connect CLASS NAME LINE...
 *		mail_connect() with a 10-second timeout, then for each LINE:
 *		send it, print the reply line. Exit 1 with the reason when
 *		the connection fails.
 * Paths are relative to the current directory (the queue directory).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "vstring.h"
#include "vstream.h"
#include "mail_connect.h"

int
main(int argc, char **argv)
{
	VSTRING *why;
	VSTRING *line;
	VSTREAM *stream;
	int     i;

	msg_stderr_init(argv[0]);
	if (argc >= 5 && strcmp(argv[1], "trigger") == 0) {
		if (mail_trigger(argv[2], argv[3], argv[4], strlen(argv[4])) < 0) {
			printf("trigger failed: %s\n", strerror(errno));
			return (1);
		}
		return (0);
	}
	if (argc >= 4 && strcmp(argv[1], "connect") == 0) {
		why = vstring_alloc(100);
		line = vstring_alloc(100);
		if ((stream = mail_connect(argv[2], argv[3], 10, why)) == NULL) {
			printf("%s\n", vstring_str(why));
			vstring_free(why);
			vstring_free(line);
			return (1);
		}
		/* The banner line of msrv_single, if any, comes first. */
		for (i = 4; i < argc; i++) {
			vstream_fprintf(stream, "%s\r\n", argv[i]);
			vstream_fflush(stream);
			if (vstream_fgets_bound(stream, line, 4000) != VSTREAM_GETS_OK)
				break;
			fputs(vstring_str(line), stdout);
		}
		vstream_close(stream);
		vstring_free(why);
		vstring_free(line);
		return (0);
	}
	msg_fatal("usage: msrv_client trigger|connect CLASS NAME ...");
}
