#ifndef POSTERN_SMTPD_H
#define POSTERN_SMTPD_H

/*
 * smtpd.h - the SMTP session shared by the smtpd(8) modules
 *
 * One SMTPD_STATE per connection. smtpd.c owns the session loop and the
 * commands outside a transaction; smtpd_trans.c the transaction (MAIL,
 * RCPT, DATA, BDAT and the cleanup connection); smtpd_reply.c the
 * replies and error accounting; smtpd_peer.c the client's identity;
 * smtpd_xclient.c XCLIENT and XFORWARD; smtpd_tls.c STARTTLS and wrapper
 * mode.
 */
#include <sys/types.h>

#include "vstream.h"
#include "vstring.h"
#include "match_list.h"
#include "cleanup_client.h"
#include "smtpd_cmd.h"
#include "smtpd_data.h"
#include "smtpd_check.h"
#include "tls.h"

/* Commands counted in the "disconnect from" line, in Postfix's order. */
#define SMTPD_CMD_HELO		0
#define SMTPD_CMD_EHLO		1
#define SMTPD_CMD_XCLIENT	2
#define SMTPD_CMD_XFORWARD	3
#define SMTPD_CMD_STARTTLS	4
#define SMTPD_CMD_MAIL		5
#define SMTPD_CMD_RCPT		6
#define SMTPD_CMD_DATA		7
#define SMTPD_CMD_BDAT		8
#define SMTPD_CMD_RSET		9
#define SMTPD_CMD_NOOP		10
#define SMTPD_CMD_VRFY		11
#define SMTPD_CMD_ETRN		12
#define SMTPD_CMD_QUIT		13
#define SMTPD_CMD_UNKNOWN	14
#define SMTPD_CMD_COUNT		15

/* EHLO keywords that smtpd_discard_ehlo_keywords can remove. */
#define SMTPD_EHLO_PIPELINING	(1 << 0)
#define SMTPD_EHLO_SIZE		(1 << 1)
#define SMTPD_EHLO_VRFY		(1 << 2)
#define SMTPD_EHLO_ETRN		(1 << 3)
#define SMTPD_EHLO_XCLIENT	(1 << 4)
#define SMTPD_EHLO_XFORWARD	(1 << 5)
#define SMTPD_EHLO_ENHANCED	(1 << 6)
#define SMTPD_EHLO_8BITMIME	(1 << 7)
#define SMTPD_EHLO_DSN		(1 << 8)
#define SMTPD_EHLO_SMTPUTF8	(1 << 9)
#define SMTPD_EHLO_CHUNKING	(1 << 10)
#define SMTPD_EHLO_SILENT	(1 << 11)	/* "silent-discard" */
#define SMTPD_EHLO_STARTTLS	(1 << 12)

/* BDAT state of a transaction. */
#define SMTPD_BDAT_NONE		0
#define SMTPD_BDAT_ACTIVE	1	/* chunks are being received */
#define SMTPD_BDAT_FAILED	2	/* discard chunks until LAST */

/* Client identity; "unknown" where nothing is known. */
typedef struct SMTPD_PEER {
	char   *name;			/* verified name or "unknown" */
	char   *reverse_name;		/* PTR name or "unknown" */
	char   *addr;			/* printable address */
	char   *port;			/* decimal port or "unknown" */
	char   *rfc_addr;		/* addr, or "IPv6:addr" for headers */
	char   *namaddr;		/* "name[addr]" (":port") for logs */
	char   *server_addr;		/* our end of the connection */
	char   *server_port;
} SMTPD_PEER;

/* XFORWARD attributes (NULL: not forwarded). */
typedef struct SMTPD_XFORWARD {
	char   *name;
	char   *addr;
	char   *port;
	char   *proto;
	char   *helo;
	char   *ident;
	char   *source;
} SMTPD_XFORWARD;

