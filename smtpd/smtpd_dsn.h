#ifndef POSTERN_SMTPD_DSN_H
#define POSTERN_SMTPD_DSN_H

/*
 * smtpd_dsn - enhanced status code syntax (RFC 3463), shared by the reply
 * formatter (smtpd_reply.c) and the restriction engine (smtpd_check*.c)
 *
 *	smtpd_dsn_len() the length of the "X.Y.Z" that text starts with
 *	(X is 2, 4 or 5; Y and Z one to three digits), when it is followed
 *	by the end of the text or by one of the characters in ends; else 0.
 */
#include <stddef.h>

extern size_t smtpd_dsn_len(const char *text, const char *ends);

#endif
