#ifndef POSTERN_POSTMAP_H
#define POSTERN_POSTMAP_H

/*
 * postmap - what the parts of postmap(1) share
 */
#include <stdio.h>

#include "vstring.h"
#include "dict.h"

/* postmap_file.c: -F, table values made of file content in base64. */
extern int postmap_file_value(const char *files, VSTRING *result, VSTRING *why);
extern int postmap_decode_value(DICT *dict, const char *key, const char *value,
				VSTRING *result);
extern void postmap_base64_encode(const char *data, size_t len, VSTRING *result);
extern int postmap_base64_decode(const char *text, VSTRING *result);

/* postmap_msg.c: -h and -b, lookup keys from an RFC 5322 message. */
typedef struct POSTMAP_MSG POSTMAP_MSG;

extern POSTMAP_MSG *postmap_msg_create(FILE *fp, int want_headers, int want_body);
extern int postmap_msg_key(VSTRING *key, void *context);
extern void postmap_msg_free(POSTMAP_MSG *msg);

#endif
