/*
 * maildrop - the maildrop file format and its validator
 *
 * The format and the rules are in maildrop.h. postdrop(1) runs the
 * validator on what sendmail(1) sends before a byte reaches the disk;
 * pickup(8) runs it again on the file, because anyone in setgid_group
 * could have written it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "log_output.h"
#include "mail_conf.h"
#include "postlog_client.h"
#include "rec_type.h"
#include "maildrop.h"

/* Envelope records that may appear once (bits in "seen"). */
#define SEEN_UID	(1 << 0)
#define SEEN_SENDER	(1 << 1)
#define SEEN_CONTEXT	(1 << 2)
#define SEEN_FULLNAME	(1 << 3)
#define SEEN_ENCODING	(1 << 4)
#define SEEN_EXTRACT	(1 << 5)
#define SEEN_ENVID	(1 << 6)
#define SEEN_RET	(1 << 7)
#define SEEN_TIME	(1 << 8)

/* Per-recipient records waiting for their RCPT or DONE (requeue mode). */
#define PEND_ORCPT	(1 << 0)
#define PEND_DSN_ORCPT	(1 << 1)
#define PEND_DSN_NOTIFY	(1 << 2)

struct MAILDROP_CHECK {
	int	mode;			/* MAILDROP_SUBMIT or MAILDROP_FILE */
	int	section;		/* REC_SEC_* */
	int	refused;		/* a rule was broken */
	int	seen;			/* SEEN_* */
	int	notify_pending;		/* DSN_NOTIFY waits for its RCPT */
	int	rcpt_pending;		/* PEND_*, requeue mode */
	int	fragment_open;		/* a FRAGMENT waits for its line end */
	long	rec_count;
	long	uid;
	int	flags;			/* MAILDROP_FLAG_* */
	long	rcpt_count;
	VSTRING *sender;
};

MAILDROP_CHECK *
maildrop_check_alloc(int mode)
{
	MAILDROP_CHECK *mc = mymalloc(sizeof(*mc));

	if (mode != MAILDROP_SUBMIT && mode != MAILDROP_FILE
	    && mode != MAILDROP_REQUEUE)
		msg_panic("maildrop_check_alloc: bad mode %d", mode);
	memset(mc, 0, sizeof(*mc));
	mc->mode = mode;
	mc->section = REC_SEC_ENVELOPE;
	mc->uid = -1;
	mc->sender = vstring_alloc(64);
	return (mc);
}

void
maildrop_check_free(MAILDROP_CHECK *mc)
{
	vstring_free(mc->sender);
	myfree(mc);
}

long
maildrop_check_uid(const MAILDROP_CHECK *mc)
{
	return (mc->uid);
}

const char *
maildrop_check_sender(const MAILDROP_CHECK *mc)
{
	return (vstring_str(mc->sender));
}

int
maildrop_check_flags(const MAILDROP_CHECK *mc)
{
	return (mc->flags);
}

long
maildrop_check_rcpt_count(const MAILDROP_CHECK *mc)
{
	return (mc->rcpt_count);
}

/* Refuse: remember it and say why. */
static int __attribute__((format(printf, 3, 4)))
refuse(MAILDROP_CHECK *mc, VSTRING *why, const char *fmt,...)
{
	va_list ap;

	mc->refused = 1;
	VSTRING_RESET(why);
	va_start(ap, fmt);
	vstring_vsprintf_append(why, fmt, ap);
	va_end(ap);
	return (-1);
}

/* 1 when text has no control characters (and no NUL). */
static int
text_ok(const char *data, size_t len)
{
	size_t  i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) data[i];

		if (ch < 0x20 || ch == 0x7f)
			return (0);
	}
	return (1);
}

/* 1 when every byte of data is one of chars. */
static int
only(const char *data, size_t len, const char *chars)
{
	size_t  i;

	for (i = 0; i < len; i++)
		if (data[i] == 0 || strchr(chars, data[i]) == NULL)
			return (0);
	return (1);
}

/* 1 when data is exactly the string s. */
static int
is(const char *data, size_t len, const char *s)
{
	return (len == strlen(s) && memcmp(data, s, len) == 0);
}

/* NEVER, or a comma list of SUCCESS, FAILURE, DELAY, each at most once. */
static int
notify_ok(const char *data, size_t len)
{
	const char *words[] = {"SUCCESS", "FAILURE", "DELAY"};
	int     seen = 0;
	size_t  start = 0;
	size_t  end;
	size_t  i;

	if (is(data, len, "NEVER"))
		return (1);
	if (len == 0)
		return (0);
	while (start <= len) {
		for (end = start; end < len && data[end] != ','; end++)
			 /* void */ ;
		for (i = 0; i < 3; i++)
			if (is(data + start, end - start, words[i]))
				break;
		if (i == 3 || (seen & (1 << i)))
			return (0);
		seen |= 1 << i;
		start = end + 1;
	}
	return (1);
}

