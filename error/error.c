/*
 * error - the error and retry delivery agents
 *
 * Serves one delivery request per connection (deliver_request.h). The
 * next-hop field is the reason; it may start with an RFC 3463 detail
 * code ("5.1.1 no such user"), else 5.0.0 (error) or 4.0.0 (retry) is
 * used. Run as master.cf service "error", every recipient is bounced; as
 * "retry" (any other name too), every recipient is deferred. Log lines
 * have relay=none.
 */

#include <ctype.h>
#include <string.h>

#include "msg.h"
#include "vstream.h"
#include "vstring.h"

#include "deliver_request.h"
#include "mail_server.h"
#include "error_dsn.h"

static void
error_service(VSTREAM *stream, const char *service, char **argv)
{
	DELIVER_REQUEST *req;
	VSTRING *status = vstring_alloc(16);
	const char *reason;
	DSN_INFO dsn;
	int     bounce = strcmp(service, "error") == 0;
	int     result = DEL_STAT_OK;
	size_t  i;

	(void) argv;
	if ((req = deliver_request_read(stream)) == NULL) {
		vstring_free(status);
		return;
	}
	reason = error_dsn_split(status, req->nexthop, bounce ? "5.0.0" : "4.0.0");
	memset(&dsn, 0, sizeof(dsn));
	dsn.status = vstring_str(status);
	dsn.action = bounce ? "failed" : "delayed";
	dsn.reason = *reason ? reason :
	    bounce ? "delivery failed" : "delivery temporarily suspended";
	dsn.dtype = dsn.dtext = dsn.mtype = dsn.mname = "";
	for (i = 0; i < req->rcpt_count; i++) {
		if (bounce)
			result |= deliver_bounce(req, &req->rcpt[i], "none", &dsn);
		else
			result |= deliver_defer(req, &req->rcpt[i], "none", &dsn);
	}
	(void) deliver_request_done(stream, req, result, 0);
	vstring_free(status);
}

int
main(int argc, char **argv)
{
	single_server_main(argc, argv, error_service, MAIL_SERVER_END);
	return (0);
}
