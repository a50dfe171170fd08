/*
 * local - final delivery to local recipients (local(8))
 *
 * Serves the delivery requests of qmgr on private/local (the master.cf
 * service "local unix - n n - - local": unprivileged "n", so it keeps
 * root and takes the rights of each recipient per delivery). The
 * protocol is deliver_request.h's: "status" 0 from us, the request
 * (flags, queue_name, queue_id, offset, data_size, nexthop, encoding,
 * smtputf8, sender, dsn_envid, dsn_ret, times, client and SASL
 * attributes, rcpt_count and per recipient orig_rcpt, rcpt,
 * rcpt_offset, dsn_orcpt, dsn_notify), then our "status" and "dead".
 *
 * Per recipient, in Postfix's order of precedence: Delivered-To: loop
 * detection; alias_maps (the full localpart, then without its
 * recipient_delimiter extension); the user's .forward (forward_path);
 * mailbox_command; the mailbox (home_mailbox, else
 * mail_spool_directory); luser_relay for users that do not exist; else
 * a 5.1.1 bounce. Alias and .forward values hold addresses (local ones
 * are delivered here, recursively; others are forwarded through
 * cleanup), |commands, /files and :include: files; owner- aliases
 * become the envelope sender of their alias's expansion. Duplicate
 * destinations are delivered once; an alias found in its own
 * expansion, or a user in their own .forward, gets the mailbox.
 *
 * Results: every destination's outcome is collected first. When none
 * was deferred, each is reported with deliver_sent()/deliver_bounce()
 * (which mark the recipient done). When one was deferred, the deferred
 * and bounced ones are deferred and the delivered ones only logged, so
 * the whole recipient is tried again later (a destination may then get
 * a second copy, as with Postfix; never none).
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "argv.h"
#include "htable.h"
#include "msg.h"
#include "mymalloc.h"
#include "priv.h"
#include "stringops.h"
#include "vstream.h"
#include "vstring.h"
#include "mac_expand.h"
#include "mail_conf.h"
#include "mail_server.h"
#include "match_list.h"
#include "qfile.h"
#include "rec_type.h"
#include "deliver_request.h"
#include "local.h"

#define LOCAL_MAX_LEVEL		100	/* alias/.forward nesting */

uid_t	local_default_uid;
gid_t	local_default_gid;

static MATCH_LIST *local_mydest;

static void local_deliver_addr(LOCAL_CTX *ctx);

const char *
local_myorigin(void)
{
	return (mail_conf_str("myorigin"));
}

void
local_result(LOCAL_CTX *ctx, int kind, const char *status,
	     const char *fmt, ...)
{
	LOCAL_RCPT *rs = ctx->rs;
	LOCAL_RESULT *r;
	VSTRING *text = vstring_alloc(100);
	va_list ap;

	va_start(ap, fmt);
	vstring_vsprintf_append(text, fmt, ap);
	va_end(ap);
	if (rs->res_count == rs->res_size) {
		rs->res_size = rs->res_size ? 2 * rs->res_size : 4;
		rs->res = myrealloc(rs->res, rs->res_size * sizeof(*rs->res));
	}
	r = &rs->res[rs->res_count++];
	r->addr = mystrdup(ctx->addr);
	r->kind = kind;
	r->status = mystrdup(status);
	r->reason = vstring_export(text);
}

int
local_dup(LOCAL_CTX *ctx, const char *kind, const char *what)
{
	LOCAL_RCPT *rs = ctx->rs;
	VSTRING *key = vstring_alloc(100);
	int	fresh = 1;

	vstring_sprintf(key, "%s:%s", kind, what);
	if (htable_find(rs->dups, vstring_str(key)) != NULL)
		fresh = 0;
	else if (rs->dups->used < (size_t) mail_conf_int("duplicate_filter_limit"))
		htable_enter(rs->dups, vstring_str(key), (void *) "");
	vstring_free(key);
	return (fresh);
}

/* ---- $name expansion of forward_path and luser_relay ---------------- */