/* An ATTR record of the envelope. */
static int
check_attr(MAILDROP_CHECK *mc, const char *data, size_t len, VSTRING *why)
{
	const char *eq = memchr(data, '=', len);
	const char *val;
	size_t  nlen;
	size_t  vlen;
	int     bit;

	if (eq == NULL || eq == data)
		return (refuse(mc, why, "malformed attribute record%s", ""));
	nlen = (size_t) (eq - data);
	val = eq + 1;
	vlen = len - nlen - 1;

	if (is(data, nlen, MAILDROP_ATTR_UID)) {
		char    digits[24];

		if (mc->mode != MAILDROP_FILE || mc->rec_count != 1)
			return (refuse(mc, why, "unexpected %s attribute",
				       MAILDROP_ATTR_UID));
		if (vlen == 0 || vlen >= sizeof(digits))
			return (refuse(mc, why, "bad %s attribute",
				       MAILDROP_ATTR_UID));
		memcpy(digits, val, vlen);
		digits[vlen] = 0;
		if (strspn(digits, "0123456789") != vlen
		    || (vlen > 1 && digits[0] == '0') || vlen > 10)
			return (refuse(mc, why, "bad %s attribute",
				       MAILDROP_ATTR_UID));
		mc->uid = strtol(digits, (char **) 0, 10);
		bit = SEEN_UID;
	} else if (is(data, nlen, MAILDROP_ATTR_CONTEXT)) {
		if (!is(val, vlen, "local"))
			return (refuse(mc, why, "bad %s attribute",
				       MAILDROP_ATTR_CONTEXT));
		bit = SEEN_CONTEXT;
	} else if (is(data, nlen, MAILDROP_ATTR_FULLNAME)) {
		if (!text_ok(val, vlen))
			return (refuse(mc, why, "bad %s attribute",
				       MAILDROP_ATTR_FULLNAME));
		bit = SEEN_FULLNAME;
	} else if (is(data, nlen, MAILDROP_ATTR_ENCODING)) {
		if (!is(val, vlen, "7bit") && !is(val, vlen, "8bit"))
			return (refuse(mc, why, "bad %s attribute",
				       MAILDROP_ATTR_ENCODING));
		bit = SEEN_ENCODING;
	} else if (is(data, nlen, MAILDROP_ATTR_EXTRACT)) {
		if (!is(val, vlen, "yes"))
			return (refuse(mc, why, "bad %s attribute",
				       MAILDROP_ATTR_EXTRACT));
		mc->flags |= MAILDROP_FLAG_EXTRACT;
		bit = SEEN_EXTRACT;
	} else {
		VSTRING *name = vstring_alloc(32);

		vstring_memcpy(name, data, nlen > 100 ? 100 : nlen);
		(void) refuse(mc, why, "attribute not allowed: %s",
			      vstring_str(name));
		vstring_free(name);
		return (-1);
	}
	if (mc->seen & bit)
		return (refuse(mc, why, "duplicate attribute record%s", ""));
	mc->seen |= bit;
	return (0);
}

