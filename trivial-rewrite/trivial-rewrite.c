/*
 * trivial-rewrite - address rewriting and resolving service
 *
 * A multi-server (many clients, one request per call) behind
 * private/rewrite. Requests and replies, attr0 (DESIGN.md section 4;
 * lib/global/resolve_client.h is the client):
 *
 *	request=rewrite, rule=local|remote, address=ADDR
 *		-> flags=0, address=CANONICAL
 *	request=resolve, sender=SENDER, address=ADDR
 *		-> flags=RESOLVE_*, transport=T, nexthop=N, recipient=R
 *
 * Addresses are in internal (unquoted) form. A request that does not
 * parse, an unknown request or an unknown rule ends the connection with
 * a warning; there is no error reply. A table lookup error is a reply
 * with RESOLVE_FLAG_FAIL, never a guess.
 *
 * Modules: rewrite.c (canonical form), resolve.c (address classes,
 * transport_maps). Lists and tables are opened before chroot.
 */
#include <string.h>

#include "msg.h"
#include "vstream.h"
#include "vstring.h"
#include "attr.h"
#include "mail_conf.h"
#include "mail_server.h"
#include "resolve_client.h"
#include "rewrite.h"
#include "resolve.h"

static TR_RESOLVER *resolver;
static TR_REWRITE_CTX rewrite_local;
static TR_REWRITE_CTX rewrite_remote;

static VSTRING *req_name;
static VSTRING *req_rule;
static VSTRING *req_sender;
static VSTRING *req_addr;
static VSTRING *rewrite_result;
static RESOLVE_REPLY resolve_reply;

/* request=rewrite: 0, or -1 to hang up. */
static int
rewrite_service(VSTREAM *stream)
{
	const TR_REWRITE_CTX *ctx;

	if (attr_scan(stream, ATTR_FLAG_STRICT,
		      RECV_ATTR_STR("rule", req_rule),
		      RECV_ATTR_STR("address", req_addr),
		      ATTR_TYPE_END) != 2)
		return (-1);
	if (strcmp(vstring_str(req_rule), "local") == 0) {
		ctx = &rewrite_local;
	} else if (strcmp(vstring_str(req_rule), "remote") == 0) {
		ctx = &rewrite_remote;
	} else {
		msg_warn("unknown rewrite rule \"%.100s\"", vstring_str(req_rule));
		return (-1);
	}
	tr_rewrite(ctx, vstring_str(req_addr), rewrite_result);
	if (msg_verbose)
		msg_info("rewrite %s: \"%s\" -> \"%s\"", vstring_str(req_rule),
			 vstring_str(req_addr), vstring_str(rewrite_result));
	return (attr_print(stream, ATTR_FLAG_FLUSH,
			   SEND_ATTR_INT("flags", 0),
			   SEND_ATTR_STR("address", vstring_str(rewrite_result)),
			   ATTR_TYPE_END));
}

/* request=resolve: 0, or -1 to hang up. */
static int
resolve_service(VSTREAM *stream)
{
	if (attr_scan(stream, ATTR_FLAG_STRICT,
		      RECV_ATTR_STR("sender", req_sender),
		      RECV_ATTR_STR("address", req_addr),
		      ATTR_TYPE_END) != 2)
		return (-1);
	tr_resolve(resolver, vstring_str(req_sender), vstring_str(req_addr),
		   &resolve_reply);
	if (msg_verbose)
		msg_info("resolve \"%s\" -> flags=0x%x transport=%s nexthop=%s "
			 "recipient=%s", vstring_str(req_addr),
			 resolve_reply.flags,
			 vstring_str(resolve_reply.transport),
			 vstring_str(resolve_reply.nexthop),
			 vstring_str(resolve_reply.recipient));
	return (attr_print(stream, ATTR_FLAG_FLUSH,
		  SEND_ATTR_INT("flags", resolve_reply.flags),
		  SEND_ATTR_STR("transport", vstring_str(resolve_reply.transport)),
		  SEND_ATTR_STR("nexthop", vstring_str(resolve_reply.nexthop)),
		  SEND_ATTR_STR("recipient", vstring_str(resolve_reply.recipient)),
		  ATTR_TYPE_END));
}

/* One request from one client. */
static void
trivial_rewrite_service(VSTREAM *stream, const char *service, char **argv)
{
	int	status;

	(void) service;
	(void) argv;
	if (attr_scan(stream, ATTR_FLAG_STRICT | ATTR_FLAG_MORE,
		      RECV_ATTR_STR("request", req_name),
		      ATTR_TYPE_END) != 1) {
		multi_server_disconnect(stream);
		return;
	}
	if (strcmp(vstring_str(req_name), "rewrite") == 0) {
		status = rewrite_service(stream);
	} else if (strcmp(vstring_str(req_name), "resolve") == 0) {
		status = resolve_service(stream);
	} else {
		msg_warn("unknown request \"%.100s\"", vstring_str(req_name));
		status = -1;
	}
	if (status != 0)
		multi_server_disconnect(stream);
}

/* Before chroot: lists, tables and interface addresses. */
static void
trivial_rewrite_pre_init(const char *service, char **argv)
{
	VSTRING *why = vstring_alloc(100);

	(void) service;
	(void) argv;
	if ((resolver = tr_resolve_create(why)) == NULL)
		msg_fatal("%s", vstring_str(why));
	vstring_free(why);
	if (tr_rewrite_ctx_init(&rewrite_local, "local") != 0
	    || tr_rewrite_ctx_init(&rewrite_remote, "remote") != 0)
		msg_panic("rewrite contexts");
	req_name = vstring_alloc(20);
	req_rule = vstring_alloc(20);
	req_sender = vstring_alloc(100);
	req_addr = vstring_alloc(100);
	rewrite_result = vstring_alloc(100);
	resolve_client_init(&resolve_reply);
}

int
main(int argc, char **argv)
{
	multi_server_main(argc, argv, trivial_rewrite_service,
			  MAIL_SERVER_PRE_INIT, trivial_rewrite_pre_init,
			  MAIL_SERVER_END);
	return (0);
}
