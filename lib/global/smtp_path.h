#ifndef POSTERN_SMTP_PATH_H
#define POSTERN_SMTP_PATH_H

/*
 * smtp_path - the address argument of MAIL FROM and RCPT TO
 *
 * smtp_path_parse() takes the text after "MAIL FROM:" or "RCPT TO:" and
 * splits it into the address, in Postfix's internal form (local part
 * unquoted: <"a b"@c> gives "a b@c"; <> gives ""), and the ESMTP
 * parameters that follow it (returned as text; smtpd parses them).
 * Leading whitespace is skipped in both modes; the path and the
 * parameters are separated by spaces or tabs.
 *
 * Default (strict_rfc821_envelopes = no), as Postfix: the path may lack
 * its <> (then it ends at the first whitespace), RFC 822 comments are
 * ignored, whitespace may surround the tokens inside <>, the local part
 * may have empty atoms ("a..b", ".a", "a.") or mix quoted and plain words
 * ("a"."b" gives a.b), a backslash may quote a character outside quotes,
 * domains may hold '_' and empty labels, and address literals need only
 * be printable.
 *
 * SMTP_PATH_FLAG_STRICT (strict_rfc821_envelopes = yes): RFC 5321's
 * grammar. This refuses what Postfix's strict mode refuses (a path
 * without <>, comments, phrases) and also whitespace inside <>, a local
 * part that is neither a Dot-string nor one Quoted-string, backslashes
 * outside quotes, domains that are not LDH labels (no '_', no empty or
 * trailing label, no '-' at either end of a label) and address literals
 * that are not IPv4, IPv6: or Tag:content.
 *
 * Both modes: a source route (<@a,@b:user@c>) is dropped, as RFC 5321
 * section 4.1.1.3 asks (info says so); an empty local part, an empty
 * domain after '@', control characters, a second path, or anything but
 * whitespace right after '>' are refused; bytes >= 0x80 in the address
 * need SMTP_PATH_FLAG_UTF8 (SMTPUTF8 was given) and must be UTF-8. A
 * quoted '@' in a path without domain (<"a@b">) is refused: its internal
 * form would read as user a at domain b. Where Postfix accepts garbage
 * such as <<a@b>>, <a@b>>, <a@"b">, <a@>, <a@b@c>, <@b> or <[1.2.3.4]>,
 * postern refuses it.
 *
 *	smtp_path_alloc(), smtp_path_free() the result holder.
 *	smtp_path_parse() 0, or -1 with a reason in why (for the log and the
 *	501 reply: "missing '>'", "comment not allowed", ...).
 */
#include "vstring.h"

typedef struct SMTP_PATH {
	VSTRING *addr;			/* internal form; "" for <> */
	VSTRING *params;		/* ESMTP parameters, or "" */
	int	info;			/* SMTP_PATH_INFO_* below */
} SMTP_PATH;

/* smtp_path_parse() flags. */
#define SMTP_PATH_FLAG_STRICT	(1 << 0)	/* strict_rfc821_envelopes */
#define SMTP_PATH_FLAG_UTF8	(1 << 1)	/* SMTPUTF8 in effect */

/* What the parser found. */
#define SMTP_PATH_INFO_NULL	(1 << 0)	/* the null path <> */
#define SMTP_PATH_INFO_ROUTE	(1 << 1)	/* a source route was dropped */
#define SMTP_PATH_INFO_BARE	(1 << 2)	/* no <> (lenient mode only) */
#define SMTP_PATH_INFO_8BIT	(1 << 3)	/* non-ASCII address */

extern SMTP_PATH *smtp_path_alloc(void);
extern void smtp_path_free(SMTP_PATH *path);
extern int smtp_path_parse(SMTP_PATH *path, const char *arg, int flags,
			           VSTRING *why);

#endif
