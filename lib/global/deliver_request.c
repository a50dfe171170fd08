/*
 * deliver_request - the delivery agent's side of the qmgr protocol, and
 * how an agent reports what happened to each recipient
 *
 * The protocol is described in deliver_request.h. Public functions:
 *
 *	deliver_request_read()	answer "ready", read and validate one request
 *				strictly, open its queue file read-write.
 *	deliver_request_done()	send the final status and free the request.
 *	deliver_sent()		log status=sent, mark the recipient DONE
 *				(+ trace log with NOTIFY=SUCCESS).
 *	deliver_defer()		log status=deferred, append to the defer log.
 *	deliver_bounce()	log status=bounced, append to the bounce log,
 *				mark the recipient DONE.
 *	deliver_delays()	"delay=D, delays=a/b/c/d" as Postfix logs it.
 *
 * The log line also carries ", conn_use=N" (req->conn_use >= 2) after the
 * relay and ", tls=PROTO/CIPHER" (req->log_tls) after the reason.
 *
 * Errors: a malformed request is logged as a warning and the caller gets
 * NULL; a queue file that cannot be opened is logged, answered with a
 * defer status and NULL. Failures to update the queue file or to reach the
 * bounce service turn the recipient's outcome into a deferral.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attr.h"
#include "msg.h"
#include "mymalloc.h"
#include "vstream.h"
#include "vstring.h"

#include "bounce_client.h"
#include "deliver_request.h"
#include "deliver_request_priv.h"
#include "mail_conf.h"
#include "mail_queue.h"
#include "qfile.h"
#include "queue_id.h"

#define DELIVER_RCPT_MAX	100000	/* recipients in one request */
#define DELIVER_MILLION		1000000L

static struct timeval deliver_fixed_now;
static int deliver_clock_fixed;
static DELIVER_APPEND_FN deliver_appender;

void
deliver_request_set_clock(const struct timeval *now)
{
	if (now != NULL) {
		deliver_fixed_now = *now;
		deliver_clock_fixed = 1;
	} else
		deliver_clock_fixed = 0;
}

void
deliver_request_set_appender(DELIVER_APPEND_FN fn)
{
	deliver_appender = fn;
}

static void
deliver_now(struct timeval *tv)
{
	if (deliver_clock_fixed)
		*tv = deliver_fixed_now;
	else
		(void) gettimeofday(tv, NULL);
}

/* The per-message log of service; the bounce_client call, or the hook. */
static int
deliver_append(const char *service, int flags, const char *queue_id,
	       const RECIPIENT *rcpt, const DSN_INFO *dsn)
{
	if (deliver_appender != NULL)
		return (deliver_appender(service, flags, queue_id, rcpt, dsn));
	if (strcmp(service, BOUNCE_SERVICE_BOUNCE) == 0)
		return (bounce_append(flags, queue_id, rcpt, dsn));
	if (strcmp(service, BOUNCE_SERVICE_DEFER) == 0)
		return (defer_append(flags, queue_id, rcpt, dsn));
	return (trace_append(flags, queue_id, rcpt, dsn));
}

int
deliver_request_parse_time(const char *text, struct timeval *tv)
{
	const char *cp = text;
	long    sec = 0;
	long    usec = 0;
	int     digits = 0;

	if (*cp < '0' || *cp > '9')
		return (-1);
	for (; *cp >= '0' && *cp <= '9'; cp++) {
		if (sec > 100000000000L)	/* year 5138: not a time stamp */
			return (-1);
		sec = sec * 10 + (*cp - '0');
	}
	if (*cp == '.') {
		for (cp++; *cp >= '0' && *cp <= '9'; cp++) {
			if (++digits > 6)
				return (-1);
			usec = usec * 10 + (*cp - '0');
		}
		if (digits == 0)
			return (-1);
		for (; digits < 6; digits++)
			usec *= 10;
	}
	if (*cp != 0)
		return (-1);
	tv->tv_sec = sec;
	tv->tv_usec = usec;
	return (0);
}

