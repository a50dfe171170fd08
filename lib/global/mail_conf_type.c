/*
 * mail_conf_type - typed parameter values
 *
 *	mail_conf_conv_int() reads a decimal integer (optional sign).
 *	mail_conf_conv_bool() reads "yes" or "no" (any case).
 *	mail_conf_conv_time() reads a number with an optional unit
 *	(s, m, h, d, w; the parameter's unit when absent) and gives seconds.
 *	Each checks the bounds it is given.
 *
 * Errors: -1 with Postfix-style wording in why, e.g. "bad numerical
 * configuration: name = value" or "invalid name parameter value 0 < 1".
 */
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "mymalloc.h"
#include "vstring.h"
#include "mail_conf.h"

static int
check_bounds(const char *name, long value, long min, long max, VSTRING *why)
{
	if (value < min) {
		vstring_sprintf(why, "invalid %s parameter value %ld < %ld",
				name, value, min);
		return (-1);
	}
	if (value > max) {
		vstring_sprintf(why, "invalid %s parameter value %ld > %ld",
				name, value, max);
		return (-1);
	}
	return (0);
}

/* Parse [+-]digits completely; -1 on junk or overflow. */
static int
parse_long(const char *value, long *result)
{
	char   *end;
	const char *cp = value;

	if (*cp == '+' || *cp == '-')
		cp++;
	if (!isdigit((unsigned char) *cp))
		return (-1);
	errno = 0;
	*result = strtol(value, &end, 10);
	if (errno == ERANGE || *end != '\0')
		return (-1);
	return (0);
}

int
mail_conf_conv_int(const char *name, const char *value, long min, long max,
		   long *result, VSTRING *why)
{
	if (parse_long(value, result) < 0) {
		vstring_sprintf(why, "bad numerical configuration: %s = %s",
				name, value);
		return (-1);
	}
	return (check_bounds(name, *result, min, max, why));
}

int
mail_conf_conv_bool(const char *name, const char *value, int *result,
		    VSTRING *why)
{
	if (strcasecmp(value, "yes") == 0) {
		*result = 1;
	} else if (strcasecmp(value, "no") == 0) {
		*result = 0;
	} else {
		vstring_sprintf(why, "bad boolean configuration: %s = %s",
				name, value);
		return (-1);
	}
	return (0);
}

int
mail_conf_conv_time(const char *name, const char *value, int unit,
		    long min, long max, long *result, VSTRING *why)
{
	size_t  len = strlen(value);
	char   *number;
	long    count;
	long    scale;
	int     status;

	if (len > 0 && strchr("smhdw", value[len - 1]) != NULL) {
		unit = (unsigned char) value[len - 1];
		len--;
	}
	switch (unit) {
	case 'w':
		scale = 7 * 24 * 3600;
		break;
	case 'd':
		scale = 24 * 3600;
		break;
	case 'h':
		scale = 3600;
		break;
	case 'm':
		scale = 60;
		break;
	default:
		scale = 1;
		break;
	}
	number = mystrndup(value, len);
	status = parse_long(number, &count);
	myfree(number);
	if (status < 0 || count > LONG_MAX / scale || count < LONG_MIN / scale) {
		vstring_sprintf(why, "bad time configuration: %s = %s",
				name, value);
		return (-1);
	}
	*result = count * scale;
	return (check_bounds(name, *result, min, max, why));
}
