#ifndef POSTERN_SMTPD_CMD_H
#define POSTERN_SMTPD_CMD_H

/*
 * smtpd_cmd - parse SMTP command lines (pure functions, no I/O)
 *
 *	smtpd_cmd_split() cuts a command line (terminator removed) into the
 *	verb (upper-cased copy) and a pointer to the argument text, leading
 *	white space skipped.
 *	smtpd_cmd_keyword() checks that an argument starts with "FROM:" or
 *	"TO:" (any case) and returns the text after it, or NULL.
 *	smtpd_cmd_mail_params() validates the ESMTP parameters of MAIL FROM
 *	(SIZE, BODY, SMTPUTF8, RET, ENVID, AUTH) and smtpd_cmd_rcpt_params()
 *	those of RCPT TO (NOTIFY, ORCPT), for the extensions in "ext". Both
 *	return 0, or the SMTP code with the complete reply (e.g. "555 5.5.4
 *	Unsupported option: FOO=bar") in reply. A parameter given twice is
 *	refused with 555 5.5.4, as is a parameter of an extension not in
 *	effect.
 *	smtpd_cmd_bdat_args() parses "count [LAST]".
 *	smtpd_xtext_decode() decodes RFC 3461 xtext into out; it refuses
 *	characters outside '!'..'~', '=' and a '+' not followed by two hex
 *	digits, an empty value and results longer than max_len or with
 *	control characters.
 */
#include <sys/types.h>

#include "vstring.h"

/* ESMTP extensions in effect. */
#define SMTPD_EXT_SIZE		(1 << 0)
#define SMTPD_EXT_8BITMIME	(1 << 1)
#define SMTPD_EXT_DSN		(1 << 2)
#define SMTPD_EXT_SMTPUTF8	(1 << 3)
#define SMTPD_EXT_ALL		(SMTPD_EXT_SIZE | SMTPD_EXT_8BITMIME | \
				 SMTPD_EXT_DSN | SMTPD_EXT_SMTPUTF8)

/* BODY= */
#define SMTPD_BODY_NONE		0
#define SMTPD_BODY_7BIT		1
#define SMTPD_BODY_8BITMIME	2

/* RET= */
#define SMTPD_RET_NONE		0
#define SMTPD_RET_FULL		1
#define SMTPD_RET_HDRS		2

/* NOTIFY= bits; 0 when absent. */
#define SMTPD_NOTIFY_NEVER	(1 << 0)
#define SMTPD_NOTIFY_SUCCESS	(1 << 1)
#define SMTPD_NOTIFY_FAILURE	(1 << 2)
#define SMTPD_NOTIFY_DELAY	(1 << 3)

/* RFC 3461 length limits on the decoded values. */
#define SMTPD_ENVID_MAX		100
#define SMTPD_ORCPT_MAX		500

/* The largest SIZE= or BDAT count taken as a number. */
#define SMTPD_SIZE_MAX		((off_t) 1 << 62)

typedef struct SMTPD_MAIL_ARGS {
	off_t	size;			/* SIZE=, -1 when absent */
	int	body;			/* SMTPD_BODY_* */
	int	smtputf8;		/* SMTPUTF8 given */
	int	ret;			/* SMTPD_RET_* */
	VSTRING *envid;			/* decoded ENVID, "" when absent */
} SMTPD_MAIL_ARGS;

typedef struct SMTPD_RCPT_ARGS {
	int	notify;			/* SMTPD_NOTIFY_* bits */
	VSTRING *orcpt_type;		/* "rfc822", "" when absent */
	VSTRING *orcpt_addr;		/* decoded address */
} SMTPD_RCPT_ARGS;

extern void smtpd_cmd_split(const char *line, VSTRING *verb,
			    const char **arg);
extern const char *smtpd_cmd_keyword(const char *arg, const char *keyword);

extern SMTPD_MAIL_ARGS *smtpd_mail_args_alloc(void);
extern void smtpd_mail_args_free(SMTPD_MAIL_ARGS *args);
extern SMTPD_RCPT_ARGS *smtpd_rcpt_args_alloc(void);
extern void smtpd_rcpt_args_free(SMTPD_RCPT_ARGS *args);

extern int smtpd_cmd_mail_params(const char *params, int ext,
				 SMTPD_MAIL_ARGS *args, VSTRING *reply);
extern int smtpd_cmd_rcpt_params(const char *params, int ext,
				 SMTPD_RCPT_ARGS *args, VSTRING *reply);
extern int smtpd_cmd_bdat_args(const char *arg, off_t *count, int *last);
extern int smtpd_xtext_decode(VSTRING *out, const char *in, size_t max_len);

/* "SUCCESS,FAILURE" etc. for a NOTIFY bit mask (queue file text). */
extern const char *smtpd_notify_text(int notify, VSTRING *out);

#endif