void
deliver_format_delay(VSTRING *out, long sec, long usec, int max_res)
{
	long long total = (long long) sec * DELIVER_MILLION + usec;
	long long unit;
	long long q;
	long long scale = 1;
	int     dec;
	int     i;
	char    frac[32];
	char   *end;

	if (total < 0)
		total = 0;
	if (max_res < 0)
		max_res = 0;
	if (max_res > 6)
		max_res = 6;
	/* Ten seconds and more: whole seconds, rounded. */
	if (total >= 10 * DELIVER_MILLION) {
		vstring_sprintf_append(out, "%lld",
				       (total + DELIVER_MILLION / 2) / DELIVER_MILLION);
		return;
	}
	/* Below: two significant digits, but never finer than max_res. */
	if (total >= DELIVER_MILLION) {
		dec = 1;
	} else {
		long long lim = DELIVER_MILLION / 10;

		for (dec = 2; dec < 7 && total < lim; dec++)
			lim /= 10;
	}
	if (dec > max_res)
		dec = max_res;
	for (unit = DELIVER_MILLION, i = 0; i < dec; i++) {
		unit /= 10;
		scale *= 10;
	}
	q = (total + unit / 2) / unit;
	if (q == 0 || dec == 0) {
		vstring_sprintf_append(out, "%lld", q);
		return;
	}
	(void) snprintf(frac, sizeof(frac), "%0*lld", dec, q % scale);
	end = frac + strlen(frac);
	while (end > frac && end[-1] == '0')
		*--end = 0;
	if (*frac)
		vstring_sprintf_append(out, "%lld.%s", q / scale, frac);
	else
		vstring_sprintf_append(out, "%lld", q / scale);
}

/* b - a in (sec, usec), never negative. */
static void
deliver_diff(const struct timeval *b, const struct timeval *a, long *sec,
	     long *usec)
{
	long long d = ((long long) b->tv_sec - a->tv_sec) * DELIVER_MILLION
	    + ((long long) b->tv_usec - a->tv_usec);

	if (d < 0)
		d = 0;
	*sec = (long) (d / DELIVER_MILLION);
	*usec = (long) (d % DELIVER_MILLION);
}

const char *
deliver_delays(VSTRING *out, const DELIVER_REQUEST *req)
{
	struct timeval now;
	struct timeval setup_done;
	long    sec;
	long    usec;
	long long c_usec;
	int     res = (int) mail_conf_int("delay_logging_resolution_limit");

	deliver_now(&now);
	c_usec = (long long) (req->conn_setup * DELIVER_MILLION + 0.5);
	if (c_usec < 0)
		c_usec = 0;
	setup_done.tv_sec = req->dispatch_time.tv_sec
	    + (time_t) ((req->dispatch_time.tv_usec + c_usec) / DELIVER_MILLION);
	setup_done.tv_usec = (suseconds_t) ((req->dispatch_time.tv_usec + c_usec)
					    % DELIVER_MILLION);

	VSTRING_RESET(out);
	vstring_strcat(out, "delay=");
	deliver_diff(&now, &req->arrival_time, &sec, &usec);
	deliver_format_delay(out, sec, usec, res);
	vstring_strcat(out, ", delays=");
	deliver_diff(&req->active_time, &req->arrival_time, &sec, &usec);
	deliver_format_delay(out, sec, usec, res);
	vstring_strcat(out, "/");
	deliver_diff(&req->dispatch_time, &req->active_time, &sec, &usec);
	deliver_format_delay(out, sec, usec, res);
	vstring_strcat(out, "/");
	deliver_format_delay(out, (long) (c_usec / DELIVER_MILLION),
			     (long) (c_usec % DELIVER_MILLION), res);
	vstring_strcat(out, "/");
	deliver_diff(&now, &setup_done, &sec, &usec);
	deliver_format_delay(out, sec, usec, res);
	return (vstring_str(out));
}

