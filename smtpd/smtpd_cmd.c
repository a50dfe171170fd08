/*
 * smtpd_cmd - parse SMTP command lines and their ESMTP parameters
 *
 * Pure functions over strings: no I/O, no configuration, no logging, so
 * the unit tests and the fuzz target drive them directly (see
 * smtpd_cmd.h for the interface). Reply texts follow Postfix's where
 * Postfix has one.
 *
 *	smtpd_cmd_split(), smtpd_cmd_keyword() the verb and its argument.
 *	smtpd_cmd_mail_params(), smtpd_cmd_rcpt_params() ESMTP parameters.
 *	smtpd_cmd_bdat_args() BDAT count [LAST].
 *	smtpd_xtext_decode() RFC 3461 xtext.
 *	smtpd_notify_text() a NOTIFY mask as queue-file text.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "mymalloc.h"
#include "vstring.h"
#include "smtpd_cmd.h"

#define IS_WSP(c)	((c) == ' ' || (c) == '\t')

/* smtpd_cmd_split - the verb (upper case) and the argument text */

void
smtpd_cmd_split(const char *line, VSTRING *verb, const char **arg)
{
	const char *cp = line;

	while (IS_WSP(*cp))
		cp++;
	VSTRING_RESET(verb);
	for (; *cp && !IS_WSP(*cp); cp++)
		vstring_addch(verb, toupper((unsigned char) *cp));
	while (IS_WSP(*cp))
		cp++;
	*arg = cp;
}

/* smtpd_cmd_keyword - the text after "FROM:" or "TO:", or NULL */

const char *
smtpd_cmd_keyword(const char *arg, const char *keyword)
{
	size_t	len = strlen(keyword);

	if (strncasecmp(arg, keyword, len) != 0)
		return (NULL);
	return (arg + len);
}

SMTPD_MAIL_ARGS *
smtpd_mail_args_alloc(void)
{
	SMTPD_MAIL_ARGS *args = mymalloc(sizeof(*args));

	args->size = -1;
	args->body = SMTPD_BODY_NONE;
	args->smtputf8 = 0;
	args->ret = SMTPD_RET_NONE;
	args->envid = vstring_alloc(16);
	return (args);
}

void
smtpd_mail_args_free(SMTPD_MAIL_ARGS *args)
{
	vstring_free(args->envid);
	myfree(args);
}

SMTPD_RCPT_ARGS *
smtpd_rcpt_args_alloc(void)
{
	SMTPD_RCPT_ARGS *args = mymalloc(sizeof(*args));

	args->notify = 0;
	args->orcpt_type = vstring_alloc(16);
	args->orcpt_addr = vstring_alloc(64);
	return (args);
}

void
smtpd_rcpt_args_free(SMTPD_RCPT_ARGS *args)
{
	vstring_free(args->orcpt_type);
	vstring_free(args->orcpt_addr);
	myfree(args);
}

/* hexval - value of a hex digit, or -1 */

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return (ch - '0');
	if (ch >= 'A' && ch <= 'F')
		return (ch - 'A' + 10);
	if (ch >= 'a' && ch <= 'f')
		return (ch - 'a' + 10);
	return (-1);
}

/* smtpd_xtext_decode - RFC 3461 xtext to text; 0 or -1 */

int
smtpd_xtext_decode(VSTRING *out, const char *in, size_t max_len)
{
	const unsigned char *cp = (const unsigned char *) in;
	int	hi;
	int	lo;
	int	ch;

	VSTRING_RESET(out);
	if (*cp == 0)
		return (-1);
	for (; *cp; cp++) {
		if (*cp < '!' || *cp > '~' || *cp == '=')
			return (-1);
		if (*cp == '+') {
			if ((hi = hexval(cp[1])) < 0 || (lo = hexval(cp[2])) < 0)
				return (-1);
			ch = hi * 16 + lo;
			cp += 2;
		} else {
			ch = *cp;
		}
		/* The decoded value must be printable text. */
		if (ch < ' ' || ch > '~')
			return (-1);
		if (vstring_len(out) >= max_len)
			return (-1);
		vstring_addch(out, ch);
	}
	return (0);
}

/* parse_size - SIZE= or BDAT count: 0, -1 (syntax) or -2 (too large) */