typedef struct SMTPD_STATE {
	VSTREAM *client;
	SMTPD_PEER peer;
	SMTPD_XFORWARD xf;
	/* Session. */
	char   *helo_name;		/* NULL until HELO/EHLO */
	const char *protocol;		/* "SMTP", "ESMTP" */
	char   *xclient_proto;		/* PROTO from XCLIENT, or NULL */
	char   *sasl_username;		/* LOGIN from XCLIENT, or NULL */
	int	pipelining;		/* EHLO offered PIPELINING */
	int	discard_mask;		/* SMTPD_EHLO_* removed for this client */
	int	xclient_ok;		/* client may use XCLIENT */
	int	xforward_ok;		/* client may use XFORWARD */
	int	bare_nl_excluded;	/* in smtpd_forbid_bare_newline_exclusions */
	char   *access_denied;		/* client restriction reply, or NULL */
	const char *where;		/* last command, for log lines */
	int	error_count;
	int	junk_count;
	int	cmd_ok[SMTPD_CMD_COUNT];
	int	cmd_total[SMTPD_CMD_COUNT];
	int	quit;			/* end the session */
	TLS_SESS *tls;			/* NULL: clear text */
	/* Transaction. */
	char   *sender;			/* NULL before MAIL; "" null sender */
	SMTPD_MAIL_ARGS *mail_args;
	SMTPD_RCPT_ARGS *rcpt_args;
	int	rcpt_count;		/* accepted recipients */
	char   *first_rcpt;		/* for "for <...>" and logs */
	CLEANUP_CLIENT *cleanup;	/* open cleanup connection */
	char   *queue_id;		/* its queue ID */
	int	bdat_state;		/* SMTPD_BDAT_* */
	SMTPD_DATA *data;		/* BDAT machine across chunks */
	int	content_started;	/* MESSAGE record and Received sent */
	/* Scratch. */
	VSTRING *buffer;
	VSTRING *reply;
	VSTRING *why;
} SMTPD_STATE;

/* Configuration read once per process (smtpd.c). */
extern int var_smtpd_timeout;
extern long var_message_limit;
extern int var_line_limit;
extern int var_smtpd_rcpt_limit;
extern int var_smtpd_soft_erlim;
extern int var_smtpd_hard_erlim;
extern int var_smtpd_err_sleep;
extern int var_smtpd_junk_limit;
extern int var_helo_required;
extern int var_disable_vrfy;
extern int var_smtputf8_enable;
extern int var_strict_rfc821;
extern int var_delay_open;
extern int var_forbid_bare_nl;
extern int var_forbid_bare_nl_code;
extern int var_forbid_unauth_pipe;
extern int var_ipc_timeout;
extern int var_cleanup_flags;
extern const char *var_myhostname;
extern const char *var_mail_name;
extern const char *var_smtpd_banner;

/* smtpd_reply.c */
extern void smtpd_reply(SMTPD_STATE *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern void smtpd_reply_raw(SMTPD_STATE *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern void smtpd_reply_nocount(SMTPD_STATE *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern void smtpd_reply_flush(SMTPD_STATE *state);
extern const char *smtpd_printable(VSTRING *buf, const char *text,
				   size_t max_len);

/* smtpd_peer.c */
extern void smtpd_peer_init(SMTPD_STATE *state, int lookup, int port_logging);
extern void smtpd_peer_set(SMTPD_PEER *peer, const char *name,
			   const char *reverse_name, const char *addr,
			   const char *port, int port_logging);
extern void smtpd_peer_free(SMTPD_PEER *peer);

/* smtpd_xclient.c */
extern void smtpd_xclient_init(void);
extern void smtpd_xclient_access(SMTPD_STATE *state);
extern int smtpd_xclient_cmd(SMTPD_STATE *state, const char *arg);
extern int smtpd_xforward_cmd(SMTPD_STATE *state, const char *arg);
extern void smtpd_xforward_reset(SMTPD_STATE *state);

/* smtpd_trans.c */
extern void smtpd_trans_init(void);
extern int smtpd_mail_cmd(SMTPD_STATE *state, const char *arg);
extern int smtpd_rcpt_cmd(SMTPD_STATE *state, const char *arg);
extern int smtpd_data_cmd(SMTPD_STATE *state, const char *arg);
extern int smtpd_bdat_cmd(SMTPD_STATE *state, const char *arg);
extern void smtpd_trans_reset(SMTPD_STATE *state);
extern int smtpd_ext_mask(SMTPD_STATE *state);

/* smtpd.c */
extern void smtpd_check_args(SMTPD_STATE *state, SMTPD_CHECK_ARGS *args);
extern void smtpd_lost(SMTPD_STATE *state, const char *detail);
extern int smtpd_access_denied(SMTPD_STATE *state);
extern void smtpd_client_init(SMTPD_STATE *state);

#endif
