/*
 * resolve_client - rewrite and resolve addresses through trivial-rewrite(8)
 *
 * The protocol and the API are documented in resolve_client.h.
 *
 *	rewrite_client()	one rewrite request (rule local|remote)
 *	resolve_client_init()	allocate a RESOLVE_REPLY's strings
 *	resolve_client()	one resolve request
 *	resolve_client_free()	release a RESOLVE_REPLY's strings
 *
 * One connection to private/$rewrite_service_name is kept open for the
 * life of the process. A request that fails on an old connection (the
 * server exited after max_idle or max_use, or master reloaded) is retried
 * once on a fresh connection; when that fails too the caller gets -1 and a warning
 * is logged, and the caller defers. Every request has a deadline of
 * ipc_timeout seconds in total.
 *
 * Cache: the last RC_CACHE_SIZE answers are kept, keyed by the request
 * and its arguments, for ipc_idle seconds (a queue manager resolves the
 * same few recipients over and over). The cache is emptied whenever a
 * new connection is made, since a new server may have a new
 * configuration.
 */
#include <string.h>
#include <time.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstream.h"
#include "vstring.h"
#include "attr.h"
#include "mail_conf.h"
#include "mail_connect.h"
#include "resolve_client.h"

#define RC_CLASS	"private"
#define RC_SERVICE	mail_conf_str("rewrite_service_name")
#define RC_CACHE_SIZE	8

typedef struct {
	VSTRING *key;			/* request NUL arg NUL addr */
	time_t	expires;		/* 0: empty slot */
	int	flags;
	VSTRING *transport;		/* resolve; rewrite: the address */
	VSTRING *nexthop;
	VSTRING *recipient;
} RC_CACHE;

static VSTREAM *rc_stream;		/* the kept connection */
static RC_CACHE rc_cache[RC_CACHE_SIZE];
static int rc_cache_next;		/* round-robin replacement */
static VSTRING *rc_key;

/* Forget every cached answer. */
static void
rc_cache_flush(void)
{
	int     i;

	for (i = 0; i < RC_CACHE_SIZE; i++)
		rc_cache[i].expires = 0;
}

/* Build the cache key for one request in rc_key. */
static void
rc_cache_key(const char *req, const char *arg, const char *addr)
{
	if (rc_key == NULL)
		rc_key = vstring_alloc(100);
	vstring_strcpy(rc_key, req);
	vstring_addch(rc_key, '\0');
	vstring_strcat(rc_key, arg);
	vstring_addch(rc_key, '\0');
	vstring_strcat(rc_key, addr);
}

/* A live cache entry for rc_key, or NULL. */
static RC_CACHE *
rc_cache_find(void)
{
	time_t  now = time((time_t *) 0);
	int     i;

	for (i = 0; i < RC_CACHE_SIZE; i++) {
		RC_CACHE *cp = rc_cache + i;

		if (cp->expires > now && vstring_len(cp->key) == vstring_len(rc_key)
		    && memcmp(vstring_str(cp->key), vstring_str(rc_key),
			      vstring_len(rc_key)) == 0)
			return (cp);
	}
	return (NULL);
}

/* A slot to store the answer for rc_key in. */
static RC_CACHE *
rc_cache_slot(void)
{
	RC_CACHE *cp = rc_cache + rc_cache_next;
	long    ttl = mail_conf_time("ipc_idle");

	rc_cache_next = (rc_cache_next + 1) % RC_CACHE_SIZE;
	if (cp->key == NULL) {
		cp->key = vstring_alloc(100);
		cp->transport = vstring_alloc(20);
		cp->nexthop = vstring_alloc(20);
		cp->recipient = vstring_alloc(20);
	}
	vstring_memcpy(cp->key, vstring_str(rc_key), vstring_len(rc_key));
	cp->expires = time((time_t *) 0) + (ttl > 0 ? ttl : 1);
	return (cp);
}

/* Drop the connection. */
static void
rc_disconnect(void)
{
	if (rc_stream != NULL) {
		(void) vstream_close(rc_stream);
		rc_stream = NULL;
	}
}

/* Make sure a connection exists; 0 or -1 (warning logged). */
static int
rc_connect(void)
{
	VSTRING *why;
	long    timeout;

	if (rc_stream != NULL)
		return (0);
	timeout = mail_conf_time("ipc_timeout");
	if (timeout <= 0 || timeout > 3600)
		timeout = 3600;
	why = vstring_alloc(100);
	rc_stream = mail_connect(RC_CLASS, RC_SERVICE, (int) timeout, why);
	if (rc_stream == NULL) {
		msg_warn("connect to %s/%s service: %s", RC_CLASS, RC_SERVICE,
			 vstring_str(why));
		vstring_free(why);
		return (-1);
	}
	vstring_free(why);
	vstream_set_timeout(rc_stream, (int) timeout);
	vstream_set_deadline(rc_stream, 1);
	rc_cache_flush();
	return (0);
}

/*
 * Send one request and read its reply; on failure reconnect once and try
 * again. "send" and "recv" are the attribute lists, passed through a
 * callback so that the same retry logic serves both requests.
 */
