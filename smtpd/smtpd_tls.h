#ifndef POSTERN_SMTPD_TLS_H
#define POSTERN_SMTPD_TLS_H

/*
 * smtpd_tls.h - STARTTLS and wrapper mode for smtpd(8); see smtpd_tls.c
 */
#include "vstring.h"

struct SMTPD_STATE;

/* Security levels of the server (smtpd_tls_security_level). */
#define SMTPD_TLS_NONE		0
#define SMTPD_TLS_MAY		1
#define SMTPD_TLS_ENCRYPT	2

/* Session ticket keys shared by smtpd processes, in $data_directory. */
#define SMTPD_TLS_TICKET_KEYS	"smtpd_tls_ticket_keys"

extern void smtpd_tls_pre_init(void);
extern int smtpd_tls_level(void);
extern int smtpd_tls_wrapper_mode(void);
extern int smtpd_tls_offer(struct SMTPD_STATE *state);
extern int smtpd_tls_required(struct SMTPD_STATE *state);
extern int smtpd_tls_auth_allowed(struct SMTPD_STATE *state);
extern int smtpd_tls_wrapper_start(struct SMTPD_STATE *state);
extern int smtpd_starttls_cmd(struct SMTPD_STATE *state, const char *arg);
extern void smtpd_tls_received(struct SMTPD_STATE *state);
extern void smtpd_tls_stop(struct SMTPD_STATE *state);

#endif
