#ifndef POSTERN_ERROR_DSN_H
#define POSTERN_ERROR_DSN_H

/*
 * error_dsn - split "4.1.1 text" into an RFC 3463 code and the text
 *
 *	error_dsn_split() stores the leading code of text in status (class
 *		2, 4 or 5, subject and detail of 1-3 digits, then space or
 *		end), or def when there is none; returns the rest of the
 *		text with leading blanks skipped.
 */

#include "vstring.h"

extern const char *error_dsn_split(VSTRING *status, const char *text,
				   const char *def);

#endif
