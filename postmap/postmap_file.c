/*
 * postmap_file - table values that carry file content (postmap -F)
 *
 *	postmap_file_value() reads the files named in a value (separated by
 *	commas and/or white space), joins their content with a newline
 *	between files, and returns it base64-encoded.
 *	postmap_decode_value() undoes that when a value is printed; it is
 *	the MKMAP_DECODE_FN for "postmap -F -q" and "postmap -F -s".
 *	postmap_base64_encode()/postmap_base64_decode() are RFC 4648 base64
 *	with padding.
 *
 * Errors: postmap_file_value() returns -1 with a reason naming the file;
 * postmap_decode_value() warns and returns -1 for a value that is not
 * base64; postmap_base64_decode() returns -1 for malformed input.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "stringops.h"
#include "dict.h"
#include "postmap.h"

static const char b64_alphabet[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
postmap_base64_encode(const char *data, size_t len, VSTRING *result)
{
	const unsigned char *cp = (const unsigned char *) data;
	unsigned long word;
	size_t  i;

	VSTRING_RESET(result);
	for (i = 0; i + 3 <= len; i += 3) {
		word = (unsigned long) cp[i] << 16 | (unsigned long) cp[i + 1] << 8
			| cp[i + 2];
		vstring_addch(result, b64_alphabet[(word >> 18) & 077]);
		vstring_addch(result, b64_alphabet[(word >> 12) & 077]);
		vstring_addch(result, b64_alphabet[(word >> 6) & 077]);
		vstring_addch(result, b64_alphabet[word & 077]);
	}
	if (len - i == 1) {
		word = (unsigned long) cp[i] << 16;
		vstring_addch(result, b64_alphabet[(word >> 18) & 077]);
		vstring_addch(result, b64_alphabet[(word >> 12) & 077]);
		vstring_strcat(result, "==");
	} else if (len - i == 2) {
		word = (unsigned long) cp[i] << 16 | (unsigned long) cp[i + 1] << 8;
		vstring_addch(result, b64_alphabet[(word >> 18) & 077]);
		vstring_addch(result, b64_alphabet[(word >> 12) & 077]);
		vstring_addch(result, b64_alphabet[(word >> 6) & 077]);
		vstring_addch(result, '=');
	}
}

/* Value of one base64 digit, or -1. */
static int
b64_digit(int ch)
{
	const char *cp;

	if (ch == '\0' || (cp = strchr(b64_alphabet, ch)) == NULL)
		return (-1);
	return ((int) (cp - b64_alphabet));
}

int
postmap_base64_decode(const char *text, VSTRING *result)
{
	size_t  len = strlen(text);
	size_t  i;
	int     d[4];
	int     j;
	int     pad;

	VSTRING_RESET(result);
	if (len % 4 != 0)
		return (-1);
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (j = 0; j < 4; j++) {
			if (text[i + j] == '=' && i + 4 == len && j >= 2) {
				d[j] = 0;
				pad++;
			} else if (pad > 0 || (d[j] = b64_digit(text[i + j])) < 0) {
				return (-1);
			}
		}
		vstring_addch(result, (d[0] << 2 | d[1] >> 4) & 0xff);
		if (pad < 2)
			vstring_addch(result, (d[1] << 4 | d[2] >> 2) & 0xff);
		if (pad < 1)
			vstring_addch(result, (d[2] << 6 | d[3]) & 0xff);
	}
	return (0);
}

int
postmap_file_value(const char *files, VSTRING *result, VSTRING *why)
{
	VSTRING *content = vstring_alloc(1024);
	char   *copy = mystrdup(files);
	char   *bp = copy;
	char   *name;
	char    buf[8192];
	size_t  n;
	FILE   *fp;
	int     first = 1;
	int     status = 0;

	while ((name = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
		if (!first)
			vstring_addch(content, '\n');
		first = 0;
		if ((fp = fopen(name, "r")) == NULL) {
			vstring_sprintf(why, "open %s: %s", name, strerror(errno));
			status = -1;
			break;
		}
		while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
			vstring_memcat(content, buf, n);
		if (ferror(fp)) {
			vstring_sprintf(why, "read %s: %s", name, strerror(errno));
			status = -1;
		}
		fclose(fp);
		if (status < 0)
			break;
	}
	if (status == 0)
		postmap_base64_encode(vstring_str(content), vstring_len(content),
				      result);
	myfree(copy);
	vstring_free(content);
	return (status);
}

int
postmap_decode_value(DICT *dict, const char *key, const char *value,
		     VSTRING *result)
{
	if (postmap_base64_decode(value, result) < 0) {
		msg_warn("table %s:%s: key %s: malformed BASE64 value: %s",
			 dict_type(dict), dict_name(dict), key, value);
		return (-1);
	}
	return (0);
}