static int
parse_size(const char *text, off_t *result)
{
	off_t	val = 0;

	if (*text == 0)
		return (-1);
	for (; *text; text++) {
		if (*text < '0' || *text > '9')
			return (-1);
		if (val > (SMTPD_SIZE_MAX - 9) / 10) {
			/* Keep checking the syntax, but remember the overflow. */
			while (*++text)
				if (*text < '0' || *text > '9')
					return (-1);
			return (-2);
		}
		val = val * 10 + (*text - '0');
	}
	*result = val;
	return (0);
}

/* printable - a copy of text safe to echo in a reply */

static const char *
printable(VSTRING *buf, const char *text)
{
	const unsigned char *cp;

	VSTRING_RESET(buf);
	for (cp = (const unsigned char *) text; *cp; cp++)
		vstring_addch(buf, (*cp >= ' ' && *cp < 0x7f) ? *cp : '?');
	return (vstring_str(buf));
}

/*
 * The parameter loop shared by MAIL and RCPT: each white-space separated
 * token is split at '=' and handed to a per-command function, which
 * answers 0 or a reply code (the reply text already in "reply").
 */
typedef int (*PARAM_FN)(const char *name, const char *value,
			const char *token, int ext, void *args,
			unsigned *seen, VSTRING *reply);

static int
param_loop(const char *params, int ext, void *args, PARAM_FN fn,
	   VSTRING *reply)
{
	VSTRING *token = vstring_alloc(64);
	VSTRING *name = vstring_alloc(16);
	const char *cp = params;
	const char *start;
	const char *eq;
	unsigned seen = 0;
	int	code = 0;

	VSTRING_RESET(reply);
	while (code == 0) {
		while (IS_WSP(*cp))
			cp++;
		if (*cp == 0)
			break;
		for (start = cp; *cp && !IS_WSP(*cp); cp++)
			 /* void */ ;
		vstring_strncpy(token, start, cp - start);
		if ((eq = strchr(vstring_str(token), '=')) != NULL) {
			vstring_strncpy(name, vstring_str(token),
					eq - vstring_str(token));
			eq++;
		} else {
			vstring_strcpy(name, vstring_str(token));
		}
		code = fn(vstring_str(name), eq, vstring_str(token), ext, args,
			  &seen, reply);
	}
	vstring_free(token);
	vstring_free(name);
	return (code);
}

static int
unsupported(VSTRING *reply, const char *token)
{
	VSTRING *buf = vstring_alloc(64);

	vstring_sprintf(reply, "555 5.5.4 Unsupported option: %s",
			printable(buf, token));
	vstring_free(buf);
	return (555);
}

static int
duplicate(VSTRING *reply, const char *name)
{
	VSTRING *buf = vstring_alloc(64);

	vstring_sprintf(reply, "555 5.5.4 Duplicate option: %s",
			printable(buf, name));
	vstring_free(buf);
	return (555);
}

/* Bits for "seen". */
#define SEEN_SIZE	(1 << 0)
#define SEEN_BODY	(1 << 1)
#define SEEN_SMTPUTF8	(1 << 2)
#define SEEN_RET	(1 << 3)
#define SEEN_ENVID	(1 << 4)
#define SEEN_AUTH	(1 << 5)
#define SEEN_NOTIFY	(1 << 6)
#define SEEN_ORCPT	(1 << 7)

/* first_time - note a parameter; 0 when it was seen before */

static int
first_time(unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return (0);
	*seen |= bit;
	return (1);
}

