#ifndef POSTERN_READLLINE_H
#define POSTERN_READLLINE_H

/*
 * readlline - read one logical line of a Postfix-style text file
 */
#include <stdio.h>

#include "vstring.h"

/*
 * Read the next logical line into buf: comment lines (first non-blank
 * character '#') and blank lines are skipped; a line that starts with
 * white space continues the previous one (its text, leading white space
 * included, is appended without the newline). Trailing white space is
 * removed. *lineno counts physical lines read; *first_line, when not NULL,
 * receives the number of the line where the logical line started.
 * Returns buf, or NULL at end of file. A logical line that starts with
 * white space (a continuation with nothing to continue) is returned as is,
 * so the caller can report it.
 */
extern VSTRING *readlline(VSTRING *buf, FILE *fp, int *lineno, int *first_line);

#endif
