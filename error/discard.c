/*
 * discard - the discard delivery agent
 *
 * Serves one delivery request per connection (deliver_request.h): every
 * recipient is reported delivered (status=sent, relay=none) with the
 * next-hop text as reason ("discarded" when empty; a leading RFC 3463
 * code, 2.0.0 by default, becomes the DSN status), and marked DONE in the
 * queue file. A recipient whose queue file cannot be updated is deferred.
 */

#include <string.h>

#include "msg.h"
#include "vstream.h"
#include "vstring.h"

#include "deliver_request.h"
#include "mail_server.h"
#include "error_dsn.h"

static void
discard_service(VSTREAM *stream, const char *service, char **argv)
{
	DELIVER_REQUEST *req;
	VSTRING *status = vstring_alloc(16);
	const char *reason;
	DSN_INFO dsn;
	int     result = DEL_STAT_OK;
	size_t  i;

	(void) service;
	(void) argv;
	if ((req = deliver_request_read(stream)) == NULL) {
		vstring_free(status);
		return;
	}
	reason = error_dsn_split(status, req->nexthop, "2.0.0");
	if (vstring_str(status)[0] != '2')
		vstring_strcpy(status, "2.0.0");
	memset(&dsn, 0, sizeof(dsn));
	dsn.status = vstring_str(status);
	dsn.action = "delivered";
	dsn.reason = *reason ? reason : "discarded";
	dsn.dtype = dsn.dtext = dsn.mtype = dsn.mname = "";
	for (i = 0; i < req->rcpt_count; i++)
		result |= deliver_sent(req, &req->rcpt[i], "none", &dsn);
	(void) deliver_request_done(stream, req, result, 0);
	vstring_free(status);
}

int
main(int argc, char **argv)
{
	single_server_main(argc, argv, discard_service, MAIL_SERVER_END);
	return (0);
}
