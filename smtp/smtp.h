#ifndef POSTERN_SMTP_H
#define POSTERN_SMTP_H

/*
 * smtp - private interfaces of the smtp(8)/lmtp(8) delivery client
 *
 * One code base, two protocols. smtp_main.c and lmtp/lmtp.c call
 * smtp_client_main() with the protocol; everything else reads it from
 * smtp_lmtp and the parameter prefix ("smtp" or "lmtp").
 *
 * Modules:
 *	smtp_client.c	the service: request, nexthops, connection
 *			cache, per-recipient reporting (smtp_client_main)
 *	smtp_dest.c	next-hop syntax
 *	smtp_params.c	parameters under the protocol's prefix
 *	smtp_connect.c	TCP and UNIX-domain connections
 *	smtp_reply.c	reply and EHLO keyword parsing (libutil only)
 *	smtp_proto.c	greeting, EHLO/LHLO, MAIL/RCPT/DATA
 *	smtp_data.c	message content from the queue file, dot-stuffed
 *	smtp_tls.c	TLS levels, policy table, STARTTLS
 *	smtp_sasl.c	AUTH to relays
 */
#include <time.h>
#include "vstream.h"
#include "vstring.h"
#include "argv.h"
#include "maps.h"
#include "deliver_request.h"
#include "tls.h"

/* Parameters, read once by smtp_params_init(). */
typedef struct SMTP_PARAMS {
	const char *myhostname;
	const char *helo_name;
	unsigned default_port;
	int	connect_timeout;
	int	helo_timeout;
	int	mail_timeout;
	int	rcpt_timeout;
	int	data_init_timeout;
	int	data_xfer_timeout;
	int	data_done_timeout;
	int	quit_timeout;
	int	rset_timeout;
	int	starttls_timeout;
	const char *bind_address;
	const char *bind_address6;
	int	mx_session_limit;
	int	mx_address_limit;
	const char *address_preference;
	const char *host_lookup;
	const char *inet_protocols;
	const char *fallback_relay;
	int	skip_5xx_greeting;
	int	skip_quit_response;
	int	never_send_ehlo;
	int	quote_rfc821_envelope;
	int	disable_mime_conversion;
	size_t	line_length_limit;	/* 0: none */
	ARGV   *own_names;		/* loop detection: myhostname and
					 * the inet_ and proxy_interfaces
					 * addresses */
	/* connection cache */
	int	cache_on_demand;
	const char *cache_destinations;
	int	cache_time_limit;
	int	reuse_time_limit;
	int	reuse_count_limit;
	/* TLS */
	int	tls_level;		/* effective default TLS_LEV_* */
	int	tls_wrappermode;
	int	tls_loglevel;
	const char *tls_protocols;
	const char *tls_mand_protocols;
	const char *tls_ciphers;
	const char *tls_mand_ciphers;
	const char *tls_excl_ciphers;
	const char *tls_mand_excl_ciphers;
	const char *tls_verify_match;
	const char *tls_secure_match;
	const char *tls_fpt_match;
	const char *tls_fpt_dgst;
	const char *tls_servername;
	MAPS   *tls_policy;		/* NULL when empty */
	TLS_CLIENT_CTX *tls_ctx;	/* NULL when TLS is never used */
	/* SASL */
	int	sasl_enable;
	MAPS   *sasl_passwd;		/* NULL when empty */
	const char *sasl_mech_filter;
	int	sasl_sec;		/* SASL_SEC_* */
	int	sasl_tls_sec;
	int	sasl_soft_bounce;
} SMTP_PARAMS;

extern int smtp_lmtp;			/* 1 for lmtp(8) */
extern const char *smtp_prefix;		/* "smtp" or "lmtp" */
extern SMTP_PARAMS smtp_var;

/* Name of a prefixed parameter: smtp_param("helo_timeout"). */
extern const char *smtp_param(const char *suffix);
extern void smtp_params_init(void);	/* PRE_INIT: also TLS and maps */

/* Extensions offered by the server. */
#define SMTP_FEATURE_ESMTP	(1 << 0)
#define SMTP_FEATURE_PIPELINING	(1 << 1)
#define SMTP_FEATURE_SIZE	(1 << 2)
#define SMTP_FEATURE_8BITMIME	(1 << 3)
#define SMTP_FEATURE_SMTPUTF8	(1 << 4)
#define SMTP_FEATURE_DSN	(1 << 5)
#define SMTP_FEATURE_STARTTLS	(1 << 6)
#define SMTP_FEATURE_AUTH	(1 << 7)
#define SMTP_FEATURE_ENHANCED	(1 << 8)

/* One connection to one server. */
typedef struct SMTP_SESSION {
	VSTREAM *stream;
	char   *host;			/* server name (MX host, or myhostname
					 * for a UNIX-domain socket) */
	char   *addr;			/* printable address or socket path */
	unsigned port;			/* 0 for UNIX-domain */
	char   *namaddr;		/* "host[addr]" */
	char   *relay;			/* "host[addr]:port" for log lines */
	char   *dest;			/* nexthop as written */
	char   *dest_host;		/* nexthop domain or host, no [] */
	char   *cache_key;		/* connection cache key */
	int	features;
	long	size_limit;		/* SIZE n, 0 unknown */
	char   *auth_mechs;		/* AUTH list or NULL */
	int	tls_level;		/* effective level for this session */
	TLS_SESS *tls;			/* NULL: plain text */
	time_t	created;
	int	reuse_count;
	int	broken;			/* the transaction left it unusable */
} SMTP_SESSION;

