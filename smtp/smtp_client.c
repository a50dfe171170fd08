/*
 * smtp_client - the smtp(8)/lmtp(8) delivery service
 *
 * smtp(8) and lmtp(8) serve private/smtp, private/relay, private/lmtp ...
 * (the master.cf services that qmgr picks by transport name). One
 * connection carries one delivery request from qmgr in the protocol of
 * deliver_request.h:
 *
 *	agent -> qmgr	status (int 0): ready
 *	qmgr -> agent	flags, queue_name, queue_id, offset, data_size,
 *			nexthop, encoding, smtputf8, sender, dsn_envid,
 *			dsn_ret, arrival/active/dispatch_time, log_client_*,
 *			sasl_*, rewrite_context, rcpt_count, then per
 *			recipient orig_rcpt, rcpt, rcpt_offset, dsn_orcpt,
 *			dsn_notify
 *	agent -> qmgr	status (int: 0, or DEL_STAT_DEFER when a recipient
 *			was deferred), dead (int: 1 when no server of the
 *			destination could be reached)
 *
 * The nexthop is a list (comma or space separated) of destinations,
 * tried in order, followed by smtp_fallback_relay: "[host]:port",
 * "[addr]" (no MX lookup), "host:port", "host" (MX lookup; LMTP never
 * looks up MX), and for LMTP also "inet:host:port" and "unix:path"
 * (relative to queue_directory). Each destination's addresses are tried
 * in order (smtp_addr.h) until one server takes the transaction, at most
 * smtp_mx_session_limit connections per destination.
 *
 * After a transaction the connection is kept for the next request to the
 * same destination (nexthop, port and TLS level) for
 * smtp_connection_cache_time_limit seconds of idleness, at most
 * smtp_connection_reuse_time_limit seconds in all and
 * smtp_connection_reuse_count_limit uses, when
 * smtp_connection_cache_on_demand is on or the destination is listed in
 * smtp_connection_cache_destinations. An event timer closes idle ones
 * with QUIT. A cached connection that fails before MAIL FROM is answered
 * is dropped and the delivery retried on a fresh one.
 *
 * Every recipient is reported once (deliver_sent/defer/bounce) with
 * relay=host[addr]:port and the server's reply, as Postfix logs it;
 * recipients reported during a transaction also get ", conn_use=N" when
 * the connection came from the cache (its Nth use, N >= 2, as Postfix)
 * and, over TLS, ", tls=PROTOCOL/CIPHER" after the reason (a postern
 * addition: the delivery line itself tells how the mail travelled).
 *
 * Loop detection (SMTP to port 25 only, as in Postfix): MX hosts named
 * myhostname, and MX or host addresses that are this machine's
 * inet_interfaces or proxy_interfaces addresses (smtp_var.own_names).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "events.h"
#include "iostuff.h"
#include "mail_conf.h"
#include "mail_server.h"
#include "smtp.h"
#include "smtp_addr.h"

#define STR(x)	vstring_str(x)

/* The connection cache: a short list of idle sessions. */
typedef struct SMTP_CACHED {
	SMTP_SESSION *session;
	struct SMTP_CACHED *next;
} SMTP_CACHED;

static SMTP_CACHED *smtp_cache;

void
smtp_why_set(SMTP_WHY *why, const char *status, const char *relay,
	     const char *fmt, ...)
{
	va_list	ap;

	vstring_strcpy(why->status, status);
	vstring_strcpy(why->relay, relay ? relay : "none");
	VSTRING_RESET(why->reason);
	va_start(ap, fmt);
	vstring_vsprintf_append(why->reason, fmt, ap);
	va_end(ap);
	VSTRING_RESET(why->dtext);
	VSTRING_RESET(why->mname);
	why->dtype_smtp = 0;
}

void
smtp_report(SMTP_STATE *state, size_t i, const char *status,
	    const char *relay, const char *reason, const char *dtext,
	    const char *mname)
{
	DELIVER_REQUEST *req = state->req;
	RECIPIENT rcpt;
	DSN_INFO dsn;

	if (state->rcpt_done[i])
		msg_panic("smtp_report: recipient %s reported twice",
			  req->rcpt[i].address);
	state->rcpt_done[i] = 1;
	state->pending--;
	rcpt = req->rcpt[i];
	memset(&dsn, 0, sizeof(dsn));
	dsn.status = status;
	dsn.reason = reason;
	dsn.dtype = dtext && *dtext ? "smtp" : "";
	dsn.dtext = dtext ? dtext : "";
	dsn.mtype = mname && *mname ? "dns" : "";
	dsn.mname = mname ? mname : "";
	switch (status[0]) {
	case '2':
		if (smtp_lmtp) {
			dsn.action = "delivered";
		} else {
			dsn.action = "relayed";
			/* A DSN-capable server sends its own success notice. */
			if (state->server_dsn)
				rcpt.dsn_notify &= ~DSN_NOTIFY_SUCCESS;
		}
		state->status |= deliver_sent(req, &rcpt, relay, &dsn);
		break;
	case '5':
		dsn.action = "failed";
		state->status |= deliver_bounce(req, &rcpt, relay, &dsn);
		break;
	default:
		dsn.action = "delayed";
		state->status |= deliver_defer(req, &rcpt, relay, &dsn);
		break;
	}
}