/* The one log line per recipient event. */
static void
deliver_log(DELIVER_REQUEST *req, const RECIPIENT *rcpt, const char *relay,
	    const char *status, const char *dsn_status, const char *reason)
{
	VSTRING *delays = vstring_alloc(100);
	VSTRING *orig = vstring_alloc(100);
	VSTRING *conn_use = vstring_alloc(20);
	VSTRING *tls = vstring_alloc(60);

	if (rcpt->orig_addr[0] && strcasecmp(rcpt->orig_addr, rcpt->address) != 0)
		vstring_sprintf(orig, "orig_to=<%s>, ", rcpt->orig_addr);
	if (req->conn_use >= 2)
		vstring_sprintf(conn_use, ", conn_use=%d", req->conn_use);
	if (req->log_tls && *req->log_tls)
		vstring_sprintf(tls, ", tls=%s", req->log_tls);
	msg_info("%s: to=<%s>, %srelay=%s%s, %s, dsn=%s, status=%s (%s)%s",
		 req->queue_id, rcpt->address, vstring_str(orig),
		 relay && *relay ? relay : "none", vstring_str(conn_use),
		 deliver_delays(delays, req), dsn_status, status, reason,
		 vstring_str(tls));
	vstring_free(delays);
	vstring_free(orig);
	vstring_free(conn_use);
	vstring_free(tls);
}

/* A DSN status code "d.d.d" with the class digit replaced. */
static const char *
deliver_dsn_class(VSTRING *buf, const char *status, int class)
{
	if (status && (status[0] == '2' || status[0] == '4' || status[0] == '5')
	    && status[1] == '.')
		vstring_sprintf(buf, "%c%s", class, status + 1);
	else
		vstring_sprintf(buf, "%c.0.0", class);
	return (vstring_str(buf));
}

int
deliver_defer(DELIVER_REQUEST *req, const RECIPIENT *rcpt,
	      const char *relay, const DSN_INFO *dsn)
{
	VSTRING *status = vstring_alloc(16);
	DSN_INFO my_dsn = *dsn;

	my_dsn.status = deliver_dsn_class(status, dsn->status, '4');
	if (my_dsn.action == NULL || *my_dsn.action == 0)
		my_dsn.action = "delayed";
	if (deliver_append(BOUNCE_SERVICE_DEFER, BOUNCE_FLAG_NONE, req->queue_id,
			   rcpt, &my_dsn) != 0)
		msg_warn("%s: cannot append to the defer log of %s",
			 req->queue_id, rcpt->address);
	deliver_log(req, rcpt, relay, "deferred", my_dsn.status, my_dsn.reason);
	vstring_free(status);
	return (DEL_STAT_DEFER);
}

/* Mark the recipient DONE; on failure defer it. */
static int
deliver_mark(DELIVER_REQUEST *req, const RECIPIENT *rcpt, const char *relay)
{
	int     err;
	DSN_INFO tmp;

	/* A derived recipient (one destination of an alias) has no record. */
	if (rcpt->offset < 0)
		return (DEL_STAT_OK);
	if ((err = qfile_mark_done(req->fd, (off_t) rcpt->offset)) == 0)
		return (DEL_STAT_OK);
	msg_warn("%s: cannot mark recipient %s done at offset %ld: %s%s%s",
		 req->queue_id, rcpt->address, rcpt->offset,
		 qfile_strerror(err), err == QFILE_ERR_IO ? ": " : "",
		 err == QFILE_ERR_IO ? strerror(errno) : "");
	memset(&tmp, 0, sizeof(tmp));
	tmp.status = "4.3.0";
	tmp.action = "delayed";
	tmp.reason = "error updating the queue file";
	tmp.dtype = tmp.dtext = tmp.mtype = tmp.mname = "";
	return (deliver_defer(req, rcpt, relay, &tmp));
}