typedef struct LOCAL_EXP {
	LOCAL_CTX *ctx;
	const char *filter;
	VSTRING *buf;
} LOCAL_EXP;

static const char *
local_exp_lookup(const char *name, int mode, void *context, VSTRING *why)
{
	LOCAL_EXP *exp = context;
	LOCAL_CTX *ctx = exp->ctx;
	const char *val = NULL;

	(void) mode;
	(void) why;
	if (strcmp(name, "user") == 0)
		val = ctx->user;
	else if (strcmp(name, "home") == 0)
		val = ctx->home;
	else if (strcmp(name, "shell") == 0)
		val = ctx->shell;
	else if (strcmp(name, "recipient") == 0)
		val = ctx->addr;
	else if (strcmp(name, "extension") == 0)
		val = *ctx->extension ? ctx->extension : NULL;
	else if (strcmp(name, "domain") == 0)
		val = *ctx->domain ? ctx->domain : NULL;
	else if (strcmp(name, "local") == 0)
		val = ctx->local;
	else if (strcmp(name, "recipient_delimiter") == 0)
		val = *mail_conf_str("recipient_delimiter") ?
		    mail_conf_str("recipient_delimiter") : NULL;
	else
		return (mail_conf_lookup(name));
	if (val == NULL || exp->filter == NULL)
		return (val);
	vstring_strcpy(exp->buf, val);
	return (local_filter(vstring_str(exp->buf), exp->filter));
}

/* Expand a raw parameter for ctx; NULL (logged) on a syntax error. */
static const char *
local_expand(LOCAL_CTX *ctx, const char *pname, const char *filter,
	     VSTRING *out)
{
	LOCAL_EXP exp = {ctx, filter, vstring_alloc(100)};
	VSTRING *why = vstring_alloc(100);
	int	ret;

	VSTRING_RESET(out);
	ret = mac_expand(out, mail_conf_str(pname), MAC_EXP_FLAG_NONE,
			 local_exp_lookup, &exp, why);
	vstring_free(exp.buf);
	if (ret & MAC_EXP_ERROR) {
		msg_warn("%s: %s", pname, vstring_str(why));
		vstring_free(why);
		return (NULL);
	}
	vstring_free(why);
	return (vstring_str(out));
}

/* ---- destinations -------------------------------------------------------- */

static int
local_class_allowed(int class, const char *pname)
{
	const char *name = class == LOCAL_CLASS_ALIAS ? "alias" :
	    class == LOCAL_CLASS_FORWARD ? "forward" :
	    class == LOCAL_CLASS_INCLUDE ? "include" : NULL;

	return (name == NULL || local_list_has(mail_conf_str(pname), name));
}

/* Is the domain ours (mydestination)? -1 on a lookup error. */
static int
local_domain_is_local(const char *domain)
{
	int	ret;

	if (*domain == 0)
		return (1);
	ret = match_list_match(local_mydest, domain, NULL);
	if (ret == MATCH_ERROR) {
		msg_warn("%s", match_list_error(local_mydest));
		return (-1);
	}
	return (ret == MATCH_YES);
}

static void local_deliver_tokens(LOCAL_CTX *ctx, const char *value);

static void
local_include(LOCAL_CTX *ctx, const char *path)
{
	VSTRING *data;
	VSTRING *why;
	struct stat st;
	LOCAL_CTX child;
	int	ret;

	if (local_dup(ctx, "include", path) == 0)
		return;
	if (*path != '/') {
		local_result(ctx, LOCAL_BOUNCE, "5.3.5",
			     ":include: path is not absolute: %s", path);
		return;
	}
	data = vstring_alloc(1000);
	why = vstring_alloc(100);
	ret = local_read_file(path, ctx->uid, ctx->gid, data, &st, why);
	if (ret < 0) {
		local_result(ctx, LOCAL_DEFER, "4.3.0",
			     "cannot open include file %s: %s", path,
			     vstring_str(why));
	} else if (ret == 0) {
		local_result(ctx, LOCAL_BOUNCE, "5.3.0",
			     "cannot open include file %s: No such file or directory",
			     path);
	} else {
		child = *ctx;
		child.class = LOCAL_CLASS_INCLUDE;
		if (st.st_uid != 0) {
			child.uid = st.st_uid;
			child.gid = st.st_gid;
		}
		local_deliver_tokens(&child, vstring_str(data));
	}
	vstring_free(data);
	vstring_free(why);
}