void
smtp_report_all(SMTP_STATE *state, const SMTP_WHY *why)
{
	size_t	i;
	const char *status = STR(why->status);

	for (i = 0; i < state->req->rcpt_count; i++)
		if (!state->rcpt_done[i])
			smtp_report(state, i, status, STR(why->relay),
				    STR(why->reason), why->dtype_smtp ?
				    STR(why->dtext) : "", STR(why->mname));
}

/* Close a session, politely unless it is broken. */
static void
smtp_close(SMTP_SESSION *session)
{
	smtp_quit(session);
	smtp_session_free(session);
}

static void
smtp_cache_expire(int event, void *ctx)
{
	SMTP_SESSION *session = ctx;
	SMTP_CACHED **pp;
	SMTP_CACHED *cp;

	(void) event;
	for (pp = &smtp_cache; (cp = *pp) != NULL; pp = &cp->next) {
		if (cp->session == session) {
			*pp = cp->next;
			myfree(cp);
			smtp_close(session);
			return;
		}
	}
}

/* Take an idle session for key, or NULL. */
static SMTP_SESSION *
smtp_cache_take(const char *key)
{
	SMTP_CACHED **pp;
	SMTP_CACHED *cp;
	SMTP_SESSION *session;

	for (pp = &smtp_cache; (cp = *pp) != NULL; pp = &cp->next) {
		if (strcmp(cp->session->cache_key, key) == 0) {
			*pp = cp->next;
			session = cp->session;
			myfree(cp);
			event_cancel_timer(smtp_cache_expire, session);
			return (session);
		}
	}
	return (NULL);
}

/* Whether connections to this destination may be kept. */
static int
smtp_cache_wanted(const SMTP_DEST *dest)
{
	ARGV   *list;
	size_t	i;
	int	found = 0;

	if (smtp_var.cache_time_limit <= 0)
		return (0);
	if (smtp_var.cache_on_demand)
		return (1);
	if (*smtp_var.cache_destinations == 0)
		return (0);
	list = argv_split(smtp_var.cache_destinations, ", \t\r\n");
	for (i = 0; i < list->len && !found; i++)
		found = strcasecmp(list->argv[i], dest->text) == 0
			|| strcasecmp(list->argv[i], dest->host) == 0;
	argv_free(list);
	return (found);
}

/* After a transaction: keep the session for reuse, or close it. */
static void
smtp_session_done(SMTP_SESSION *session, const SMTP_DEST *dest)
{
	SMTP_CACHED *cp;

	if (session->broken || !smtp_cache_wanted(dest)
	    || (smtp_var.reuse_count_limit > 0
		&& session->reuse_count >= smtp_var.reuse_count_limit)
	    || time(NULL) - session->created >= smtp_var.reuse_time_limit) {
		smtp_close(session);
		return;
	}
	cp = mymalloc(sizeof(*cp));
	cp->session = session;
	cp->next = smtp_cache;
	smtp_cache = cp;
	event_request_timer(smtp_cache_expire, session,
			    smtp_var.cache_time_limit * 1000);
}

static void
smtp_cache_flush(void)
{
	SMTP_CACHED *cp;

	while ((cp = smtp_cache) != NULL) {
		smtp_cache = cp->next;
		event_cancel_timer(smtp_cache_expire, cp->session);
		smtp_close(cp->session);
		myfree(cp);
	}
}

/* Greeting, EHLO, STARTTLS and AUTH on a fresh connection. */
static int
smtp_session_start(SMTP_STATE *state, SMTP_SESSION *session,
		   const SMTP_TLS_POLICY *policy)
{
	int	ret;

	session->tls_level = policy->level;
	if (smtp_var.tls_wrappermode && session->tls_level > TLS_LEV_NONE) {
		if ((ret = smtp_tls_start(state, session, policy, 1)) != SMTP_OK)
			return (ret);
	}
	if ((ret = smtp_helo(state, session, 1)) != SMTP_OK)
		return (ret);
	state->greeted = 1;
	if (!smtp_var.tls_wrappermode && session->tls_level > TLS_LEV_NONE
	    && (ret = smtp_tls_start(state, session, policy, 0)) != SMTP_OK)
		return (ret);
	if (smtp_var.sasl_enable
	    && (ret = smtp_sasl_auth(state, session)) != SMTP_OK)
		return (ret);
	return (SMTP_OK);
}