int
deliver_sent(DELIVER_REQUEST *req, const RECIPIENT *rcpt,
	     const char *relay, const DSN_INFO *dsn)
{
	DSN_INFO my_dsn = *dsn;
	DSN_INFO tmp;

	if (my_dsn.action == NULL || *my_dsn.action == 0)
		my_dsn.action = "delivered";
	if ((rcpt->dsn_notify & DSN_NOTIFY_SUCCESS)
	    || (req->flags & DEL_REQ_FLAG_VERBOSE)) {
		if (deliver_append(BOUNCE_SERVICE_TRACE, BOUNCE_FLAG_NONE,
				   req->queue_id, rcpt, &my_dsn) != 0) {
			memset(&tmp, 0, sizeof(tmp));
			tmp.status = "4.3.0";
			tmp.action = "delayed";
			tmp.reason = "bounce or trace service failure";
			tmp.dtype = tmp.dtext = tmp.mtype = tmp.mname = "";
			return (deliver_defer(req, rcpt, relay, &tmp));
		}
	}
	if (deliver_mark(req, rcpt, relay) != DEL_STAT_OK)
		return (DEL_STAT_DEFER);
	deliver_log(req, rcpt, relay, "sent", my_dsn.status, my_dsn.reason);
	return (DEL_STAT_OK);
}

int
deliver_bounce(DELIVER_REQUEST *req, const RECIPIENT *rcpt,
	       const char *relay, const DSN_INFO *dsn)
{
	VSTRING *status = vstring_alloc(16);
	DSN_INFO my_dsn = *dsn;
	DSN_INFO tmp;
	int     ret;

	if (mail_conf_bool("soft_bounce")) {
		ret = deliver_defer(req, rcpt, relay, dsn);
		vstring_free(status);
		return (ret);
	}
	my_dsn.status = deliver_dsn_class(status, dsn->status, '5');
	if (my_dsn.action == NULL || *my_dsn.action == 0)
		my_dsn.action = "failed";
	/* NOTIFY without FAILURE: no report is wanted, the log line stays. */
	if ((rcpt->dsn_notify == 0 || (rcpt->dsn_notify & DSN_NOTIFY_FAILURE))
	    && deliver_append(BOUNCE_SERVICE_BOUNCE, BOUNCE_FLAG_NONE,
			      req->queue_id, rcpt, &my_dsn) != 0) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.status = "4.3.0";
		tmp.action = "delayed";
		tmp.reason = "bounce or trace service failure";
		tmp.dtype = tmp.dtext = tmp.mtype = tmp.mname = "";
		vstring_free(status);
		return (deliver_defer(req, rcpt, relay, &tmp));
	}
	if ((ret = deliver_mark(req, rcpt, relay)) == DEL_STAT_OK)
		deliver_log(req, rcpt, relay, "bounced", my_dsn.status,
			    my_dsn.reason);
	vstring_free(status);
	return (ret);
}

/* The message queues a delivery request may name (not the log queues). */
static int
deliver_queue_name_ok(const char *name)
{
	return (mail_queue_name_ok(name)
		&& strcmp(name, MAIL_QUEUE_BOUNCE) != 0
		&& strcmp(name, MAIL_QUEUE_DEFER) != 0
		&& strcmp(name, MAIL_QUEUE_TRACE) != 0
		&& strcmp(name, MAIL_QUEUE_FLUSH) != 0);
}

void
deliver_request_free(DELIVER_REQUEST *req)
{
	size_t  i;

	if (req->fd >= 0)
		(void) close(req->fd);
	myfree(req->queue_name);
	myfree(req->queue_id);
	myfree(req->nexthop);
	myfree(req->encoding);
	myfree(req->sender);
	myfree(req->dsn_envid);
	myfree(req->client_name);
	myfree(req->client_addr);
	myfree(req->client_port);
	myfree(req->client_helo);
	myfree(req->client_proto);
	myfree(req->sasl_method);
	myfree(req->sasl_username);
	myfree(req->rewrite_context);
	for (i = 0; i < req->rcpt_count; i++) {
		myfree(req->rcpt[i].orig_addr);
		myfree(req->rcpt[i].address);
		myfree(req->rcpt[i].dsn_orcpt);
	}
	if (req->rcpt)
		myfree(req->rcpt);
	myfree(req);
}

#define STR(x)	vstring_str(x)