/* Outcomes of session steps. */
#define SMTP_OK		0
#define SMTP_RETRY	1	/* this server failed: try the next one */
#define SMTP_FAIL	2	/* recipients were reported: stop */
#define SMTP_PLAIN	3	/* TLS "may" failed: reconnect without */

/* Why a server attempt failed (for the final report). */
typedef struct SMTP_WHY {
	VSTRING *status;		/* "4.4.1" */
	VSTRING *reason;		/* log text */
	VSTRING *dtext;			/* remote reply text or "" */
	int	dtype_smtp;		/* dtext is an SMTP reply */
	VSTRING *mname;			/* host or "" */
	VSTRING *relay;			/* relay for the log or "none" */
} SMTP_WHY;

/* The delivery of one request. */
typedef struct SMTP_STATE {
	DELIVER_REQUEST *req;
	char   *rcpt_done;		/* per recipient: reported */
	size_t	pending;		/* recipients not yet reported */
	int	status;			/* DEL_STAT_* so far */
	int	transactions;		/* MAIL commands answered */
	int	server_dsn;		/* the server takes NOTIFY */
	int	greeted;		/* some server greeted us */
	SMTP_WHY why;			/* last failure */
	VSTRING *log_tls;		/* req->log_tls: "proto/cipher" */
	double	start;			/* monotonic seconds */
} SMTP_STATE;

/* smtp_client.c */
extern void smtp_client_main(int argc, char **argv, int lmtp);
extern void smtp_why_set(SMTP_WHY *why, const char *status,
			 const char *relay, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
extern void smtp_report(SMTP_STATE *state, size_t i, const char *status,
			const char *relay, const char *reason,
			const char *dtext, const char *mname);
extern void smtp_report_all(SMTP_STATE *state, const SMTP_WHY *why);

/* smtp_dest.c */
typedef struct SMTP_DEST {
	char   *text;			/* as written, without "inet:" */
	char   *host;			/* host or domain, no [] */
	char   *path;			/* UNIX-domain path or NULL */
	unsigned port;
	int	no_mx;
} SMTP_DEST;

extern int smtp_dest_parse(const char *text, SMTP_DEST *dest, VSTRING *why);
extern void smtp_dest_free(SMTP_DEST *dest);

/* smtp_connect.c */
extern SMTP_SESSION *smtp_connect_addr(const char *host, const char *addr,
				       const void *sa, unsigned salen,
				       unsigned port, VSTRING *why);
extern SMTP_SESSION *smtp_connect_unix(const char *path, VSTRING *why);
extern void smtp_session_free(SMTP_SESSION *session);

/* smtp_reply.c */
typedef struct SMTP_REPLY {
	int	code;			/* 250; 0 when nothing came */
	char	dsn[16];		/* "2.0.0" */
	VSTRING *text;			/* all lines, joined by " " */
	ARGV   *lines;			/* each line without the code */
} SMTP_REPLY;

extern SMTP_REPLY *smtp_reply_alloc(void);
extern void smtp_reply_free(SMTP_REPLY *reply);
extern int smtp_get_reply(SMTP_SESSION *session, SMTP_REPLY *reply);
extern void smtp_ehlo_features(SMTP_SESSION *session, const SMTP_REPLY *reply);

/* smtp_proto.c */
extern void smtp_cmd(SMTP_SESSION *session, int timeout, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
extern int smtp_chat(SMTP_SESSION *session, int timeout, SMTP_REPLY *reply);
extern int smtp_helo(SMTP_STATE *state, SMTP_SESSION *session, int greet);
extern int smtp_xfer(SMTP_STATE *state, SMTP_SESSION *session);
extern void smtp_quit(SMTP_SESSION *session);
extern void smtp_quote_addr(VSTRING *out, const char *addr);
extern int smtp_rset(SMTP_SESSION *session);
extern void smtp_io_fail(SMTP_WHY *why, SMTP_SESSION *session,
			 const char *phase);
extern void smtp_reply_fail(SMTP_WHY *why, SMTP_SESSION *session,
			    const SMTP_REPLY *reply, const char *command);

/* smtp_data.c */
extern int smtp_data_send(SMTP_SESSION *session, DELIVER_REQUEST *req,
			  int downgrade, VSTRING *why);
extern int smtp_needs_utf8(const DELIVER_REQUEST *req);
extern void smtp_xtext(VSTRING *out, const char *text);

/* smtp_tls.c */
typedef struct SMTP_TLS_POLICY {
	int	level;
	ARGV   *match;			/* match= words, or NULL */
	char   *protocols;		/* or NULL */
	char   *ciphers;
	char   *exclude;
} SMTP_TLS_POLICY;

extern void smtp_tls_policy(const char *dest, const char *dest_host,
			    unsigned port, SMTP_TLS_POLICY *policy);
extern void smtp_tls_policy_free(SMTP_TLS_POLICY *policy);
extern int smtp_tls_start(SMTP_STATE *state, SMTP_SESSION *session,
			  const SMTP_TLS_POLICY *policy, int wrapper);

/* smtp_sasl.c */
extern int smtp_sasl_auth(SMTP_STATE *state, SMTP_SESSION *session);

#endif
