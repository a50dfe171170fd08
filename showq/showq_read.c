/*
 * showq_read - read what the queue listing shows about one message
 *
 *	showq_read_message() reads a queue file: the SIZE record (content
 *		size, content offset), TIME, SENDER and RCPT records of the
 *		envelope, then jumps over the content (SIZE says where it
 *		ends) to the RCPT records of the extracted section and the END
 *		record. Without a usable SIZE record (maildrop files) it reads
 *		the content sequentially. DONE recipients are not listed.
 *	showq_read_reasons() reads a defer log: records of name=value lines,
 *		each ended by an empty line, as bounce(8) writes them; only
 *		the recipient ("rcpt", or Postfix's "recipient") and "reason"
 *		are used. A last record without its empty line is ignored.
 *	showq_printable() replaces ASCII control characters with '?', so
 *		that no byte from a queue file can break a listing.
 *
 * Errors: showq_read_message() returns the QFILE status of a damaged or
 * incomplete file (the caller skips that message); nothing here logs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "htable.h"
#include "qfile.h"
#include "rec_type.h"
#include "showq.h"

void
showq_msg_init(SHOWQ_MSG *msg)
{
	msg->arrival = -1;
	msg->size = -1;
	msg->sender = vstring_alloc(100);
	msg->have_sender = 0;
	msg->rcpts = argv_alloc(10);
}

void
showq_msg_free(SHOWQ_MSG *msg)
{
	vstring_free(msg->sender);
	argv_free(msg->rcpts);
}

char   *
showq_printable(char *str)
{
	unsigned char *cp;

	for (cp = (unsigned char *) str; *cp; cp++)
		if (*cp < 0x20 || *cp == 0x7f)
			*cp = '?';
	return (str);
}

/* SIZE: "content_size data_offset rcpt_count", right-aligned numbers. */
static int
showq_parse_size(const char *data, long *size, long *offset)
{
	char   *end;

	*size = strtol(data, &end, 10);
	if (end == data || *size < 0)
		return (-1);
	data = end;
	*offset = strtol(data, &end, 10);
	if (end == data || *offset < 0)
		return (-1);
	return (0);
}

/* Keep one printable recipient, unless the limit is reached. */
static void
showq_add_rcpt(SHOWQ_MSG *msg, VSTRING *buf, size_t max_rcpt)
{
	if (max_rcpt == 0 || msg->rcpts->len < max_rcpt)
		argv_add(msg->rcpts, showq_printable(vstring_str(buf)));
}

int
showq_read_message(QFILE *qf, SHOWQ_MSG *msg, off_t file_size,
		   size_t max_rcpt)
{
	VSTRING *buf = vstring_alloc(100);
	long    content_size = -1;
	long    content_offset = -1;
	int     type;
	int     ret = 0;

	/* Envelope, up to and including MESSAGE. */
	while ((type = qfile_read_rec(qf, buf)) > 0 && type != REC_TYPE_MESSAGE) {
		switch (type) {
		case REC_TYPE_SIZE:
			if (showq_parse_size(vstring_str(buf), &content_size,
					     &content_offset) < 0)
				content_size = content_offset = -1;
			else
				msg->size = content_size;
			break;
		case REC_TYPE_TIME:
			if (msg->arrival < 0)
				msg->arrival = atol(vstring_str(buf));
			break;
		case REC_TYPE_SENDER:
			if (vstring_len(buf) == 0)
				vstring_strcpy(msg->sender, "MAILER-DAEMON");
			else
				vstring_strcpy(msg->sender,
					       showq_printable(vstring_str(buf)));
			msg->have_sender = 1;
			break;
		case REC_TYPE_RCPT:
			showq_add_rcpt(msg, buf, max_rcpt);
			break;
		default:
			break;
		}
	}
	if (type <= 0) {
		ret = type == QFILE_EOF ? QFILE_INCOMPLETE : type;
		goto done;
	}

	/*
	 * Skip the content when the SIZE record says where it ends and that
	 * place is plausible; else read through it (maildrop files).
	 */
	if (content_size >= 0 && content_offset == qfile_tell(qf)
	    && content_offset + content_size < file_size) {
		if ((ret = qfile_seek(qf, (off_t) (content_offset + content_size),
				      REC_SEC_CONTENT)) != 0)
			goto done;
	}
	while ((type = qfile_read_rec(qf, buf)) > 0 && type != REC_TYPE_XTRA)
		 /* void */ ;
	if (type <= 0) {
		ret = type == QFILE_EOF ? QFILE_INCOMPLETE : type;
		goto done;
	}
	/* Extracted section. */
	while ((type = qfile_read_rec(qf, buf)) > 0) {
		if (type == REC_TYPE_RCPT)
			showq_add_rcpt(msg, buf, max_rcpt);
	}
	ret = type;				/* QFILE_EOF (0) after END */

done:
	vstring_free(buf);
	return (ret);
}

int
showq_read_reasons(VSTREAM *fp, HTABLE *reasons)
{
	VSTRING *line = vstring_alloc(100);
	VSTRING *rcpt = vstring_alloc(100);
	VSTRING *reason = vstring_alloc(100);
	HTABLE_INFO *ht;
	int     have_rcpt = 0;
	int     records = 0;
	int     st;
	char   *cp;

	while ((st = vstream_fgets_bound(fp, line, SHOWQ_LOG_LINE_MAX))
	       == VSTREAM_GETS_OK || st == VSTREAM_GETS_TRUNC) {
		if (st == VSTREAM_GETS_TRUNC) {
			/* Over-long line: skip the rest of it, keep the record. */
			while ((st = vstream_fgets_bound(fp, line,
					   SHOWQ_LOG_LINE_MAX)) == VSTREAM_GETS_TRUNC)
				 /* void */ ;
			if (st != VSTREAM_GETS_OK)
				break;
			continue;
		}
		vstring_truncate(line, vstring_len(line) - 1);
		cp = vstring_str(line);
		if (vstring_len(line) == 0) {
			/* An empty line completes a record. */
			if (have_rcpt) {
				records++;
				if ((ht = htable_locate(reasons, vstring_str(rcpt))) != NULL) {
					myfree(ht->value);
					ht->value = mystrdup(vstring_str(reason));
				} else {
					htable_enter(reasons, vstring_str(rcpt),
						     mystrdup(vstring_str(reason)));
				}
			}
			have_rcpt = 0;
			VSTRING_RESET(reason);
			continue;
		}
		if (strlen(cp) != vstring_len(line))
			continue;			/* NUL byte: not ours */
		if (strncmp(cp, "rcpt=", 5) == 0) {
			vstring_strcpy(rcpt, showq_printable(cp + 5));
			have_rcpt = 1;
		} else if (strncmp(cp, "recipient=", 10) == 0) {
			vstring_strcpy(rcpt, showq_printable(cp + 10));
			have_rcpt = 1;
		} else if (strncmp(cp, "reason=", 7) == 0) {
			vstring_strcpy(reason, showq_printable(cp + 7));
		}
	}
	/* A record without its empty line was cut short by a crash: ignored. */
	vstring_free(line);
	vstring_free(rcpt);
	vstring_free(reason);
	return (records);
}