/* Read the recipients; 0 or -1 (logged). */
static int
deliver_read_rcpts(VSTREAM *stream, DELIVER_REQUEST *req, int count)
{
	VSTRING *orig = vstring_alloc(100);
	VSTRING *addr = vstring_alloc(100);
	VSTRING *orcpt = vstring_alloc(100);
	long    offset;
	int     notify;
	int     i;
	int     ret = 0;

	req->rcpt = mymalloc_array((size_t) count, sizeof(*req->rcpt));
	for (i = 0; i < count; i++) {
		if (attr_scan0(stream, ATTR_FLAG_MISSING | ATTR_FLAG_MORE,
			       RECV_ATTR_STR("orig_rcpt", orig),
			       RECV_ATTR_STR("rcpt", addr),
			       RECV_ATTR_LONG("rcpt_offset", &offset),
			       RECV_ATTR_STR("dsn_orcpt", orcpt),
			       RECV_ATTR_INT("dsn_notify", &notify),
			       ATTR_TYPE_END) != 5) {
			msg_warn("%s: malformed recipient %d of a delivery request",
				 req->queue_id, i + 1);
			ret = -1;
			break;
		}
		if (offset <= 0 || *STR(addr) == 0
		    || notify < 0 || notify > 15
		    || ((notify & DSN_NOTIFY_NEVER) && notify != DSN_NOTIFY_NEVER)) {
			msg_warn("%s: bad recipient %d in a delivery request: "
				 "offset %ld, notify %d", req->queue_id, i + 1,
				 offset, notify);
			ret = -1;
			break;
		}
		req->rcpt[i].orig_addr = mystrdup(STR(orig));
		req->rcpt[i].address = mystrdup(STR(addr));
		req->rcpt[i].offset = offset;
		req->rcpt[i].dsn_orcpt = mystrdup(STR(orcpt));
		req->rcpt[i].dsn_notify = notify;
		req->rcpt_count = (size_t) i + 1;
	}
	vstring_free(orig);
	vstring_free(addr);
	vstring_free(orcpt);
	return (ret);
}

