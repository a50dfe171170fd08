#ifndef POSTERN_SMTPD_CHECK_H
#define POSTERN_SMTPD_CHECK_H

/*
 * smtpd_check - SMTP access restrictions (smtpd_*_restrictions)
 *
 * The restriction engine knows nothing of the session structure: smtpd
 * fills an SMTPD_CHECK_ARGS from its state and asks one question per
 * SMTP stage. Evaluation follows Postfix: each list is evaluated left to
 * right; the first permit/reject/defer decides the list; "dunno" and the
 * end of the list go on to the next list. At RCPT time
 * smtpd_relay_restrictions and then smtpd_recipient_restrictions are
 * evaluated; with smtpd_delay_reject = yes (the default) the client, helo
 * and sender restrictions are evaluated at RCPT time too (before them),
 * and smtpd_check_client/helo/mail only answer OK.
 *
 *	smtpd_check_init() reads every restriction parameter from mail_conf
 *		and opens the tables they name; runs before chroot. As in
 *		Postfix 3.7, an unknown restriction name is found when it is
 *		evaluated: a warning and "451 4.3.5 Server configuration
 *		error"; a configuration without relay control is fatal.
 *	smtpd_check_client/helo/mail/rcpt/etrn/data/eod() one stage each.
 *		They return SMTPD_CHECK_OK or a decision with the complete
 *		SMTP reply in "reply" (e.g. "554 5.7.1 <u@example.com>:
 *		Relay access denied") and log Postfix's line:
 *		"NOQUEUE: reject: RCPT from host[addr]: 554 5.7.1 <u@x>:
 *		Relay access denied; from=<s> to=<u@x> proto=ESMTP helo=<h>"
 *		(queue_id instead of NOQUEUE when args->queue_id is set).
 *	smtpd_check_mynetworks() 1 when the client is in mynetworks.
 *	smtpd_check_addr_class() the address class of a recipient domain
 *		(local, virtual alias, virtual mailbox, relay, default) from
 *		mydestination + inet_interfaces/proxy_interfaces literals,
 *		virtual_alias_domains, virtual_mailbox_domains,
 *		relay_domains, as trivial-rewrite will resolve it.
 *
 * Lookup errors (a table that cannot be read) give SMTPD_CHECK_DEFER with
 * "451 4.3.0 <...>: Temporary lookup failure", never a silent permit.
 */

#include "vstring.h"

#define SMTPD_CHECK_OK		0	/* permitted, or no decision */
#define SMTPD_CHECK_REJECT	1	/* 5xx in reply */
#define SMTPD_CHECK_DEFER	2	/* 4xx in reply */

/* Address classes (smtpd_check_addr_class()). */
#define SMTPD_CLASS_LOCAL	1
#define SMTPD_CLASS_ALIAS	2
#define SMTPD_CLASS_VIRTUAL	3
#define SMTPD_CLASS_RELAY	4
#define SMTPD_CLASS_DEFAULT	5
#define SMTPD_CLASS_ERROR	(-1)	/* lookup error */

typedef struct SMTPD_CHECK_ARGS {
	const char *queue_id;		/* NULL: "NOQUEUE" */
	const char *client_name;	/* verified name or "unknown" */
	const char *reverse_client_name;	/* PTR name or "unknown" */
	const char *client_addr;	/* printable IP address */
	const char *client_port;	/* decimal port */
	const char *helo_name;		/* NULL: none given yet */
	const char *protocol;		/* "SMTP", "ESMTP", ... */
	const char *sender;		/* NULL before MAIL; "" null sender */
	const char *recipient;		/* RCPT stage only */
	const char *etrn_domain;	/* ETRN stage only */
	const char *sasl_username;	/* NULL: not authenticated */
	int	recipient_count;	/* accepted so far in this transaction */
} SMTPD_CHECK_ARGS;

extern void smtpd_check_init(void);
extern int smtpd_check_client(const SMTPD_CHECK_ARGS *args, VSTRING *reply);
extern int smtpd_check_helo(const SMTPD_CHECK_ARGS *args, VSTRING *reply);
extern int smtpd_check_mail(const SMTPD_CHECK_ARGS *args, VSTRING *reply);
extern int smtpd_check_rcpt(const SMTPD_CHECK_ARGS *args, VSTRING *reply);
extern int smtpd_check_etrn(const SMTPD_CHECK_ARGS *args, VSTRING *reply);
extern int smtpd_check_data(const SMTPD_CHECK_ARGS *args, VSTRING *reply);
extern int smtpd_check_eod(const SMTPD_CHECK_ARGS *args, VSTRING *reply);
extern int smtpd_check_mynetworks(const char *client_addr);
extern int smtpd_check_addr_class(const char *domain);

#endif