static int
mail_param(const char *name, const char *value, const char *token, int ext,
	   void *context, unsigned *seen, VSTRING *reply)
{
	SMTPD_MAIL_ARGS *args = context;
	off_t	size;

	if (strcasecmp(name, "SIZE") == 0 && (ext & SMTPD_EXT_SIZE)) {
		if (!first_time(seen, SEEN_SIZE))
			return (duplicate(reply, name));
		switch (value ? parse_size(value, &size) : -1) {
		case 0:
			args->size = size;
			return (0);
		case -2:
			vstring_strcpy(reply, "552 5.3.4 Message size exceeds "
				       "file system imposed limit");
			return (552);
		default:
			vstring_strcpy(reply, "501 5.5.4 Bad message size syntax");
			return (501);
		}
	}
	if (strcasecmp(name, "BODY") == 0 && (ext & SMTPD_EXT_8BITMIME)) {
		if (!first_time(seen, SEEN_BODY))
			return (duplicate(reply, name));
		if (value && strcasecmp(value, "8BITMIME") == 0)
			args->body = SMTPD_BODY_8BITMIME;
		else if (value && strcasecmp(value, "7BIT") == 0)
			args->body = SMTPD_BODY_7BIT;
		else
			return (unsupported(reply, token));
		return (0);
	}
	if (strcasecmp(name, "SMTPUTF8") == 0 && (ext & SMTPD_EXT_SMTPUTF8)
	    && value == NULL) {
		if (!first_time(seen, SEEN_SMTPUTF8))
			return (duplicate(reply, name));
		args->smtputf8 = 1;
		return (0);
	}
	if (strcasecmp(name, "RET") == 0 && (ext & SMTPD_EXT_DSN)) {
		if (!first_time(seen, SEEN_RET))
			return (duplicate(reply, name));
		if (value && strcasecmp(value, "FULL") == 0)
			args->ret = SMTPD_RET_FULL;
		else if (value && strcasecmp(value, "HDRS") == 0)
			args->ret = SMTPD_RET_HDRS;
		else {
			vstring_strcpy(reply, "501 5.5.4 Bad RET parameter syntax");
			return (501);
		}
		return (0);
	}
	if (strcasecmp(name, "ENVID") == 0 && (ext & SMTPD_EXT_DSN)) {
		if (!first_time(seen, SEEN_ENVID))
			return (duplicate(reply, name));
		if (value == NULL
		    || smtpd_xtext_decode(args->envid, value,
					  SMTPD_ENVID_MAX) < 0) {
			VSTRING_RESET(args->envid);
			vstring_strcpy(reply,
				       "501 5.5.4 Bad ENVID parameter syntax");
			return (501);
		}
		return (0);
	}
	if (strcasecmp(name, "AUTH") == 0) {
		/* RFC 4954: accepted and ignored without authentication. */
		if (!first_time(seen, SEEN_AUTH))
			return (duplicate(reply, name));
		if (value == NULL || *value == 0) {
			vstring_strcpy(reply, "501 5.5.4 Bad AUTH parameter syntax");
			return (501);
		}
		return (0);
	}
	return (unsupported(reply, token));
}

/* smtpd_cmd_mail_params - MAIL FROM parameters; 0 or the reply code */

int
smtpd_cmd_mail_params(const char *params, int ext, SMTPD_MAIL_ARGS *args,
		      VSTRING *reply)
{
	args->size = -1;
	args->body = SMTPD_BODY_NONE;
	args->smtputf8 = 0;
	args->ret = SMTPD_RET_NONE;
	VSTRING_RESET(args->envid);
	return (param_loop(params, ext, args, mail_param, reply));
}

/* parse_notify - NEVER, or a list of SUCCESS FAILURE DELAY; 0 if bad */

static int
parse_notify(const char *value)
{
	const char *cp = value;
	const char *end;
	size_t	len;
	int	mask = 0;

	if (value == NULL || *value == 0)
		return (0);
	for (;;) {
		end = strchr(cp, ',');
		len = end ? (size_t) (end - cp) : strlen(cp);
		if (len == 5 && strncasecmp(cp, "NEVER", 5) == 0)
			mask |= SMTPD_NOTIFY_NEVER;
		else if (len == 7 && strncasecmp(cp, "SUCCESS", 7) == 0)
			mask |= SMTPD_NOTIFY_SUCCESS;
		else if (len == 7 && strncasecmp(cp, "FAILURE", 7) == 0)
			mask |= SMTPD_NOTIFY_FAILURE;
		else if (len == 5 && strncasecmp(cp, "DELAY", 5) == 0)
			mask |= SMTPD_NOTIFY_DELAY;
		else
			return (0);
		if (end == NULL)
			break;
		cp = end + 1;
	}
	/* NEVER stands alone (RFC 3461 section 4.1). */
	if ((mask & SMTPD_NOTIFY_NEVER) && mask != SMTPD_NOTIFY_NEVER)
		return (0);
	return (mask);
}

