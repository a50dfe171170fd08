/*
 * stringops - small in-place string helpers
 *
 *	mystrtok() returns the next token of *bufp delimited by any of
 *	delim (skipping empty tokens) and advances *bufp; NULL at the end.
 *	mystrtok_brace() does the same, but a token that starts with '{'
 *	extends to the matching '}' (nesting allowed); the braces are kept.
 *	On an unbalanced brace it returns NULL and sets *err.
 *	trim_space() removes leading and trailing white space in place.
 *	lowercase()/uppercase() fold ASCII in place.
 *	split_at() cuts str at the first delim and returns the rest (or
 *	NULL); split_at_right() does so at the last one.
 *	alldig() is true for a non-empty string of digits; allascii() for
 *	a string without bytes above 127.
 */
#include <string.h>
#include <ctype.h>

#include "stringops.h"

char   *
mystrtok(char **bufp, const char *delim)
{
	char   *start = *bufp;
	char   *end;

	start += strspn(start, delim);
	if (*start == '\0') {
		*bufp = start;
		return (NULL);
	}
	end = start + strcspn(start, delim);
	if (*end != '\0')
		*end++ = '\0';
	*bufp = end;
	return (start);
}

char   *
mystrtok_brace(char **bufp, const char *delim, const char **err)
{
	char   *start = *bufp;
	char   *cp;
	int     level;

	*err = NULL;
	start += strspn(start, delim);
	if (*start == '\0') {
		*bufp = start;
		return (NULL);
	}
	if (*start != '{')
		return (mystrtok(bufp, delim));
	for (level = 0, cp = start; *cp; cp++) {
		if (*cp == '{')
			level++;
		else if (*cp == '}' && --level == 0)
			break;
	}
	if (level != 0) {
		*err = "missing '}'";
		return (NULL);
	}
	cp++;
	if (*cp != '\0' && strchr(delim, *cp) == NULL) {
		*err = "text after '}'";
		return (NULL);
	}
	if (*cp != '\0')
		*cp++ = '\0';
	*bufp = cp;
	return (start);
}

char   *
trim_space(char *str)
{
	char   *start = str;
	char   *end;

	while (isspace((unsigned char) *start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	*end = '\0';
	if (start != str)
		memmove(str, start, (size_t) (end - start) + 1);
	return (str);
}

char   *
lowercase(char *str)
{
	char   *cp;

	for (cp = str; *cp; cp++)
		*cp = (char) tolower((unsigned char) *cp);
	return (str);
}

char   *
uppercase(char *str)
{
	char   *cp;

	for (cp = str; *cp; cp++)
		*cp = (char) toupper((unsigned char) *cp);
	return (str);
}

char   *
split_at(char *str, int delim)
{
	char   *cp = strchr(str, delim);

	if (cp != NULL)
		*cp++ = '\0';
	return (cp);
}

char   *
split_at_right(char *str, int delim)
{
	char   *cp = strrchr(str, delim);

	if (cp != NULL)
		*cp++ = '\0';
	return (cp);
}

int
alldig(const char *str)
{
	if (*str == '\0')
		return (0);
	for (; *str; str++)
		if (!isdigit((unsigned char) *str))
			return (0);
	return (1);
}

int
allascii(const char *str)
{
	for (; *str; str++)
		if ((unsigned char) *str > 127)
			return (0);
	return (1);
}