/* An address from an alias, .forward, :include: or luser_relay. */
static void
local_token_address(LOCAL_CTX *ctx, const char *text)
{
	VSTRING *addr = vstring_alloc(100);
	LOCAL_CTX child;
	const char *at;
	char   *key;
	int	mailbox_only = 0;
	int	is_local;

	if (*text == '\\') {
		mailbox_only = 1;
		text++;
	}
	if (*text == 0) {
		vstring_free(addr);
		return;
	}
	vstring_strcpy(addr, text);
	if ((at = strrchr(text, '@')) == NULL)
		vstring_sprintf_append(addr, "@%s", local_myorigin());
	at = strrchr(vstring_str(addr), '@');
	is_local = local_domain_is_local(at + 1);
	key = lowercase(mystrdup(vstring_str(addr)));
	if (is_local < 0) {
		child = *ctx;
		child.addr = vstring_str(addr);
		local_result(&child, LOCAL_DEFER, "4.3.0",
			     "mydestination lookup failure");
	} else if (is_local) {
		if (local_dup(ctx, "address", key)) {
			VSTRING *chain_a = vstring_alloc(100);
			VSTRING *chain_f = vstring_alloc(100);

			child = *ctx;
			child.level = ctx->level + 1;
			child.addr = vstring_str(addr);
			child.class = LOCAL_CLASS_NONE;
			child.uid = local_default_uid;
			child.gid = local_default_gid;
			child.have_user = 0;
			child.user = child.home = child.shell = NULL;
			if (mailbox_only) {
				/* \user: the mailbox, past aliases and .forward. */
				char   *user = mystrndup(key, at - vstring_str(addr));

				vstring_sprintf(chain_a, "%s%s,", ctx->alias_chain, user);
				vstring_sprintf(chain_f, "%s%s,", ctx->forward_chain, user);
				child.alias_chain = vstring_str(chain_a);
				child.forward_chain = vstring_str(chain_f);
				myfree(user);
			}
			local_deliver_addr(&child);
			vstring_free(chain_a);
			vstring_free(chain_f);
		}
	} else if (local_dup(ctx, "forward", key)) {
		argv_add(ctx->rs->fwd_addr, vstring_str(addr));
		argv_add(ctx->rs->fwd_sender, ctx->sender);
	}
	myfree(key);
	vstring_free(addr);
}

static void
local_deliver_tokens(LOCAL_CTX *ctx, const char *value)
{
	ARGV   *toks = argv_alloc(4);
	size_t	i;

	local_token_split(toks, value);
	for (i = 0; i < toks->len; i++) {
		const char *tok = toks->argv[i];
		const char *text = LOCAL_TOK_TEXT(tok);

		switch (LOCAL_TOK_KIND(tok)) {
		case LOCAL_TOK_COMMAND:
			if (!local_class_allowed(ctx->class, "allow_mail_to_commands"))
				local_result(ctx, LOCAL_BOUNCE, "5.7.1",
					     "mail to command is restricted");
			else
				local_command(ctx, text, ctx->uid, ctx->gid,
					      "command");
			break;
		case LOCAL_TOK_FILE:
			if (!local_class_allowed(ctx->class, "allow_mail_to_files"))
				local_result(ctx, LOCAL_BOUNCE, "5.7.1",
					     "mail to file is restricted");
			else
				local_file(ctx, text);
			break;
		case LOCAL_TOK_INCLUDE:
			local_include(ctx, text);
			break;
		default:
			local_token_address(ctx, text);
			break;
		}
	}
	argv_free(toks);
}