/* parse_orcpt - "addr-type;xtext"; 0 or -1 */

static int
parse_orcpt(SMTPD_RCPT_ARGS *args, const char *value)
{
	const char *semi;
	const char *cp;

	if (value == NULL || (semi = strchr(value, ';')) == NULL
	    || semi == value)
		return (-1);
	/* addr-type is an atom (RFC 3461: "rfc822", RFC 6533: "utf-8"). */
	for (cp = value; cp < semi; cp++)
		if (!isalnum((unsigned char) *cp) && *cp != '-')
			return (-1);
	vstring_strncpy(args->orcpt_type, value, semi - value);
	if (smtpd_xtext_decode(args->orcpt_addr, semi + 1, SMTPD_ORCPT_MAX) < 0)
		return (-1);
	return (0);
}

static int
rcpt_param(const char *name, const char *value, const char *token, int ext,
	   void *context, unsigned *seen, VSTRING *reply)
{
	SMTPD_RCPT_ARGS *args = context;

	if (strcasecmp(name, "NOTIFY") == 0 && (ext & SMTPD_EXT_DSN)) {
		if (!first_time(seen, SEEN_NOTIFY))
			return (duplicate(reply, name));
		if ((args->notify = parse_notify(value)) == 0) {
			vstring_strcpy(reply,
			       "501 5.5.4 Error: Bad NOTIFY parameter syntax");
			return (501);
		}
		return (0);
	}
	if (strcasecmp(name, "ORCPT") == 0 && (ext & SMTPD_EXT_DSN)) {
		if (!first_time(seen, SEEN_ORCPT))
			return (duplicate(reply, name));
		if (parse_orcpt(args, value) < 0) {
			VSTRING_RESET(args->orcpt_type);
			VSTRING_RESET(args->orcpt_addr);
			vstring_strcpy(reply,
				"501 5.5.4 Error: Bad ORCPT parameter syntax");
			return (501);
		}
		return (0);
	}
	return (unsupported(reply, token));
}

/* smtpd_cmd_rcpt_params - RCPT TO parameters; 0 or the reply code */

int
smtpd_cmd_rcpt_params(const char *params, int ext, SMTPD_RCPT_ARGS *args,
		      VSTRING *reply)
{
	args->notify = 0;
	VSTRING_RESET(args->orcpt_type);
	VSTRING_RESET(args->orcpt_addr);
	return (param_loop(params, ext, args, rcpt_param, reply));
}

/* smtpd_cmd_bdat_args - "count [LAST]"; 0 or -1 */

int
smtpd_cmd_bdat_args(const char *arg, off_t *count, int *last)
{
	VSTRING *word = vstring_alloc(32);
	const char *cp = arg;
	const char *start;
	int	words = 0;
	int	ret = 0;

	*last = 0;
	for (;;) {
		while (IS_WSP(*cp))
			cp++;
		if (*cp == 0)
			break;
		for (start = cp; *cp && !IS_WSP(*cp); cp++)
			 /* void */ ;
		vstring_strncpy(word, start, cp - start);
		words++;
		if (words == 1) {
			if (parse_size(vstring_str(word), count) != 0)
				ret = -1;
		} else if (words == 2
			   && strcasecmp(vstring_str(word), "LAST") == 0) {
			*last = 1;
		} else {
			ret = -1;
		}
	}
	vstring_free(word);
	if (words == 0)
		ret = -1;
	return (ret);
}

/* smtpd_notify_text - the queue-file form of a NOTIFY mask */

const char *
smtpd_notify_text(int notify, VSTRING *out)
{
	VSTRING_RESET(out);
	if (notify & SMTPD_NOTIFY_NEVER)
		return (vstring_str(vstring_strcpy(out, "NEVER")));
	if (notify & SMTPD_NOTIFY_SUCCESS)
		vstring_strcat(out, "SUCCESS");
	if (notify & SMTPD_NOTIFY_FAILURE)
		vstring_strcat(out, vstring_len(out) ? ",FAILURE" : "FAILURE");
	if (notify & SMTPD_NOTIFY_DELAY)
		vstring_strcat(out, vstring_len(out) ? ",DELAY" : "DELAY");
	return (vstring_str(out));
}
