#ifndef POSTERN_SASL_CLIENT_H
#define POSTERN_SASL_CLIENT_H

/*
 * sasl_client - the client side of SMTP AUTH: PLAIN and LOGIN
 *
 * postern authenticates to relays with the two mechanisms every server
 * offers; no Cyrus library. The SMTP client drives it:
 *
 *	sasl_client_create(offered, filter, user, pass, why) picks a
 *	mechanism from the server's EHLO AUTH list ("LOGIN PLAIN CRAM-MD5",
 *	case-insensitive), keeping only those in filter
 *	(smtp_sasl_mechanism_filter, a list of names; "" = no filter):
 *	PLAIN first, then LOGIN. NULL with why ("no mechanism available
 *	(offered: CRAM-MD5)") when none fits.
 *	sasl_client_mech() is the chosen name ("PLAIN").
 *	sasl_client_first(sc, out) sets out to the initial response for the
 *	AUTH command in base64 (PLAIN: base64 of NUL user NUL pass), or
 *	empty when the mechanism has none (LOGIN).
 *	sasl_client_next(sc, challenge, out, why) answers a 334 challenge
 *	(base64 text after "334 "): LOGIN's "Username:" then "Password:";
 *	0 with out set, -1 with why on a bad challenge or a third one.
 *	sasl_client_free() wipes the password from memory and frees.
 *
 *	sasl_passwd_split(value, &user, &pass) splits a
 *	smtp_sasl_password_maps result "user:password" at the first colon
 *	(the password may contain colons); 0, or -1 when there is none.
 *	Both are new strings (myfree).
 *
 *	sasl_security_options(text, why) parses
 *	smtp_sasl_security_options / smtp_sasl_tls_security_options
 *	("noplaintext, noanonymous", "noactive", "nodictionary",
 *	"mutual_auth", "forward_secrecy", "" ) into SASL_SEC_* bits; -1
 *	with why for an unknown word. PLAIN and LOGIN are plaintext
 *	mechanisms, so SASL_SEC_NOPLAINTEXT forbids them:
 *	sasl_client_create() is then given the filtered list by the caller
 *	(sasl_mech_allowed(name, bits) says whether a mechanism passes).
 */
#include "vstring.h"

#define SASL_SEC_NOPLAINTEXT	(1 << 0)
#define SASL_SEC_NOACTIVE	(1 << 1)
#define SASL_SEC_NODICTIONARY	(1 << 2)
#define SASL_SEC_NOANONYMOUS	(1 << 3)
#define SASL_SEC_MUTUAL_AUTH	(1 << 4)
#define SASL_SEC_FORWARD_SECRECY (1 << 5)

typedef struct SASL_CLIENT SASL_CLIENT;

extern SASL_CLIENT *sasl_client_create(const char *offered,
				       const char *filter, const char *user,
				       const char *pass, VSTRING *why);
extern const char *sasl_client_mech(const SASL_CLIENT *sc);
extern void sasl_client_first(SASL_CLIENT *sc, VSTRING *out);
extern int sasl_client_next(SASL_CLIENT *sc, const char *challenge,
			    VSTRING *out, VSTRING *why);
extern void sasl_client_free(SASL_CLIENT *sc);

extern int sasl_passwd_split(const char *value, char **user, char **pass);
extern int sasl_security_options(const char *text, VSTRING *why);
extern int sasl_mech_allowed(const char *mech, int sec_bits);

#endif
