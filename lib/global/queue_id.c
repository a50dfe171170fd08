/*
 * queue_id - queue file names (queue IDs) and their hash directories
 *
 * See queue_id.h for the two shapes. Decoding is strict and canonical:
 * a valid ID is exactly what queue_id_make() produces for some inode and
 * time, so there is one name per file and nothing else gets through.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "msg.h"
#include "vstring.h"
#include "queue_id.h"

/* Digits of long IDs: no vowels, so no words. Index = digit value. */
static const char queue_id_b52[] =
	"0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

#define B52	52
#define B51	51			/* inode digits: all but the final 'z' */
#define USEC_LIMIT 1000000UL

/* Value of a base-52 digit, or -1. */
static int
b52_value(int ch)
{
	const char *cp;

	if (ch == 0 || (cp = strchr(queue_id_b52, ch)) == NULL)
		return (-1);
	return ((int) (cp - queue_id_b52));
}

/* Value of a hex digit (upper case only), or -1. */
static int
hex_value(int ch)
{
	if (ch >= '0' && ch <= '9')
		return (ch - '0');
	if (ch >= 'A' && ch <= 'F')
		return (ch - 'A' + 10);
	return (-1);
}

/* Append value in base (51 or 52), at least min_digits, most significant first. */
static void
append_base(VSTRING *out, uint64_t value, unsigned base, size_t min_digits)
{
	char    tmp[QUEUE_ID_MAXLEN];
	size_t  n = 0;

	do {
		tmp[n++] = queue_id_b52[value % base];
		value /= base;
	} while (value != 0);
	while (n < min_digits)
		tmp[n++] = '0';
	while (n > 0)
		vstring_addch(out, tmp[--n]);
}

VSTRING *
queue_id_make(VSTRING *id, int kind, uint64_t inode, const struct timeval *tv)
{
	unsigned long usec = (unsigned long) tv->tv_usec;

	if (tv->tv_sec < 0 || tv->tv_usec < 0 || usec >= USEC_LIMIT)
		msg_panic("queue_id_make: bad time %ld.%ld",
			  (long) tv->tv_sec, (long) tv->tv_usec);
	switch (kind) {
	case QUEUE_ID_SHORT:
		vstring_sprintf(id, "%05lX%llX", usec, (unsigned long long) inode);
		break;
	case QUEUE_ID_LONG:
		VSTRING_RESET(id);
		append_base(id, (uint64_t) tv->tv_sec, B52, QUEUE_ID_LONG_SEC_MIN);
		append_base(id, usec, B52, QUEUE_ID_LONG_USEC_LEN);
		vstring_addch(id, QUEUE_ID_LONG_SEP);
		append_base(id, inode, B51, 1);
		break;
	default:
		msg_panic("queue_id_make: unknown kind %d", kind);
	}
	return (id);
}

int
queue_id_assign(VSTRING *id, int kind, int fd, struct timeval *tv)
{
	struct stat st;
	struct timeval now;

	if (fstat(fd, &st) < 0)
		return (-1);
	if (gettimeofday(&now, NULL) < 0)
		return (-1);
	queue_id_make(id, kind, (uint64_t) st.st_ino, &now);
	if (tv != NULL)
		*tv = now;
	return (0);
}

/*
 * Accumulate digits [start, end) of str in base into *value; 0 on a bad
 * digit, on overflow, or (when more than min_digits) on a leading zero.
 */
static int
decode_digits(const char *start, const char *end, unsigned base,
	              size_t min_digits, uint64_t *value)
{
	const char *cp;
	uint64_t v = 0;
	int     d;

	if ((size_t) (end - start) > min_digits && *start == '0')
		return (0);
	for (cp = start; cp < end; cp++) {
		d = (base == 16) ? hex_value((unsigned char) *cp) :
			b52_value((unsigned char) *cp);
		if (d < 0 || (unsigned) d >= base)
			return (0);
		if (v > (UINT64_MAX - (uint64_t) d) / base)
			return (0);
		v = v * base + (uint64_t) d;
	}
	*value = v;
	return (1);
}