static int
check_envelope(MAILDROP_CHECK *mc, int type, const char *data, size_t len,
	       VSTRING *why)
{
	if (len > MAILDROP_ENV_MAX && type != REC_TYPE_MESSAGE)
		return (refuse(mc, why, "oversized %s record", rec_type_name(type)));
	if (mc->mode == MAILDROP_FILE && mc->rec_count == 1
	    && !(type == REC_TYPE_ATTR && len > strlen(MAILDROP_ATTR_UID)
		 && memcmp(data, MAILDROP_ATTR_UID "=",
			   strlen(MAILDROP_ATTR_UID) + 1) == 0))
		return (refuse(mc, why, "no %s attribute at the start",
			       MAILDROP_ATTR_UID));
	switch (type) {
	case REC_TYPE_SENDER:
		if (mc->seen & SEEN_SENDER)
			return (refuse(mc, why, "duplicate sender record%s", ""));
		if (!text_ok(data, len))
			return (refuse(mc, why, "bad sender record%s", ""));
		mc->seen |= SEEN_SENDER;
		vstring_memcpy(mc->sender, data, len);
		return (0);
	case REC_TYPE_ATTR:
		return (check_attr(mc, data, len, why));
	case REC_TYPE_DSN_ENVID:
		if (mc->seen & SEEN_ENVID)
			return (refuse(mc, why, "duplicate dsn_envid record%s", ""));
		if (len == 0 || len > MAILDROP_ENVID_MAX || !text_ok(data, len))
			return (refuse(mc, why, "bad dsn_envid record%s", ""));
		mc->seen |= SEEN_ENVID;
		return (0);
	case REC_TYPE_DSN_RET:
		if (mc->seen & SEEN_RET)
			return (refuse(mc, why, "duplicate dsn_ret record%s", ""));
		if (!is(data, len, "FULL") && !is(data, len, "HDRS"))
			return (refuse(mc, why, "bad dsn_ret record%s", ""));
		mc->seen |= SEEN_RET;
		return (0);
	case REC_TYPE_DSN_NOTIFY:
		if (mc->notify_pending)
			return (refuse(mc, why, "duplicate dsn_notify record%s", ""));
		if (!notify_ok(data, len))
			return (refuse(mc, why, "bad dsn_notify record%s", ""));
		mc->notify_pending = 1;
		return (0);
	case REC_TYPE_RCPT:
		if (len == 0 || !text_ok(data, len))
			return (refuse(mc, why, "bad recipient record%s", ""));
		mc->notify_pending = 0;
		mc->rcpt_count++;
		return (0);
	case REC_TYPE_MESSAGE:
		if (!(mc->seen & SEEN_SENDER))
			return (refuse(mc, why, "no sender record%s", ""));
		if (mc->notify_pending)
			return (refuse(mc, why, "dsn_notify without recipient%s", ""));
		if (mc->rcpt_count == 0 && !(mc->flags & MAILDROP_FLAG_EXTRACT))
			return (refuse(mc, why, "no recipients%s", ""));
		if (len != 0)
			return (refuse(mc, why, "bad message_content record%s", ""));
		mc->section = REC_SEC_CONTENT;
		return (0);
	default:
		return (refuse(mc, why, "%s record not allowed in the envelope",
			       rec_type_name(type)));
	}
}

/* A record of a recipient group, in requeue mode. */
static int
check_requeue_rcpt(MAILDROP_CHECK *mc, int type, const char *data,
		   size_t len, VSTRING *why)
{
	int     bit;

	if (memchr(data, 0, len) != NULL)
		return (refuse(mc, why, "NUL byte in %s record",
			       rec_type_name(type)));
	switch (type) {
	case REC_TYPE_ORCPT:
		bit = PEND_ORCPT;
		break;
	case REC_TYPE_DSN_ORCPT:
		bit = PEND_DSN_ORCPT;
		break;
	case REC_TYPE_DSN_NOTIFY:
		bit = PEND_DSN_NOTIFY;
		break;
	case REC_TYPE_RCPT:
	case REC_TYPE_DONE:
		if (len == 0)
			return (refuse(mc, why, "empty %s record",
				       rec_type_name(type)));
		if (type == REC_TYPE_RCPT)
			mc->rcpt_count++;
		mc->rcpt_pending = 0;
		return (0);
	case REC_TYPE_ATTR:
		if (len == 0 || data[0] == '=' || memchr(data, '=', len) == NULL)
			return (refuse(mc, why, "malformed attribute record%s", ""));
		return (0);
	default:
		return (refuse(mc, why, "%s record not allowed in the %s",
			       rec_type_name(type),
			       rec_type_section_name(mc->section)));
	}
	if (mc->rcpt_pending & bit)
		return (refuse(mc, why, "duplicate %s record for one recipient",
			       rec_type_name(type)));
	mc->rcpt_pending |= bit;
	return (0);
}

