/*
 * smtpd_dsn - enhanced status code syntax (RFC 3463)
 *
 *	smtpd_dsn_len() the length of a leading "X.Y.Z" (smtpd_dsn.h).
 *
 * A pure function: no state, no I/O, no errors beyond the 0 answer.
 */
#include <ctype.h>
#include <string.h>

#include "smtpd_dsn.h"

size_t
smtpd_dsn_len(const char *text, const char *ends)
{
	const char *cp = text;
	int	part;
	size_t	digits;

	if (*cp != '2' && *cp != '4' && *cp != '5')
		return (0);
	cp++;
	for (part = 0; part < 2; part++) {
		if (*cp++ != '.')
			return (0);
		for (digits = 0; isdigit((unsigned char) *cp); cp++)
			digits++;
		if (digits == 0 || digits > 3)
			return (0);
	}
	if (*cp != 0 && strchr(ends, *cp) == NULL)
		return (0);
	return ((size_t) (cp - text));
}
