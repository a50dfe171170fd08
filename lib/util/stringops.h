#ifndef POSTERN_STRINGOPS_H
#define POSTERN_STRINGOPS_H

/*
 * stringops - small in-place string helpers
 */
#include <stddef.h>

/* Separators used by list-valued parameters, as in Postfix. */
#define CHARS_COMMA_SP	", \t\r\n"
#define CHARS_SPACE	" \t\r\n"

extern char *mystrtok(char **bufp, const char *delim);
extern char *mystrtok_brace(char **bufp, const char *delim, const char **err);
extern char *trim_space(char *str);
extern char *lowercase(char *str);
extern char *uppercase(char *str);
extern char *split_at(char *str, int delim);
extern char *split_at_right(char *str, int delim);
extern int alldig(const char *str);
extern int allascii(const char *str);

#endif
