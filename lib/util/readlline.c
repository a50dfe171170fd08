/*
 * readlline - read one logical line of a Postfix-style text file
 *
 *	readlline() joins continuation lines and skips comments and blank
 *	lines; see readlline.h for the exact rules. Used by main.cf,
 *	texthash:, postmap/postalias input and pattern tables, so that
 *	every file an operator writes follows one syntax.
 *
 * Errors: none; end of file or a read error returns NULL (callers check
 * ferror()).
 */
#include <stdio.h>
#include <string.h>
#include <ctype.h>

#include "vstring.h"
#include "readlline.h"

/* Read one physical line without its newline; 0 at EOF. */
static int
read_physical(VSTRING *line, FILE *fp)
{
	int     ch;
	int     got = 0;

	VSTRING_RESET(line);
	while ((ch = getc(fp)) != EOF) {
		got = 1;
		if (ch == '\n')
			break;
		vstring_addch(line, ch);
	}
	/* Tolerate CRLF files. */
	if (vstring_len(line) > 0 && vstring_end(line)[-1] == '\r')
		vstring_truncate(line, vstring_len(line) - 1);
	return (got);
}

static int
is_blank_or_comment(const char *cp)
{
	while (isspace((unsigned char) *cp))
		cp++;
	return (*cp == '\0' || *cp == '#');
}

VSTRING *
readlline(VSTRING *buf, FILE *fp, int *lineno, int *first_line)
{
	static VSTRING *line;
	int     ch;
	size_t  end;

	if (line == NULL)
		line = vstring_alloc(100);
	VSTRING_RESET(buf);

	/* Find the start of the next logical line. */
	for (;;) {
		if (!read_physical(line, fp))
			return (NULL);
		(*lineno)++;
		if (!is_blank_or_comment(vstring_str(line)))
			break;
	}
	if (first_line)
		*first_line = *lineno;
	vstring_memcat(buf, vstring_str(line), vstring_len(line));

	/* Append continuation lines; skip comments and blank lines between. */
	for (;;) {
		ch = getc(fp);
		if (ch == EOF)
			break;
		ungetc(ch, fp);
		if (ch == '\n' || ch == '#' || ch == '\r') {
			/* Blank or comment line between continuations: skip. */
			read_physical(line, fp);
			(*lineno)++;
			if (!is_blank_or_comment(vstring_str(line)))
				vstring_memcat(buf, vstring_str(line), vstring_len(line));
			continue;
		}
		if (ch != ' ' && ch != '\t') {
			/* A new logical line starts here. Stop. */
			break;
		}
		read_physical(line, fp);
		(*lineno)++;
		if (is_blank_or_comment(vstring_str(line)))
			continue;
		vstring_memcat(buf, vstring_str(line), vstring_len(line));
	}

	/* Drop trailing white space. */
	end = vstring_len(buf);
	while (end > 0 && isspace((unsigned char) vstring_str(buf)[end - 1]))
		end--;
	vstring_truncate(buf, end);
	return (buf);
}
