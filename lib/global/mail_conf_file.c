/*
 * mail_conf_file - the main.cf file syntax
 *
 *	mail_conf_file_parse() reads a main.cf stream and reports each
 *	entry to a callback.
 *	mail_conf_file_split() splits one "name = value" text.
 *
 * Errors: the first syntax error ends the parse with -1 and a reason
 * naming file and line; a logical line that starts with white space is
 * only warned about (msg_warn), as Postfix does. Nothing here exits.
 */
#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>

#include "msg.h"
#include "vstring.h"
#include "readlline.h"
#include "stringops.h"
#include "mail_conf_file.h"

/* The name ends at white space or '='. */
static size_t
name_span(const char *cp)
{
	size_t  len = 0;

	while (cp[len] && cp[len] != '=' && !isspace((unsigned char) cp[len]))
		len++;
	return (len);
}

int
mail_conf_file_split(char *text, char **name, char **value, VSTRING *why)
{
	char   *cp;
	char   *copy;
	size_t  len;

	while (isspace((unsigned char) *text))
		text++;
	len = name_span(text);
	if (len == 0) {
		vstring_sprintf(why, "missing attribute name: \"%s\"", text);
		return (-1);
	}
	cp = text + len;
	while (isspace((unsigned char) *cp))
		cp++;
	if (*cp != '=') {
		vstring_sprintf(why, "missing '=' after attribute name: \"%s\"",
				text);
		return (-1);
	}
	copy = cp + 1;
	text[len] = '\0';
	*name = text;
	*value = trim_space(copy);
	return (0);
}

int
mail_conf_file_parse(FILE *fp, const char *path, MAIL_CONF_FILE_FN fn,
		     void *context, VSTRING *why)
{
	VSTRING *buf = vstring_alloc(100);
	int     lineno = 0;
	int     first = 0;
	char   *text;
	char   *name;
	char   *value;
	int     status = 0;

	while (readlline(buf, fp, &lineno, &first) != NULL) {
		text = vstring_str(buf);
		if (isspace((unsigned char) *text)) {
			/* Postfix ignores it and shows its first 30 bytes. */
			msg_warn("%s: logical line must not start with "
				 "whitespace: \"%.30s%s\"", path, text,
				 strlen(text) > 30 ? "..." : "");
			continue;
		}
		if (mail_conf_file_split(text, &name, &value, why) < 0) {
			/* Prepend the location to the reason. */
			VSTRING *reason = vstring_alloc(100);

			vstring_strcpy(reason, vstring_str(why));
			vstring_sprintf(why, "%s, line %d: %s", path, first,
					vstring_str(reason));
			vstring_free(reason);
			status = -1;
			break;
		}
		fn(name, value, first, context);
	}
	if (status == 0 && ferror(fp)) {
		vstring_sprintf(why, "read %s: %s", path, strerror(errno));
		status = -1;
	}
	vstring_free(buf);
	return (status);
}