typedef int (*RC_XCHG_FN)(VSTREAM *fp, void *ctx);

static int
rc_exchange(RC_XCHG_FN xchg, void *ctx, const char *what)
{
	int     attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		int     had_stream = (rc_stream != NULL);

		if (rc_connect() != 0)
			return (-1);
		vstream_request_begin(rc_stream);
		if (xchg(rc_stream, ctx) == 0) {
			vstream_request_end(rc_stream);
			return (0);
		}
		vstream_request_end(rc_stream);
		rc_disconnect();
		/* A fresh connection that fails is not retried. */
		if (!had_stream)
			break;
	}
	msg_warn("problem talking to service %s/%s (%s request)",
		 RC_CLASS, RC_SERVICE, what);
	return (-1);
}

struct rewrite_ctx {
	const char *rule;
	const char *addr;
	int	flags;
	VSTRING *out;
};

static int
rc_rewrite_xchg(VSTREAM *fp, void *vctx)
{
	struct rewrite_ctx *ctx = vctx;

	if (attr_print(fp, ATTR_FLAG_FLUSH,
		       SEND_ATTR_STR("request", "rewrite"),
		       SEND_ATTR_STR("rule", ctx->rule),
		       SEND_ATTR_STR("address", ctx->addr),
		       ATTR_TYPE_END) != 0)
		return (-1);
	if (attr_scan(fp, ATTR_FLAG_STRICT,
		      RECV_ATTR_INT("flags", &ctx->flags),
		      RECV_ATTR_STR("address", ctx->out),
		      ATTR_TYPE_END) != 2)
		return (-1);
	return (0);
}

int
rewrite_client(const char *rule, const char *addr, VSTRING *out)
{
	struct rewrite_ctx ctx;
	RC_CACHE *cp;

	rc_cache_key("rewrite", rule, addr);
	if ((cp = rc_cache_find()) != NULL) {
		vstring_strcpy(out, vstring_str(cp->recipient));
		return (0);
	}
	ctx.rule = rule;
	ctx.addr = addr;
	ctx.flags = 0;
	ctx.out = out;
	if (rc_exchange(rc_rewrite_xchg, &ctx, "rewrite") != 0)
		return (-1);
	cp = rc_cache_slot();
	cp->flags = ctx.flags;
	vstring_strcpy(cp->recipient, vstring_str(out));
	return (0);
}

void
resolve_client_init(RESOLVE_REPLY *reply)
{
	reply->flags = 0;
	reply->transport = vstring_alloc(20);
	reply->nexthop = vstring_alloc(100);
	reply->recipient = vstring_alloc(100);
}

void
resolve_client_free(RESOLVE_REPLY *reply)
{
	vstring_free(reply->transport);
	vstring_free(reply->nexthop);
	vstring_free(reply->recipient);
	reply->transport = reply->nexthop = reply->recipient = NULL;
}

struct resolve_ctx {
	const char *sender;
	const char *addr;
	RESOLVE_REPLY *reply;
};

static int
rc_resolve_xchg(VSTREAM *fp, void *vctx)
{
	struct resolve_ctx *ctx = vctx;
	RESOLVE_REPLY *reply = ctx->reply;

	if (attr_print(fp, ATTR_FLAG_FLUSH,
		       SEND_ATTR_STR("request", "resolve"),
		       SEND_ATTR_STR("sender", ctx->sender),
		       SEND_ATTR_STR("address", ctx->addr),
		       ATTR_TYPE_END) != 0)
		return (-1);
	if (attr_scan(fp, ATTR_FLAG_STRICT,
		      RECV_ATTR_INT("flags", &reply->flags),
		      RECV_ATTR_STR("transport", reply->transport),
		      RECV_ATTR_STR("nexthop", reply->nexthop),
		      RECV_ATTR_STR("recipient", reply->recipient),
		      ATTR_TYPE_END) != 4)
		return (-1);
	return (0);
}

int
resolve_client(const char *sender, const char *addr, RESOLVE_REPLY *reply)
{
	struct resolve_ctx ctx;
	RC_CACHE *cp;

	if (sender == NULL)
		sender = "";
	rc_cache_key("resolve", sender, addr);
	if ((cp = rc_cache_find()) != NULL) {
		reply->flags = cp->flags;
		vstring_strcpy(reply->transport, vstring_str(cp->transport));
		vstring_strcpy(reply->nexthop, vstring_str(cp->nexthop));
		vstring_strcpy(reply->recipient, vstring_str(cp->recipient));
		return (0);
	}
	ctx.sender = sender;
	ctx.addr = addr;
	ctx.reply = reply;
	if (rc_exchange(rc_resolve_xchg, &ctx, "resolve") != 0)
		return (-1);
	/* A lookup error is temporary: never remember it. */
	if (reply->flags & RESOLVE_FLAG_FAIL)
		return (0);
	cp = rc_cache_slot();
	cp->flags = reply->flags;
	vstring_strcpy(cp->transport, vstring_str(reply->transport));
	vstring_strcpy(cp->nexthop, vstring_str(reply->nexthop));
	vstring_strcpy(cp->recipient, vstring_str(reply->recipient));
	return (0);
}