DELIVER_REQUEST *
deliver_request_read(VSTREAM *stream)
{
	VSTRING *s[20];
	DELIVER_REQUEST *req;
	int     flags;
	long    offset;
	long    size;
	int     smtputf8;
	int     dsn_ret;
	int     rcpt_count;
	int     n;
	int     i;
	const char *why = NULL;

	if (attr_print0(stream, ATTR_FLAG_FLUSH, SEND_ATTR_INT("status", 0),
			ATTR_TYPE_END) != 0) {
		msg_warn("delivery request: cannot send the ready status");
		return (NULL);
	}
	for (i = 0; i < 20; i++)
		s[i] = vstring_alloc(100);
	n = attr_scan0(stream, ATTR_FLAG_MISSING | ATTR_FLAG_MORE,
		       RECV_ATTR_INT("flags", &flags),
		       RECV_ATTR_STR("queue_name", s[0]),
		       RECV_ATTR_STR("queue_id", s[1]),
		       RECV_ATTR_LONG("offset", &offset),
		       RECV_ATTR_LONG("data_size", &size),
		       RECV_ATTR_STR("nexthop", s[2]),
		       RECV_ATTR_STR("encoding", s[3]),
		       RECV_ATTR_INT("smtputf8", &smtputf8),
		       RECV_ATTR_STR("sender", s[4]),
		       RECV_ATTR_STR("dsn_envid", s[5]),
		       RECV_ATTR_INT("dsn_ret", &dsn_ret),
		       RECV_ATTR_STR("arrival_time", s[6]),
		       RECV_ATTR_STR("active_time", s[7]),
		       RECV_ATTR_STR("dispatch_time", s[8]),
		       RECV_ATTR_STR("log_client_name", s[9]),
		       RECV_ATTR_STR("log_client_address", s[10]),
		       RECV_ATTR_STR("log_client_port", s[11]),
		       RECV_ATTR_STR("log_helo_name", s[12]),
		       RECV_ATTR_STR("log_protocol", s[13]),
		       RECV_ATTR_STR("sasl_method", s[14]),
		       RECV_ATTR_STR("sasl_username", s[15]),
		       RECV_ATTR_STR("rewrite_context", s[16]),
		       RECV_ATTR_INT("rcpt_count", &rcpt_count),
		       ATTR_TYPE_END);
	if (n != 23) {
		if (!vstream_feof(stream) || n >= 0)
			msg_warn("malformed delivery request");
		else
			msg_warn("delivery request: premature end of input");
		for (i = 0; i < 20; i++)
			vstring_free(s[i]);
		return (NULL);
	}
	req = mycalloc(1, sizeof(*req));
	req->fd = -1;
	req->flags = flags;
	req->queue_name = mystrdup(STR(s[0]));
	req->queue_id = mystrdup(STR(s[1]));
	req->data_offset = offset;
	req->data_size = size;
	req->nexthop = mystrdup(STR(s[2]));
	req->encoding = mystrdup(STR(s[3]));
	req->smtputf8 = smtputf8;
	req->sender = mystrdup(STR(s[4]));
	req->dsn_envid = mystrdup(STR(s[5]));
	req->dsn_ret = dsn_ret;
	req->client_name = mystrdup(STR(s[9]));
	req->client_addr = mystrdup(STR(s[10]));
	req->client_port = mystrdup(STR(s[11]));
	req->client_helo = mystrdup(STR(s[12]));
	req->client_proto = mystrdup(STR(s[13]));
	req->sasl_method = mystrdup(STR(s[14]));
	req->sasl_username = mystrdup(STR(s[15]));
	req->rewrite_context = mystrdup(STR(s[16]));

	if (!queue_id_ok(req->queue_id))
		why = "bad queue ID";
	else if (!deliver_queue_name_ok(req->queue_name))
		why = "bad queue name";
	else if (flags < 0 || (flags & ~(DEL_REQ_FLAG_SUCCESS
					 | DEL_REQ_FLAG_VERBOSE
					 | DEL_REQ_FLAG_EXPIRED)))
		why = "bad flags";
	else if (offset <= 0 || size < 0)
		why = "bad content offset or size";
	else if (strcmp(req->encoding, "") && strcmp(req->encoding, "7bit")
		 && strcmp(req->encoding, "8bit"))
		why = "bad encoding";
	else if (smtputf8 < 0 || smtputf8 > 1)
		why = "bad smtputf8";
	else if (dsn_ret < DSN_RET_NONE || dsn_ret > DSN_RET_HDRS)
		why = "bad dsn_ret";
	else if (deliver_request_parse_time(STR(s[6]), &req->arrival_time) < 0
	    || deliver_request_parse_time(STR(s[7]), &req->active_time) < 0
	  || deliver_request_parse_time(STR(s[8]), &req->dispatch_time) < 0)
		why = "bad time stamp";
	else if (rcpt_count < 1 || rcpt_count > DELIVER_RCPT_MAX)
		why = "bad recipient count";
	for (i = 0; i < 20; i++)
		vstring_free(s[i]);
	if (why != NULL) {
		msg_warn("malformed delivery request: %s", why);
		deliver_request_free(req);
		return (NULL);
	}
	if (deliver_read_rcpts(stream, req, rcpt_count) < 0
	    || attr_scan0(stream, ATTR_FLAG_MISSING, ATTR_TYPE_END) != 0) {
		if (req->rcpt_count == (size_t) rcpt_count)
			msg_warn("%s: malformed delivery request: no end marker",
				 req->queue_id);
		deliver_request_free(req);
		return (NULL);
	}
	if ((req->fd = mail_queue_open(req->queue_name, req->queue_id,
				       O_RDWR | O_NOFOLLOW, 0)) < 0) {
		msg_warn("%s: cannot open queue file %s/%s: %s", req->queue_id,
			 req->queue_name, req->queue_id, strerror(errno));
		(void) deliver_request_done(stream, req, DEL_STAT_DEFER, 0);
		return (NULL);
	}
	return (req);
}

int
deliver_request_done(VSTREAM *stream, DELIVER_REQUEST *req, int status,
		     int dead)
{
	int     ret;

	ret = attr_print0(stream, ATTR_FLAG_FLUSH,
			  SEND_ATTR_INT("status", status),
			  SEND_ATTR_INT("dead", dead ? 1 : 0),
			  ATTR_TYPE_END);
	if (ret != 0)
		msg_warn("%s: cannot send the delivery status",
			 req ? req->queue_id : "delivery request");
	if (req != NULL)
		deliver_request_free(req);
	return (ret);
}