/* ---- one address --------------------------------------------------------- */

/* Find an alias for the name (with, then without extension). */
static int
local_try_alias(LOCAL_CTX *ctx, const char *local_lc, const char *user_lc)
{
	VSTRING *value = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	VSTRING *owner_val = vstring_alloc(100);
	VSTRING *owner = vstring_alloc(100);
	VSTRING *chain = vstring_alloc(100);
	const char *names[2];
	const char *name = NULL;
	LOCAL_CTX child;
	uid_t	uid;
	gid_t	gid;
	uid_t	ouid;
	gid_t	ogid;
	int	ret = LOCAL_ALIAS_NONE;
	int	i;

	names[0] = local_lc;
	names[1] = strcmp(local_lc, user_lc) ? user_lc : NULL;
	for (i = 0; i < 2 && names[i]; i++) {
		vstring_sprintf(chain, ",%s,", names[i]);
		if (strstr(ctx->alias_chain, vstring_str(chain)))
			continue;		/* in its own expansion */
		ret = local_alias_lookup(names[i], value, &uid, &gid, why);
		if (ret != LOCAL_ALIAS_NONE) {
			name = names[i];
			break;
		}
	}
	if (ret == LOCAL_ALIAS_ERROR) {
		local_result(ctx, LOCAL_DEFER, "4.3.0", "%s", vstring_str(why));
	} else if (ret == LOCAL_ALIAS_FOUND) {
		child = *ctx;
		child.class = LOCAL_CLASS_ALIAS;
		child.uid = uid;
		child.gid = gid;
		child.user = name;
		child.home = child.shell = NULL;
		child.have_user = 0;
		vstring_sprintf(chain, "%s%s,", ctx->alias_chain, name);
		child.alias_chain = vstring_str(chain);
		/* owner-NAME receives the errors of NAME's expansion. */
		if (strncmp(name, "owner-", 6) != 0) {
			vstring_sprintf(owner, "owner-%s", name);
			if (local_alias_lookup(vstring_str(owner), owner_val, &ouid,
					       &ogid, why) == LOCAL_ALIAS_FOUND) {
				vstring_sprintf_append(owner, "@%s", local_myorigin());
				child.sender = vstring_str(owner);
			}
		}
		local_deliver_tokens(&child, vstring_str(value));
	}
	vstring_free(value);
	vstring_free(why);
	vstring_free(owner_val);
	vstring_free(owner);
	vstring_free(chain);
	return (ret);
}

/* Deliver through the first .forward file found: 1 done, 0 none. */
static int
local_try_forward(LOCAL_CTX *ctx, uid_t uid, gid_t gid)
{
	VSTRING *paths = vstring_alloc(100);
	VSTRING *data = vstring_alloc(100);
	VSTRING *why = vstring_alloc(100);
	VSTRING *chain = vstring_alloc(100);
	ARGV   *list;
	struct stat st;
	LOCAL_CTX child;
	int	done = 0;
	size_t	i;

	vstring_sprintf(chain, ",%s,", ctx->user);
	if (strstr(ctx->forward_chain, vstring_str(chain)))
		goto out;			/* in their own .forward */
	if (local_expand(ctx, "forward_path",
			 mail_conf_str("forward_expansion_filter"), paths) == NULL) {
		local_result(ctx, LOCAL_DEFER, "4.3.5",
			     "forward_path configuration error");
		done = 1;
		goto out;
	}
	list = argv_split(vstring_str(paths), CHARS_COMMA_SP);
	for (i = 0; i < list->len && !done; i++) {
		int	ret = local_read_file(list->argv[i], uid, gid, data, &st, why);

		if (ret == 0)
			continue;
		done = 1;
		if (ret < 0) {
			local_result(ctx, LOCAL_DEFER, "4.3.0", "%s", vstring_str(why));
			break;
		}
		{
			ARGV   *toks = argv_alloc(4);

			local_token_split(toks, vstring_str(data));
			if (toks->len == 0)
				done = 0;	/* empty: no forwarding */
			argv_free(toks);
		}
		if (!done)
			break;
		child = *ctx;
		child.class = LOCAL_CLASS_FORWARD;
		vstring_sprintf(chain, "%s%s,", ctx->forward_chain, ctx->user);
		child.forward_chain = vstring_str(chain);
		local_deliver_tokens(&child, vstring_str(data));
	}
	argv_free(list);
out:
	vstring_free(paths);
	vstring_free(data);
	vstring_free(why);
	vstring_free(chain);
	return (done);
}

