/*
 * rec_type - queue file record types and the sections they belong to
 *
 * One table says, for every type, its name and the sections where it may
 * appear; the reader and the writer in qfile.c both obey it.
 */
#include <stddef.h>

#include "rec_type.h"

#define IN_ENV	(1 << REC_SEC_ENVELOPE)
#define IN_CONT	(1 << REC_SEC_CONTENT)
#define IN_XTRA	(1 << REC_SEC_EXTRACTED)

typedef struct REC_TYPE_INFO {
	int	type;
	const char *name;
	int	sections;		/* bit mask of IN_* */
} REC_TYPE_INFO;

static const REC_TYPE_INFO rec_type_table[] = {
	{REC_TYPE_SIZE, "size", IN_ENV},
	{REC_TYPE_TIME, "time", IN_ENV},
	{REC_TYPE_SENDER, "sender", IN_ENV},
	{REC_TYPE_ATTR, "named_attribute", IN_ENV | IN_XTRA},
	{REC_TYPE_DSN_ENVID, "dsn_envid", IN_ENV},
	{REC_TYPE_DSN_RET, "dsn_ret", IN_ENV},
	{REC_TYPE_ORCPT, "original_recipient", IN_ENV | IN_XTRA},
	{REC_TYPE_DSN_ORCPT, "dsn_orcpt", IN_ENV | IN_XTRA},
	{REC_TYPE_DSN_NOTIFY, "dsn_notify", IN_ENV | IN_XTRA},
	{REC_TYPE_RCPT, "recipient", IN_ENV | IN_XTRA},
	{REC_TYPE_DONE, "done_recipient", IN_ENV | IN_XTRA},
	{REC_TYPE_MESSAGE, "message_content", IN_ENV},
	{REC_TYPE_NORMAL, "regular_text", IN_CONT},
	{REC_TYPE_FRAGMENT, "line_fragment", IN_CONT},
	{REC_TYPE_XTRA, "extracted_info", IN_CONT},
	{REC_TYPE_END, "message_end", IN_XTRA},
};

#define TABLE_LEN (sizeof(rec_type_table) / sizeof(rec_type_table[0]))

static const REC_TYPE_INFO *
rec_type_find(int type)
{
	size_t  i;

	for (i = 0; i < TABLE_LEN; i++)
		if (rec_type_table[i].type == type)
			return (&rec_type_table[i]);
	return (NULL);
}

const char *
rec_type_name(int type)
{
	const REC_TYPE_INFO *ip = rec_type_find(type);

	return (ip ? ip->name : "unknown");
}

int
rec_type_known(int type)
{
	return (rec_type_find(type) != NULL);
}

int
rec_type_allowed(int section, int type)
{
	const REC_TYPE_INFO *ip = rec_type_find(type);

	if (ip == NULL || section < REC_SEC_ENVELOPE || section >= REC_SEC_DONE)
		return (0);
	return ((ip->sections & (1 << section)) != 0);
}

int
rec_type_next_section(int section, int type)
{
	if (section == REC_SEC_ENVELOPE && type == REC_TYPE_MESSAGE)
		return (REC_SEC_CONTENT);
	if (section == REC_SEC_CONTENT && type == REC_TYPE_XTRA)
		return (REC_SEC_EXTRACTED);
	if (section == REC_SEC_EXTRACTED && type == REC_TYPE_END)
		return (REC_SEC_DONE);
	return (section);
}

const char *
rec_type_section_name(int section)
{
	switch (section) {
	case REC_SEC_ENVELOPE:
		return ("envelope");
	case REC_SEC_CONTENT:
		return ("content");
	case REC_SEC_EXTRACTED:
		return ("extracted");
	case REC_SEC_DONE:
		return ("end");
	default:
		return ("unknown");
	}
}
