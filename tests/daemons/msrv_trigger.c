/*
 * msrv_trigger - test daemon for trigger_server_main()
 *
 * Logs "trigger: BYTES" (msg_info) for each trigger it receives. With the
 * argument "tick=MS" it also logs "tick N" every MS milliseconds from a
 * timer in the same event loop; with "solitary" it runs as a resident
 * (MAIL_SERVER_SOLITARY) daemon.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "events.h"
#include "mail_server.h"

static int tick_ms;
static long ticks;

static void
msrv_tick(int event, void *context)
{
	(void) event;
	(void) context;
	msg_info("tick %ld", ++ticks);
	event_request_timer(msrv_tick, NULL, tick_ms);
}

static void
msrv_trigger(char *buf, size_t len, const char *service, char **argv)
{
	(void) service;
	(void) argv;
	msg_info("trigger: %.*s", (int) len, buf);
}

static void
msrv_post_init(const char *service, char **argv)
{
	int     i;

	(void) service;
	for (i = 0; argv[i] != NULL; i++)
		if (strncmp(argv[i], "tick=", 5) == 0)
			tick_ms = atoi(argv[i] + 5);
	if (tick_ms > 0)
		event_request_timer(msrv_tick, NULL, tick_ms);
}

int
main(int argc, char **argv)
{
	int     i;
	int     solitary = 0;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "solitary") == 0)
			solitary = 1;
	if (solitary)
		trigger_server_main(argc, argv, msrv_trigger,
				    MAIL_SERVER_POST_INIT, msrv_post_init,
				    MAIL_SERVER_SOLITARY,
				    MAIL_SERVER_END);
	else
		trigger_server_main(argc, argv, msrv_trigger,
				    MAIL_SERVER_POST_INIT, msrv_post_init,
				    MAIL_SERVER_END);
	return (0);
}
