/*
 * dict_entry - read and split the text form of lookup tables
 *
 *	dict_split_entry() splits "key whitespace value" in place. A key may
 *	contain white space inside double quotes; a backslash, inside or
 *	outside quotes, makes the next character (a blank, '"', '\') an
 *	ordinary key character. As in Postfix the key keeps its quotes and
 *	backslashes, so the lookup key is the text as written.
 *	dict_read_line() reads the next logical line with readlline() and
 *	skips, with Postfix's warning, a logical line that starts with white
 *	space (a continuation with nothing to continue).
 *
 * Errors: dict_split_entry() returns -1 with Postfix's reason in why;
 * dict_read_line() returns NULL at end of file or on a read error
 * (callers check ferror()).
 */
#include <ctype.h>
#include <string.h>

#include "msg.h"
#include "vstring.h"
#include "readlline.h"
#include "dict.h"
#include "dict_priv.h"

int
dict_split_entry(char *line, char **key, char **value, VSTRING *why)
{
	char   *cp = line;
	char   *end;
	int     in_quote = 0;

	while (*cp && (in_quote || !isspace((unsigned char) *cp))) {
		if (*cp == '"')
			in_quote = !in_quote;
		else if (*cp == '\\' && cp[1] != '\0')
			cp++;
		cp++;
	}
	if (in_quote) {
		vstring_sprintf(why, "unbalanced '\"' in '%s'", line);
		return (-1);
	}
	if (*cp == '\0' || cp == line) {
		vstring_strcpy(why, "expected format: key whitespace value");
		return (-1);
	}
	*cp++ = '\0';
	while (isspace((unsigned char) *cp))
		cp++;
	end = cp + strlen(cp);
	while (end > cp && isspace((unsigned char) end[-1]))
		*--end = '\0';
	if (*cp == '\0') {
		vstring_strcpy(why, "expected format: key whitespace value");
		return (-1);
	}
	*key = line;
	*value = cp;
	return (0);
}

VSTRING *
dict_read_line(VSTRING *buf, FILE *fp, const char *name, int *lineno,
	       int *first_line)
{
	while (readlline(buf, fp, lineno, first_line) != NULL) {
		if (!isspace((unsigned char) *vstring_str(buf)))
			return (buf);
		/* Postfix shows at most 30 characters of the line. */
		msg_warn("%s: logical line must not start with whitespace: \"%.30s%s\"",
			 name, vstring_str(buf), vstring_len(buf) > 30 ? "..." : "");
	}
	return (NULL);
}