/* Mark the connection setup time for delays=a/b/c/d. */
static void
smtp_conn_setup(SMTP_STATE *state)
{
	if (state->req->conn_setup == 0)
		state->req->conn_setup = monotonic_ms() / 1000.0 - state->start;
}

/*
 * The optional log fields of the session that now carries the
 * transaction: conn_use=N for a cached connection's Nth use, and
 * tls=PROTOCOL/CIPHER for a TLS session. NULL clears them.
 */
static void
smtp_log_session(SMTP_STATE *state, const SMTP_SESSION *session)
{
	DELIVER_REQUEST *req = state->req;

	vstring_strcpy(state->log_tls, "");
	req->conn_use = 0;
	req->log_tls = NULL;
	if (session == NULL)
		return;
	req->conn_use = session->reuse_count + 1;
	if (session->tls && session->tls->protocol && session->tls->cipher) {
		vstring_sprintf(state->log_tls, "%s/%s", session->tls->protocol,
				session->tls->cipher);
		req->log_tls = STR(state->log_tls);
	}
}

/* Deliver the pending recipients to one destination. */
static void
smtp_deliver_dest(SMTP_STATE *state, const char *text)
{
	SMTP_DEST dest;
	SMTP_TLS_POLICY policy;
	SMTP_ADDR_OPTS opts;
	SMTP_ADDR_DSN adsn;
	SMTP_ADDR *list = NULL;
	SMTP_ADDR *ap;
	SMTP_SESSION *session;
	VSTRING *why = vstring_alloc(100);
	VSTRING *key = vstring_alloc(100);
	int	sessions = 0;
	int	plain;
	int	ret;

	if (smtp_dest_parse(text, &dest, why) < 0) {
		smtp_why_set(&state->why, "4.3.5", NULL, "%s", STR(why));
		vstring_free(why);
		vstring_free(key);
		return;
	}
	smtp_tls_policy(dest.text, dest.host, dest.port, &policy);
	if (policy.level == TLS_LEV_INVALID) {
		smtp_why_set(&state->why, "4.7.5", NULL, "TLS policy lookup "
			     "for %s: invalid or unavailable policy", dest.text);
		goto done;
	}
	vstring_sprintf(key, "%s:%u:%d", dest.text, dest.port, policy.level);

	/* A cached connection first; a stale one is just dropped. */
	while (state->pending > 0
	       && (session = smtp_cache_take(STR(key))) != NULL) {
		session->reuse_count++;
		smtp_conn_setup(state);
		state->server_dsn = (session->features & SMTP_FEATURE_DSN) != 0;
		smtp_log_session(state, session);
		ret = smtp_xfer(state, session);
		smtp_log_session(state, NULL);
		if (ret == SMTP_RETRY) {
			msg_info("%s: reused connection to %s failed: %s",
				 state->req->queue_id, session->namaddr,
				 STR(state->why.reason));
			smtp_session_free(session);
			continue;
		}
		smtp_session_done(session, &dest);
		goto done;
	}

	/* Addresses to try. */
	if (dest.path == NULL) {
		memset(&opts, 0, sizeof(opts));
		opts.no_mx = dest.no_mx;
		opts.families = smtp_addr_families(smtp_var.inet_protocols);
		opts.preference = smtp_var.address_preference;
		opts.mx_address_limit = smtp_var.mx_address_limit;
		opts.host_lookup = smtp_var.host_lookup;
		/* Loop detection as Postfix does it: SMTP to port 25 only. */
		if (!smtp_lmtp && dest.port == 25)
			opts.own_names = smtp_var.own_names;
		adsn.status = vstring_alloc(10);
		adsn.reason = vstring_alloc(100);
		ret = smtp_addr_find(dest.host, dest.port, &opts, &list, &adsn);
		if (ret != SMTP_ADDR_OK) {
			smtp_why_set(&state->why, STR(adsn.status), NULL, "%s",
				     STR(adsn.reason));
			list = NULL;
		}
		vstring_free(adsn.status);
		vstring_free(adsn.reason);
		if (list == NULL)
			goto done;
	}
	ap = list;
	plain = 0;
	while (state->pending > 0 && sessions < smtp_var.mx_session_limit) {
		if (dest.path)
			session = smtp_connect_unix(dest.path, why);
		else if (ap == NULL)
			break;
		else
			session = smtp_connect_addr(ap->host, ap->addr, &ap->sa,
						    (unsigned) ap->salen, dest.port,
						    why);
		if (session == NULL) {
			/* Logged for every address, as Postfix does. */
			msg_info("%s", STR(why));
			smtp_why_set(&state->why, "4.4.1", NULL, "%s", STR(why));
			if (dest.path || (ap = ap->next) == NULL)
				break;
			continue;
		}
		sessions++;
		session->dest = mystrdup(dest.text);
		session->dest_host = mystrdup(dest.host);
		session->cache_key = mystrdup(STR(key));
		if (plain) {
			SMTP_TLS_POLICY none = policy;

			none.level = TLS_LEV_NONE;
			ret = smtp_session_start(state, session, &none);
		} else
			ret = smtp_session_start(state, session, &policy);
		if (ret == SMTP_PLAIN && !plain) {
			/* Opportunistic TLS failed: same server, plain text. */
			smtp_session_free(session);
			plain = 1;
			sessions--;
			continue;
		}
		plain = 0;
		if (ret == SMTP_OK) {
			smtp_conn_setup(state);
			state->server_dsn =
				(session->features & SMTP_FEATURE_DSN) != 0;
			smtp_log_session(state, session);
			ret = smtp_xfer(state, session);
			smtp_log_session(state, NULL);
		}
		if (ret == SMTP_RETRY || ret == SMTP_PLAIN) {
			if (!dest.path && ap->next != NULL
			    && sessions < smtp_var.mx_session_limit)
				msg_info("%s: %s", state->req->queue_id,
					 STR(state->why.reason));
			smtp_close(session);
			if (dest.path || (ap = ap->next) == NULL)
				break;
			continue;
		}
		smtp_session_done(session, &dest);
		break;
	}
done:
	if (list)
		smtp_addr_free(list);
	smtp_tls_policy_free(&policy);
	smtp_dest_free(&dest);
	vstring_free(why);
	vstring_free(key);
}

