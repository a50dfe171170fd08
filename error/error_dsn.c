/*
 * error_dsn - the optional status code in front of an error text
 *
 *	error_dsn_split() see error_dsn.h.
 */

#include <string.h>

#include "vstring.h"
#include "error_dsn.h"

/* Length of a run of 1..3 digits at cp, else 0. */
static size_t
error_digits(const char *cp)
{
	size_t  n = strspn(cp, "0123456789");

	return (n >= 1 && n <= 3 ? n : 0);
}

const char *
error_dsn_split(VSTRING *status, const char *text, const char *def)
{
	const char *cp = text;
	size_t  n;

	if ((cp[0] == '2' || cp[0] == '4' || cp[0] == '5') && cp[1] == '.'
	    && (n = error_digits(cp + 2)) != 0 && cp[2 + n] == '.') {
		const char *detail = cp + 3 + n;
		size_t  m = error_digits(detail);

		if (m != 0 && (detail[m] == 0 || detail[m] == ' '
			       || detail[m] == '\t')) {
			vstring_strncpy(status, text, (size_t) (detail + m - text));
			cp = detail + m;
			cp += strspn(cp, " \t");
			return (cp);
		}
	}
	vstring_strcpy(status, def);
	return (text + strspn(text, " \t"));
}
