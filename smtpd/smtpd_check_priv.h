#ifndef POSTERN_SMTPD_CHECK_PRIV_H
#define POSTERN_SMTPD_CHECK_PRIV_H

/*
 * smtpd_check_priv - what the parts of the restriction engine share
 *
 * smtpd_check.c drives the stages, replies and logging,
 * smtpd_check_rest.c evaluates restriction lists,
 * smtpd_check_access.c evaluates check_*_access tables and their results,
 * smtpd_check_addr.c resolves addresses (address class, routing,
 * mynetworks, host name syntax), smtpd_check_maps.c rejects unknown
 * recipients and senders (smtpd_reject_unlisted_*). Nothing here is for the session.
 */
#include "vstring.h"
#include "argv.h"
#include "smtpd_check.h"

/* Results inside the engine (Postfix's order: 0 decides nothing). */
#define CHK_DUNNO	0
#define CHK_OK		1
#define CHK_REJECT	2	/* reply formatted in state->reply; stop */

/* What a reply is about, for warn_if_reject (Postfix's error classes). */
#define CHK_ERR_POLICY	1	/* may become a reject_warning */
#define CHK_ERR_SOFTWARE 2	/* configuration error: always enforced */
#define CHK_ERR_DATA	3	/* lookup error: always enforced */

/* Postfix's names of what is rejected ("<x>: Client host rejected"). */
#define CHK_NAME_CLIENT		"Client host"
#define CHK_NAME_REV_CLIENT	"Unverified Client host"
#define CHK_NAME_HELO		"Helo command"
#define CHK_NAME_SENDER		"Sender address"
#define CHK_NAME_RECIPIENT	"Recipient address"
#define CHK_NAME_ETRN		"Etrn command"
#define CHK_NAME_DATA		"Data command"
#define CHK_NAME_EOD		"End-of-data"
#define CHK_NAME_SASL		"SASL login name"

/* A postponed decision (defer_if_permit, defer_if_reject). */
typedef struct CHK_DEFER {
	int	active;
	int	err_class;
	int	code;
	char	dsn[16];
	VSTRING *reason;
} CHK_DEFER;

/* The state of one stage's evaluation. */
typedef struct CHK_STATE {
	const SMTPD_CHECK_ARGS *args;
	const char *where;		/* "RCPT", "CONNECT", ... for logging */
	const char *sender;		/* NULL: not logged */
	const char *recipient;		/* NULL: not logged */
	const char *helo_name;
	const char *etrn_domain;
	const char *client_name;	/* never NULL ("unknown") */
	const char *reverse_name;	/* never NULL ("unknown") */
	const char *client_addr;	/* never NULL */
	VSTRING *namaddr;		/* name[addr] */
	VSTRING *reply;			/* the decision's reply */
	int	recursion;
	int	warn_if_reject;
	CHK_DEFER *defer_if_permit;	/* shared with later stages */
	CHK_DEFER defer_if_reject;
} CHK_STATE;

/* Address resolution (smtpd_check_addr.c). */
#define CHK_RESOLVE_ROUTED	(1<<0)	/* non-local with @ % ! in localpart */
typedef struct CHK_RESOLVED {
	VSTRING *addr;			/* user@domain as it will be delivered */
	int	addr_class;		/* SMTPD_CLASS_* */
	int	flags;			/* CHK_RESOLVE_* */
} CHK_RESOLVED;

extern void chk_addr_init(void);
extern void chk_addr_free(void);
extern int chk_resolve(const char *addr, CHK_RESOLVED *res);
extern int chk_mynetworks_match(const char *name, const char *addr);
extern int chk_inet_interfaces_match(const char *addr);
extern int chk_relay_domains_match(const char *name);
extern int chk_valid_hostname(const char *name);
extern int chk_valid_hostaddr(const char *addr);
extern int chk_valid_ipv4(const char *addr);
extern const char *chk_dsn_fix(const char *status, const char *reply_class);
extern const char *chk_dsn_split(const char *text, const char *def_dsn,
				 char *dsn, size_t dsn_size);
extern int chk_dsn_valid(const char *text);

/* Unknown recipients and senders (smtpd_check_maps.c). */
extern void chk_maps_init(void);
extern void chk_maps_free(void);
extern int chk_unlisted_rcpt(CHK_STATE *state, const char *addr);
extern int chk_unlisted_sender(CHK_STATE *state, const char *addr);
extern int chk_maps_reject_unlisted_rcpt(void);
extern int chk_maps_reject_unlisted_sender(void);

/* Reply and logging (smtpd_check.c). */
extern int chk_reject(CHK_STATE *state, int err_class, int code,
		      const char *dsn, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
extern void chk_defer_if(CHK_DEFER *defer, int err_class, int code,
			 const char *dsn, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
extern void chk_log(CHK_STATE *state, const char *whatsup, const char *text);
extern int chk_server_error(CHK_STATE *state);
extern ARGV *chk_split_list(const char *text);
extern ARGV *chk_class_find(const char *name);

/* Restriction lists (smtpd_check_rest.c). */
extern void chk_rest_init(void);
extern void chk_rest_free(void);
extern int chk_generic(CHK_STATE *state, ARGV *list, const char *reply_name,
		       const char *reply_class, const char *def_acl);

/* Access tables (smtpd_check_access.c). */
extern void chk_access_init(void);
extern void chk_access_free(void);
extern void chk_table_register(const char *name);
extern int chk_table_known(const char *name);
extern int chk_domain_access(CHK_STATE *state, const char *table,
			     const char *domain, int *found,
			     const char *reply_name, const char *reply_class,
			     const char *def_acl);
extern int chk_addr_access(CHK_STATE *state, const char *table,
			   const char *addr, int *found,
			   const char *reply_name, const char *reply_class,
			   const char *def_acl);
extern int chk_namadr_access(CHK_STATE *state, const char *table,
			     const char *name, const char *addr,
			     const char *reply_name, const char *reply_class,
			     const char *def_acl);
extern int chk_mail_access(CHK_STATE *state, const char *table,
			   const char *addr, const char *reply_name,
			   const char *reply_class, const char *def_acl);
extern int chk_plain_access(CHK_STATE *state, const char *table,
			    const char *key, const char *reply_name,
			    const char *reply_class, const char *def_acl);

#endif