static void
smtp_service(VSTREAM *stream, const char *service, char **argv)
{
	DELIVER_REQUEST *req;
	SMTP_STATE state;
	ARGV   *dests;
	size_t	i;
	int	dead;

	(void) service;
	(void) argv;
	if ((req = deliver_request_read(stream)) == NULL)
		return;
	memset(&state, 0, sizeof(state));
	state.req = req;
	state.rcpt_done = mycalloc(req->rcpt_count ? req->rcpt_count : 1, 1);
	state.pending = req->rcpt_count;
	state.start = monotonic_ms() / 1000.0;
	state.why.status = vstring_alloc(10);
	state.why.reason = vstring_alloc(100);
	state.why.dtext = vstring_alloc(100);
	state.why.mname = vstring_alloc(100);
	state.why.relay = vstring_alloc(100);
	state.log_tls = vstring_alloc(60);
	smtp_why_set(&state.why, "4.3.0", NULL, "mail transport unavailable");

	dests = argv_split(req->nexthop, ", \t\r\n");
	if (*smtp_var.fallback_relay)
		argv_split_append(dests, smtp_var.fallback_relay, ", \t\r\n");
	for (i = 0; i < dests->len && state.pending > 0; i++)
		smtp_deliver_dest(&state, dests->argv[i]);
	argv_free(dests);

	dead = 0;
	if (state.pending > 0) {
		dead = !state.greeted && STR(state.why.status)[0] == '4';
		smtp_report_all(&state, &state.why);
	}
	(void) deliver_request_done(stream, req, state.status, dead);
	myfree(state.rcpt_done);
	vstring_free(state.why.status);
	vstring_free(state.why.reason);
	vstring_free(state.why.dtext);
	vstring_free(state.why.mname);
	vstring_free(state.why.relay);
	vstring_free(state.log_tls);
}

static void
smtp_pre_init(const char *service, char **argv)
{
	(void) service;
	(void) argv;
	smtp_params_init();
}

static void
smtp_exit(void)
{
	smtp_cache_flush();
}

void
smtp_client_main(int argc, char **argv, int lmtp)
{
	smtp_lmtp = lmtp;
	smtp_prefix = lmtp ? "lmtp" : "smtp";
	single_server_main(argc, argv, smtp_service,
			   MAIL_SERVER_PRE_INIT, smtp_pre_init,
			   MAIL_SERVER_EXIT, smtp_exit,
			   MAIL_SERVER_END);
}