/* The envelope of a requeued queue file (cleanup's format). */
static int
check_requeue_envelope(MAILDROP_CHECK *mc, int type, const char *data,
		       size_t len, VSTRING *why)
{
	if (mc->rec_count == 1 && type != REC_TYPE_SIZE)
		return (refuse(mc, why, "no size record at the start%s", ""));
	switch (type) {
	case REC_TYPE_SIZE:
		if (mc->rec_count != 1)
			return (refuse(mc, why, "misplaced size record%s", ""));
		if (len != REC_SIZE_LEN || !only(data, len, " 0123456789"))
			return (refuse(mc, why, "bad size record%s", ""));
		return (0);
	case REC_TYPE_TIME:
		if (mc->seen & SEEN_TIME)
			return (refuse(mc, why, "duplicate time record%s", ""));
		if (len == 0 || len > 40 || !only(data, len, ".0123456789"))
			return (refuse(mc, why, "bad time record%s", ""));
		mc->seen |= SEEN_TIME;
		return (0);
	case REC_TYPE_SENDER:
		if (mc->seen & SEEN_SENDER)
			return (refuse(mc, why, "duplicate sender record%s", ""));
		if (memchr(data, 0, len) != NULL)
			return (refuse(mc, why, "bad sender record%s", ""));
		mc->seen |= SEEN_SENDER;
		vstring_memcpy(mc->sender, data, len);
		return (0);
	case REC_TYPE_DSN_ENVID:
	case REC_TYPE_DSN_RET:
		if (mc->seen & (type == REC_TYPE_DSN_RET ? SEEN_RET : SEEN_ENVID))
			return (refuse(mc, why, "duplicate %s record",
				       rec_type_name(type)));
		if (memchr(data, 0, len) != NULL)
			return (refuse(mc, why, "bad %s record",
				       rec_type_name(type)));
		mc->seen |= (type == REC_TYPE_DSN_RET ? SEEN_RET : SEEN_ENVID);
		return (0);
	case REC_TYPE_MESSAGE:
		if (!(mc->seen & SEEN_SENDER))
			return (refuse(mc, why, "no sender record%s", ""));
		if (mc->rcpt_pending)
			return (refuse(mc, why, "recipient details without "
				       "recipient%s", ""));
		if (len != 0)
			return (refuse(mc, why, "bad message_content record%s", ""));
		mc->section = REC_SEC_CONTENT;
		return (0);
	default:
		return (check_requeue_rcpt(mc, type, data, len, why));
	}
}

int
maildrop_check_rec(MAILDROP_CHECK *mc, int type, const char *data,
		   size_t len, VSTRING *why)
{
	if (mc->refused)
		return (refuse(mc, why, "input already refused%s", ""));
	mc->rec_count++;
	if (!rec_type_known(type))
		return (refuse(mc, why, "unknown record type%s", ""));
	if (len > MAILDROP_REC_MAX)
		return (refuse(mc, why, "oversized %s record", rec_type_name(type)));
	switch (mc->section) {
	case REC_SEC_ENVELOPE:
		if (mc->mode == MAILDROP_REQUEUE)
			return (check_requeue_envelope(mc, type, data, len, why));
		return (check_envelope(mc, type, data, len, why));
	case REC_SEC_CONTENT:
		if (type == REC_TYPE_NORMAL) {
			mc->fragment_open = 0;
			return (0);
		}
		if (type == REC_TYPE_FRAGMENT) {
			mc->fragment_open = 1;
			return (0);
		}
		if (type == REC_TYPE_XTRA && !mc->fragment_open && len == 0) {
			mc->section = REC_SEC_EXTRACTED;
			return (0);
		}
		return (refuse(mc, why, "%s record not allowed in the content",
			       rec_type_name(type)));
	case REC_SEC_EXTRACTED:
		if (type == REC_TYPE_END && len == 0) {
			if (mc->rcpt_pending)
				return (refuse(mc, why, "recipient details without "
					       "recipient%s", ""));
			mc->section = REC_SEC_DONE;
			return (0);
		}
		if (mc->mode == MAILDROP_REQUEUE && type != REC_TYPE_END)
			return (check_requeue_rcpt(mc, type, data, len, why));
		return (refuse(mc, why, "%s record not allowed after the content",
			       rec_type_name(type)));
	default:
		return (refuse(mc, why, "%s record after the end",
			       rec_type_name(type)));
	}
}

int
maildrop_check_end(MAILDROP_CHECK *mc, VSTRING *why)
{
	if (mc->refused)
		return (refuse(mc, why, "input refused%s", ""));
	if (mc->section != REC_SEC_DONE)
		return (refuse(mc, why, "premature end of input in the %s",
			       rec_type_section_name(mc->section)));
	return (0);
}

int
maildrop_attr_skip(const char *data, size_t len)
{
	static const char *const names[] = {MAILDROP_ATTR_UID,
	MAILDROP_ATTR_EXTRACT};
	size_t  i;
	size_t  nlen;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		nlen = strlen(names[i]);
		if (len > nlen && memcmp(data, names[i], nlen) == 0
		    && data[nlen] == '=')
			return (1);
	}
	return (0);
}

void
maildrop_log_init(const char *progname)
{
	msg_output_reset();
	msg_stderr_init(progname);
	postlog_command_init(progname);
}