static void
local_deliver_addr(LOCAL_CTX *ctx)
{
	LOCAL_MSG *msg = ctx->rs->msg;
	const char *delims = mail_conf_str("recipient_delimiter");
	char   *local;
	char   *user;
	char   *ext = NULL;
	char   *at;
	VSTRING *buf = vstring_alloc(100);
	struct passwd *pw;
	LOCAL_CTX me = *ctx;
	uid_t	uid;
	gid_t	gid;

	if (ctx->level > LOCAL_MAX_LEVEL
	    || local_delivered_seen(vstring_str(msg->content), msg->hdr_len,
				    ctx->addr)) {
		local_result(ctx, LOCAL_BOUNCE, "5.4.6",
			     "mail forwarding loop for %s", ctx->addr);
		vstring_free(buf);
		return;
	}
	local = mystrdup(ctx->addr);
	if ((at = strrchr(local, '@')) != NULL)
		*at++ = 0;
	me.domain = at ? at : "";
	me.local = local;
	lowercase(local);
	user = mystrdup(local);
	if (*delims && user[0]) {
		size_t	n = strcspn(user + 1, delims) + 1;

		if (user[n] && !(mail_conf_bool("owner_request_special")
				 && strchr(delims, '-') != NULL
				 && (strncmp(user, "owner-", 6) == 0
				     || (strlen(user) > 8 && strcmp(user + strlen(user)
								    - 8, "-request") == 0)))) {
			ext = mystrdup(user + n + 1);
			user[n] = 0;
		}
	}
	me.extension = ext ? ext : "";
	me.user = user;

	if (local_try_alias(&me, local, user) != LOCAL_ALIAS_NONE)
		goto out;

	if ((pw = getpwnam(user)) == NULL) {
		const char *relay = mail_conf_str("luser_relay");

		if (*relay && local_expand(&me, "luser_relay", NULL, buf) != NULL
		    && vstring_len(buf) > 0) {
			char   *copy = mystrdup(vstring_str(buf));

			local_token_address(&me, copy);
			myfree(copy);
		} else {
			local_result(&me, LOCAL_BOUNCE, "5.1.1",
				     "unknown user: \"%s\"", user);
		}
		goto out;
	}
	me.have_user = 1;
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	/* Never as root: root's destinations run as default_privs. */
	if (uid == 0) {
		uid = local_default_uid;
		gid = local_default_gid;
	}
	me.uid = uid;
	me.gid = gid;
	me.home = mystrdup(pw->pw_dir);
	me.shell = mystrdup(pw->pw_shell);

	if (!local_try_forward(&me, uid, gid)) {
		const char *cmd = mail_conf_str("mailbox_command");

		me.class = LOCAL_CLASS_NONE;
		if (*cmd) {
			/* Not $name-expanded, as in Postfix: shell syntax. */
			if (local_dup(&me, "mailbox", user))
				local_command(&me, cmd, uid, gid, "command");
		} else {
			local_mailbox(&me, uid, gid);
		}
	}
	myfree((char *) me.home);
	myfree((char *) me.shell);
out:
	vstring_free(buf);
	myfree(local);
	myfree(user);
	if (ext)
		myfree(ext);
}

/* ---- reporting ----------------------------------------------------------- */