static int
parse_short(const char *id, size_t len, QUEUE_ID_INFO *info)
{
	uint64_t usec;
	uint64_t inode;

	if (len <= QUEUE_ID_SHORT_USEC_LEN)
		return (0);
	/* The microseconds have a fixed width: leading zeros are expected. */
	if (!decode_digits(id, id + QUEUE_ID_SHORT_USEC_LEN, 16,
			   QUEUE_ID_SHORT_USEC_LEN, &usec) || usec >= USEC_LIMIT)
		return (0);
	if (!decode_digits(id + QUEUE_ID_SHORT_USEC_LEN, id + len, 16, 1, &inode))
		return (0);
	info->kind = QUEUE_ID_SHORT;
	info->sec = 0;
	info->usec = (unsigned long) usec;
	info->inode = inode;
	return (1);
}

static int
parse_long(const char *id, size_t len, QUEUE_ID_INFO *info)
{
	const char *sep = strrchr(id, QUEUE_ID_LONG_SEP);
	const char *usec_start;
	uint64_t sec;
	uint64_t usec;
	uint64_t inode;

	if (sep == NULL || sep == id + len - 1)
		return (0);
	if ((size_t) (sep - id) < QUEUE_ID_LONG_SEC_MIN + QUEUE_ID_LONG_USEC_LEN)
		return (0);
	usec_start = sep - QUEUE_ID_LONG_USEC_LEN;
	if (!decode_digits(id, usec_start, B52, QUEUE_ID_LONG_SEC_MIN, &sec)
	    || !decode_digits(usec_start, sep, B52, QUEUE_ID_LONG_USEC_LEN, &usec)
	    || usec >= USEC_LIMIT
	    || !decode_digits(sep + 1, id + len, B51, 1, &inode))
		return (0);
	info->kind = QUEUE_ID_LONG;
	info->sec = sec;
	info->usec = (unsigned long) usec;
	info->inode = inode;
	return (1);
}

int
queue_id_parse(const char *id, QUEUE_ID_INFO *info)
{
	QUEUE_ID_INFO dummy;
	size_t  len;

	if (id == NULL)
		return (0);
	if (info == NULL)
		info = &dummy;
	len = strnlen(id, QUEUE_ID_MAXLEN + 1);
	if (len == 0 || len > QUEUE_ID_MAXLEN)
		return (0);
	/* Only long IDs contain 'z'; only short IDs may contain 'A' or 'E'. */
	if (memchr(id, QUEUE_ID_LONG_SEP, len) != NULL)
		return (parse_long(id, len, info));
	return (parse_short(id, len, info));
}

int
queue_id_ok(const char *id)
{
	return (queue_id_parse(id, NULL));
}

int
queue_id_short_ok(const char *id)
{
	QUEUE_ID_INFO info;

	return (queue_id_parse(id, &info) && info.kind == QUEUE_ID_SHORT);
}

int
queue_id_long_ok(const char *id)
{
	QUEUE_ID_INFO info;

	return (queue_id_parse(id, &info) && info.kind == QUEUE_ID_LONG);
}

int
queue_id_hash_dirs(VSTRING *dirs, const char *id, int depth)
{
	QUEUE_ID_INFO info;
	char    hex[QUEUE_ID_SHORT_USEC_LEN + 1];
	int     i;

	VSTRING_RESET(dirs);
	if (depth < 0 || depth > QUEUE_ID_HASH_DEPTH_MAX
	    || !queue_id_parse(id, &info))
		return (-1);
	/* Both shapes hash on the hex microseconds (man 5 postconf). */
	if (snprintf(hex, sizeof(hex), "%05lX", info.usec)
	    != QUEUE_ID_SHORT_USEC_LEN)
		msg_panic("queue_id_hash_dirs: microseconds %lu", info.usec);
	for (i = 0; i < depth; i++) {
		vstring_addch(dirs, hex[i]);
		vstring_addch(dirs, '/');
	}
	return (0);
}

int
queue_id_path(VSTRING *path, const char *queue_name, const char *id, int depth)
{
	VSTRING *dirs = vstring_alloc(2 * QUEUE_ID_HASH_DEPTH_MAX + 1);
	int     ret;

	VSTRING_RESET(path);
	if ((ret = queue_id_hash_dirs(dirs, id, depth)) == 0)
		vstring_sprintf(path, "%s/%s%s", queue_name, vstring_str(dirs), id);
	vstring_free(dirs);
	return (ret);
}
