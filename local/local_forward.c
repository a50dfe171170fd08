/*
 * local_forward - forward mail to the addresses an alias or .forward
 * expands to, as a new message through cleanup(8)
 *
 *	local_forward_flush() sends what an original recipient collected:
 *	one new message per envelope sender (the original sender, or the
 *	owner- alias of the expansion), every address as a recipient with
 *	the original recipient as its ORCPT and the original DSN NOTIFY,
 *	the original DSN ENVID and RET, rewrite_context=local, and the
 *	original content behind a Delivered-To: header (when
 *	prepend_delivered_header says "forward"). Each address is then
 *	reported "forwarded as QUEUEID", or deferred when cleanup could
 *	not take the message.
 */
#include <string.h>

#include "argv.h"
#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "cleanup_client.h"
#include "mail_conf.h"
#include "rec_type.h"
#include "local.h"

static const char *
local_notify_text(VSTRING *buf, int notify)
{
	VSTRING_RESET(buf);
	if (notify & DSN_NOTIFY_NEVER)
		vstring_strcat(buf, "NEVER");
	if (notify & DSN_NOTIFY_SUCCESS)
		vstring_strcat(buf, vstring_len(buf) ? ",SUCCESS" : "SUCCESS");
	if (notify & DSN_NOTIFY_FAILURE)
		vstring_strcat(buf, vstring_len(buf) ? ",FAILURE" : "FAILURE");
	if (notify & DSN_NOTIFY_DELAY)
		vstring_strcat(buf, vstring_len(buf) ? ",DELAY" : "DELAY");
	return (vstring_str(buf));
}

/* Send the addresses whose sender is "sender"; report each of them. */
static void
local_forward_one(LOCAL_RCPT *rs, const char *sender, char *done)
{
	DELIVER_REQUEST *req = rs->msg->req;
	VSTRING *why = vstring_alloc(100);
	VSTRING *buf = vstring_alloc(100);
	CLEANUP_CLIENT *cc;
	LOCAL_CTX ctx;
	const char *cp;
	const char *end;
	const char *nl;
	char   *queue_id = NULL;
	int	status;
	size_t	i;

	cc = cleanup_client_open("public", CLEANUP_SERVICE, CLEANUP_FLAG_MASK_EXTERNAL,
				 (int) mail_conf_time("ipc_timeout"), why);
	if (cc != NULL) {
		queue_id = mystrdup(cleanup_client_id(cc));
		cleanup_client_rec(cc, REC_TYPE_SENDER, sender, strlen(sender));
		cleanup_client_fmt(cc, REC_TYPE_ATTR, "rewrite_context=local");
		if (*req->encoding)
			cleanup_client_fmt(cc, REC_TYPE_ATTR, "encoding=%s",
					   req->encoding);
		if (req->smtputf8)
			cleanup_client_fmt(cc, REC_TYPE_ATTR, "smtputf8=yes");
		if (*req->dsn_envid)
			cleanup_client_rec(cc, REC_TYPE_DSN_ENVID, req->dsn_envid,
					   strlen(req->dsn_envid));
		if (req->dsn_ret)
			cleanup_client_fmt(cc, REC_TYPE_DSN_RET, "%s",
				   req->dsn_ret == DSN_RET_FULL ? "FULL" : "HDRS");
		for (i = 0; i < rs->fwd_addr->len; i++) {
			const char *addr = rs->fwd_addr->argv[i];

			if (done[i] || strcmp(rs->fwd_sender->argv[i], sender) != 0)
				continue;
			cleanup_client_rec(cc, REC_TYPE_ORCPT, rs->orig,
					   strlen(rs->orig));
			if (*rs->rcpt->dsn_orcpt)
				cleanup_client_rec(cc, REC_TYPE_DSN_ORCPT,
						   rs->rcpt->dsn_orcpt,
						   strlen(rs->rcpt->dsn_orcpt));
			if (rs->rcpt->dsn_notify)
				cleanup_client_fmt(cc, REC_TYPE_DSN_NOTIFY, "%s",
						   local_notify_text(buf,
							 rs->rcpt->dsn_notify));
			cleanup_client_rec(cc, REC_TYPE_RCPT, addr, strlen(addr));
		}
		cleanup_client_rec(cc, REC_TYPE_MESSAGE, "", 0);
		if (local_list_has(mail_conf_str("prepend_delivered_header"),
				   "forward"))
			cleanup_client_fmt(cc, REC_TYPE_NORMAL, "Delivered-To: %s",
					   rs->delivered);
		cp = vstring_str(rs->msg->content);
		end = cp + vstring_len(rs->msg->content);
		while (cp < end) {
			nl = memchr(cp, '\n', end - cp);
			if (nl == NULL)
				nl = end;
			cleanup_client_line(cc, cp, nl - cp);
			cp = nl + 1;
		}
		cleanup_client_rec(cc, REC_TYPE_XTRA, "", 0);
		cleanup_client_rec(cc, REC_TYPE_END, "", 0);
		status = cleanup_client_finish(cc, why);
		if (status != CLEANUP_STAT_OK) {
			if (vstring_len(why) == 0)
				vstring_strcpy(why, cleanup_stat_text(status));
			msg_warn("%s: cannot forward: %s", req->queue_id,
				 vstring_str(why));
		}
	} else {
		status = CLEANUP_STAT_WRITE;
		msg_warn("%s", vstring_str(why));
	}

	memset(&ctx, 0, sizeof(ctx));
	ctx.rs = rs;
	for (i = 0; i < rs->fwd_addr->len; i++) {
		if (done[i] || strcmp(rs->fwd_sender->argv[i], sender) != 0)
			continue;
		done[i] = 1;
		ctx.addr = rs->fwd_addr->argv[i];
		if (status == CLEANUP_STAT_OK)
			local_result(&ctx, LOCAL_SENT, "2.0.0", "forwarded as %s",
				     queue_id);
		else
			local_result(&ctx, LOCAL_DEFER, "4.3.0",
				     "cannot forward: %s", vstring_str(why));
	}
	if (queue_id)
		myfree(queue_id);
	vstring_free(why);
	vstring_free(buf);
}

void
local_forward_flush(LOCAL_RCPT *rs)
{
	char   *done;
	size_t	i;

	if (rs->fwd_addr->len == 0)
		return;
	done = mycalloc(rs->fwd_addr->len, 1);
	for (i = 0; i < rs->fwd_addr->len; i++)
		if (!done[i])
			local_forward_one(rs, rs->fwd_sender->argv[i], done);
	myfree(done);
	argv_truncate(rs->fwd_addr, 0);
	argv_truncate(rs->fwd_sender, 0);
}