static const char *
local_action(const LOCAL_RESULT *r)
{
	if (r->kind == LOCAL_SENT)
		return (strncmp(r->reason, "forwarded as ", 13) == 0 ?
			"relayed" : "delivered");
	return (r->kind == LOCAL_DEFER ? "delayed" : "failed");
}

static int
local_report(LOCAL_RCPT *rs)
{
	DELIVER_REQUEST *req = rs->msg->req;
	const char *relay = mail_server_service();
	int	any_defer = 0;
	int	status = 0;
	size_t	i;

	for (i = 0; i < rs->res_count; i++) {
		if ((req->flags & DEL_REQ_FLAG_EXPIRED)
		    && rs->res[i].kind == LOCAL_DEFER) {
			rs->res[i].kind = LOCAL_BOUNCE;
			rs->res[i].status[0] = '5';
		}
		if (rs->res[i].kind == LOCAL_DEFER)
			any_defer = 1;
	}
	for (i = 0; i < rs->res_count; i++) {
		LOCAL_RESULT *r = &rs->res[i];
		RECIPIENT leaf = *rs->rcpt;
		DSN_INFO dsn = {r->status, local_action(r), r->reason,
		"", "", "", ""};

		if (strcmp(r->addr, rs->rcpt->address) != 0) {
			leaf.address = r->addr;
			leaf.orig_addr = (char *) rs->orig;
		}
		if (!any_defer && r->kind == LOCAL_SENT) {
			status |= deliver_sent(req, &leaf, relay, &dsn);
		} else if (!any_defer && r->kind == LOCAL_BOUNCE) {
			status |= deliver_bounce(req, &leaf, relay, &dsn);
		} else if (r->kind == LOCAL_SENT) {
			/* Logged only: the recipient stays to be retried. */
			VSTRING *delays = vstring_alloc(100);

			msg_info("%s: to=<%s>, orig_to=<%s>, relay=%s, %s, dsn=%s, "
				 "status=sent (%s)", req->queue_id, r->addr,
				 rs->orig, relay, deliver_delays(delays, req),
				 r->status, r->reason);
			vstring_free(delays);
		} else {
			if (r->kind == LOCAL_BOUNCE) {
				dsn.status = "4.3.0";
				dsn.action = "delayed";
			}
			status |= deliver_defer(req, &leaf, relay, &dsn);
		}
	}
	if (rs->res_count == 0) {
		DSN_INFO dsn = {"2.0.0", "delivered", "delivered to nothing: "
		"every destination was a duplicate", "", "", "", ""};

		status |= deliver_sent(req, rs->rcpt, relay, &dsn);
	}
	return (status);
}

/* ---- one request --------------------------------------------------------- */

/* The message content, lines joined with '\n'; -1 on a queue file error. */
static int
local_read_content(LOCAL_MSG *msg, VSTRING *why)
{
	DELIVER_REQUEST *req = msg->req;
	VSTRING *line = vstring_alloc(1000);
	QFILE  *qf;
	int	type;
	int	ret = 0;

	qf = qfile_open(req->fd, QFILE_READ, 0);
	if (qfile_seek(qf, req->data_offset, REC_SEC_CONTENT) < 0) {
		vstring_sprintf(why, "queue file seek error: %s", strerror(errno));
		ret = -1;
	} else {
		for (;;) {
			type = qfile_read_line(qf, line, 0);
			if (type == REC_TYPE_NORMAL) {
				vstring_memcat(msg->content, vstring_str(line),
					       vstring_len(line));
				vstring_addch(msg->content, '\n');
			} else if (type == REC_TYPE_XTRA) {
				break;
			} else {
				vstring_sprintf(why, "error reading queue file: %s",
						type < 0 ? qfile_reason(qf) :
						"unexpected record");
				ret = -1;
				break;
			}
		}
	}
	(void) qfile_close(qf);
	vstring_free(line);
	msg->hdr_len = local_header_len(vstring_str(msg->content),
					vstring_len(msg->content));
	return (ret);
}

