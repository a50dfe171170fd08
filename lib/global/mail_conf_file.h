#ifndef POSTERN_MAIL_CONF_FILE_H
#define POSTERN_MAIL_CONF_FILE_H

/*
 * mail_conf_file - the main.cf file syntax
 *
 * Logical lines as readlline() returns them ("#" comments and blank
 * lines skipped, a line that starts with white space continues the
 * previous one), each of the form "name = value" with optional white
 * space around "=". The name is everything up to white space or "=";
 * the value starts at the first non-blank character after "=" and keeps
 * its inner white space. A logical line that itself starts with white
 * space (possible only at the top of the file) is ignored with Postfix's
 * warning.
 */
#include <stdio.h>

#include "vstring.h"

/* Called for each "name = value" in file order; line is where it starts. */
typedef void (*MAIL_CONF_FILE_FN) (const char *name, const char *value,
				     int line, void *context);

/*
 * Parse fp; path names the file in messages. Returns 0, or -1 with the
 * reason in why: "PATH, line N: missing '=' after attribute name: ...",
 * "PATH, line N: missing attribute name: ..." or "read PATH: ...".
 */
extern int mail_conf_file_parse(FILE *fp, const char *path,
				MAIL_CONF_FILE_FN fn, void *context,
				VSTRING *why);

/*
 * Split one "name = value" text (as postconf -e takes it) in place.
 * Returns 0 and sets *name and *value (both trimmed), or -1 with
 * "missing '=' after attribute name: ..." or "missing attribute name:
 * ..." in why.
 */
extern int mail_conf_file_split(char *text, char **name, char **value,
				VSTRING *why);

#endif