static int
local_deliver_request(DELIVER_REQUEST *req)
{
	LOCAL_MSG msg;
	VSTRING *why = vstring_alloc(100);
	int	status = 0;
	size_t	i;
	size_t	j;

	memset(&msg, 0, sizeof(msg));
	msg.req = req;
	msg.content = vstring_alloc(req->data_size > 0 ?
				    (size_t) req->data_size + 100 : 1000);
	if (local_read_content(&msg, why) < 0) {
		DSN_INFO dsn = {"4.3.0", "delayed", vstring_str(why),
		"", "", "", ""};

		msg_warn("%s: %s", req->queue_id, vstring_str(why));
		for (i = 0; i < req->rcpt_count; i++)
			status |= deliver_defer(req, &req->rcpt[i],
						mail_server_service(), &dsn);
		goto out;
	}
	for (i = 0; i < req->rcpt_count; i++) {
		LOCAL_RCPT rs;
		LOCAL_CTX ctx;

		memset(&rs, 0, sizeof(rs));
		rs.msg = &msg;
		rs.rcpt = &req->rcpt[i];
		rs.orig = *rs.rcpt->orig_addr ? rs.rcpt->orig_addr :
		    rs.rcpt->address;
		rs.delivered = rs.rcpt->address;
		rs.dups = htable_create(10);
		rs.fwd_addr = argv_alloc(4);
		rs.fwd_sender = argv_alloc(4);

		memset(&ctx, 0, sizeof(ctx));
		ctx.rs = &rs;
		ctx.addr = rs.rcpt->address;
		ctx.sender = req->sender;
		ctx.class = LOCAL_CLASS_NONE;
		ctx.uid = local_default_uid;
		ctx.gid = local_default_gid;
		ctx.extension = ctx.local = ctx.domain = "";
		ctx.alias_chain = ",";
		ctx.forward_chain = ",";
		local_deliver_addr(&ctx);
		local_forward_flush(&rs);
		status |= local_report(&rs);

		for (j = 0; j < rs.res_count; j++) {
			myfree(rs.res[j].addr);
			myfree(rs.res[j].status);
			myfree(rs.res[j].reason);
		}
		if (rs.res)
			myfree(rs.res);
		htable_free(rs.dups, NULL);
		argv_free(rs.fwd_addr);
		argv_free(rs.fwd_sender);
	}
out:
	vstring_free(msg.content);
	vstring_free(why);
	return (status);
}

static void
local_service(VSTREAM *stream, const char *service, char **argv)
{
	DELIVER_REQUEST *req;
	int	status;

	(void) service;
	(void) argv;
	if ((req = deliver_request_read(stream)) == NULL)
		return;
	status = local_deliver_request(req);
	(void) deliver_request_done(stream, req, status, 0);
}

static void
local_pre_init(const char *service, char **argv)
{
	VSTRING *why = vstring_alloc(100);
	const char *privs = mail_conf_str("default_privs");

	(void) service;
	(void) argv;
	if (getuid() == 0) {
		if (get_unpriv_user_ids(privs, "default_privs", &local_default_uid,
					&local_default_gid, why) < 0)
			msg_fatal("%s", vstring_str(why));
	} else {
		local_default_uid = getuid();
		local_default_gid = getgid();
		msg_info("running as uid %ld, not root: every delivery runs "
			 "with these privileges", (long) getuid());
	}
	local_mydest = match_list_create("mydestination", MATCH_LIST_DOMAIN,
					 mail_conf_str("mydestination"),
			  match_list_parent_flag("mydestination",
			       mail_conf_str("parent_domain_matches_subdomains")),
					 why);
	if (local_mydest == NULL)
		msg_fatal("%s", vstring_str(why));
	local_alias_init();
	vstring_free(why);
}

int
main(int argc, char **argv)
{
	single_server_main(argc, argv, local_service,
			   MAIL_SERVER_PRE_INIT, local_pre_init,
			   MAIL_SERVER_PRIVILEGED,
			   MAIL_SERVER_END);
	return (0);
}
