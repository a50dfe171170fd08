/*
 * postqueue_list - print a showq(8) listing as mailq text or JSON
 *
 *	postqueue_list() reads the listing group by group and prints each
 *		message as soon as its group ends, so a long queue is never
 *		held in memory.
 *	postqueue_json_quote() quotes a string for JSON (RFC 8259).
 *
 * The mailq format is Postfix's, column for column:
 *
 *	-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
 *	ID[*!#]  SIZE Www Mmm dd hh:mm:ss  sender
 *	                 (delay reason, right-aligned to column 78)
 *	                                         recipient
 *	<empty line>
 *	-- N Kbytes in M Requests.	(or "Mail queue is empty")
 *
 * '*' marks a message in the active queue, '!' one on hold, '#' one
 * forced to expire. A reason is printed once for a run of recipients with
 * the same reason; a deferred recipient without a recorded reason shows
 * "(reason unavailable)".
 *
 * The JSON format is one object per line with Postfix's member names:
 * queue_name, queue_id, arrival_time, message_size, forced_expire,
 * sender, recipients [{address, delay_reason (only when known)}].
 *
 * Errors: a stream that breaks off or does not follow the protocol ends
 * the listing with -1 and a reason; what was printed stays printed.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "msg.h"
#include "vstring.h"
#include "vstream.h"
#include "attr.h"
#include "postqueue.h"

/* Column of recipients and width of right-aligned reasons, as Postfix. */
#define PQ_RCPT_INDENT	41
#define PQ_REASON_WIDTH	78

typedef struct PQ_STATE {
	VSTREAM *out;
	int     format;
	long    messages;
	unsigned long total_size;
	/* The message being read. */
	VSTRING *queue;
	VSTRING *id;
	VSTRING *sender;
	long    arrival;
	long    size;
	int     forced_expire;
	VSTRING *rcpt;
	VSTRING *reason;
	VSTRING *last_reason;
	int     rcpt_count;
	VSTRING *json;
} PQ_STATE;

void
postqueue_json_quote(VSTRING *out, const char *str)
{
	const unsigned char *cp;

	vstring_addch(out, '"');
	for (cp = (const unsigned char *) str; *cp; cp++) {
		switch (*cp) {
		case '"':
			vstring_strcat(out, "\\\"");
			break;
		case '\\':
			vstring_strcat(out, "\\\\");
			break;
		case '\b':
			vstring_strcat(out, "\\b");
			break;
		case '\f':
			vstring_strcat(out, "\\f");
			break;
		case '\n':
			vstring_strcat(out, "\\n");
			break;
		case '\r':
			vstring_strcat(out, "\\r");
			break;
		case '\t':
			vstring_strcat(out, "\\t");
			break;
		default:
			if (*cp < 0x20 || *cp == 0x7f)
				vstring_sprintf_append(out, "\\u%04x", *cp);
			else
				vstring_addch(out, *cp);
			break;
		}
	}
	vstring_addch(out, '"');
}

/* The first line of a message in mailq format. */
static void
pq_mailq_start(PQ_STATE *st)
{
	VSTRING *id = vstring_alloc(40);
	char    date[64];
	time_t  when = (time_t) st->arrival;
	struct tm *tm;

	if (st->messages == 0)
		vstream_fprintf(st->out, "-Queue ID-  --Size-- "
				"----Arrival Time---- "
				"-Sender/Recipient-------\n");
	vstring_strcpy(id, vstring_str(st->id));
	if (strcmp(vstring_str(st->queue), "active") == 0)
		vstring_addch(id, '*');
	else if (strcmp(vstring_str(st->queue), "hold") == 0)
		vstring_addch(id, '!');
	if (st->forced_expire)
		vstring_addch(id, '#');
	if ((tm = localtime(&when)) == NULL
	    || strftime(date, sizeof(date), "%a %b %e %H:%M:%S", tm) == 0)
		snprintf(date, sizeof(date), "%-19ld", st->arrival);
	vstream_fprintf(st->out, "%-11s %7ld %s  %s\n", vstring_str(id),
			st->size, date, vstring_str(st->sender));
	vstring_free(id);
	VSTRING_RESET(st->last_reason);
}

/* One recipient in mailq format, after its reason when that changed. */
static void
pq_mailq_rcpt(PQ_STATE *st)
{
	const char *reason = vstring_str(st->reason);
	VSTRING *line;

	if (*reason == 0 && strcmp(vstring_str(st->queue), "deferred") == 0)
		reason = "reason unavailable";
	if (*reason && strcmp(reason, vstring_str(st->last_reason)) != 0) {
		line = vstring_alloc(100);
		vstring_sprintf(line, "(%s)", reason);
		vstream_fprintf(st->out, "%*s\n", PQ_REASON_WIDTH,
				vstring_str(line));
		vstring_free(line);
	}
	vstring_strcpy(st->last_reason, reason);
	vstream_fprintf(st->out, "%*s%s\n", PQ_RCPT_INDENT, "",
			vstring_str(st->rcpt));
}

static void
pq_json_start(PQ_STATE *st)
{
	VSTRING *j = st->json;

	vstring_strcpy(j, "{\"queue_name\": ");
	postqueue_json_quote(j, vstring_str(st->queue));
	vstring_strcat(j, ", \"queue_id\": ");
	postqueue_json_quote(j, vstring_str(st->id));
	vstring_sprintf_append(j, ", \"arrival_time\": %ld, "
			       "\"message_size\": %ld, "
			       "\"forced_expire\": %s, \"sender\": ",
			       st->arrival, st->size,
			       st->forced_expire ? "true" : "false");
	postqueue_json_quote(j, vstring_str(st->sender));
	vstring_strcat(j, ", \"recipients\": [");
}

static void
pq_json_rcpt(PQ_STATE *st)
{
	VSTRING *j = st->json;

	if (st->rcpt_count > 0)
		vstring_strcat(j, ", ");
	vstring_strcat(j, "{\"address\": ");
	postqueue_json_quote(j, vstring_str(st->rcpt));
	if (vstring_len(st->reason) > 0) {
		vstring_strcat(j, ", \"delay_reason\": ");
		postqueue_json_quote(j, vstring_str(st->reason));
	}
	vstring_strcat(j, "}");
}

static void
pq_message_end(PQ_STATE *st)
{
	if (st->format == POSTQUEUE_FMT_JSON) {
		vstring_strcat(st->json, "]}\n");
		vstream_fwrite(st->out, vstring_str(st->json), vstring_len(st->json));
	} else {
		vstream_fputs(st->out, "\n");
	}
	st->messages++;
	if (st->size > 0)
		st->total_size += (unsigned long) st->size;
}

/*
 * 1 when the next byte starts an attribute, 0 when it is the NUL that ends
 * a group (consumed), -1 at end of file or on an error.
 */
static int
pq_more(VSTREAM *stream)
{
	int     ch = vstream_getc(stream);

	if (ch == VSTREAM_EOF)
		return (-1);
	if (ch == 0)
		return (0);
	vstream_ungetc(stream, ch);
	return (1);
}

int
postqueue_list(VSTREAM *showq, VSTREAM *out, int format, VSTRING *why)
{
	PQ_STATE st;
	VSTRING *proto = vstring_alloc(40);
	int     more;
	int     ret = -1;

	memset(&st, 0, sizeof(st));
	st.out = out;
	st.format = format;
	st.queue = vstring_alloc(20);
	st.id = vstring_alloc(20);
	st.sender = vstring_alloc(100);
	st.rcpt = vstring_alloc(100);
	st.reason = vstring_alloc(100);
	st.last_reason = vstring_alloc(100);
	st.json = vstring_alloc(1000);

	if (attr_scan(showq, ATTR_FLAG_MISSING,
		      RECV_ATTR_STR("protocol", proto), ATTR_TYPE_END) != 1
	    || strcmp(vstring_str(proto), POSTQUEUE_SHOWQ_PROTOCOL) != 0) {
		vstring_sprintf(why, "unexpected showq protocol greeting");
		goto done;
	}
	for (;;) {
		if ((more = pq_more(showq)) < 0)
			break;
		if (more == 0) {
			ret = 0;		/* the empty group: end of list */
			break;
		}
		if (attr_scan(showq, ATTR_FLAG_MISSING | ATTR_FLAG_MORE,
			      RECV_ATTR_STR("queue_name", st.queue),
			      RECV_ATTR_STR("queue_id", st.id),
			      RECV_ATTR_LONG("time", &st.arrival),
			      RECV_ATTR_LONG("size", &st.size),
			      RECV_ATTR_INT("forced_expire", &st.forced_expire),
			      RECV_ATTR_STR("sender", st.sender),
			      ATTR_TYPE_END) != 6)
			break;
		if (format == POSTQUEUE_FMT_JSON)
			pq_json_start(&st);
		else
			pq_mailq_start(&st);
		st.rcpt_count = 0;
		while ((more = pq_more(showq)) > 0) {
			if (attr_scan(showq, ATTR_FLAG_MISSING | ATTR_FLAG_MORE,
				      RECV_ATTR_STR("recipient", st.rcpt),
				      RECV_ATTR_STR("reason", st.reason),
				      ATTR_TYPE_END) != 2) {
				more = -1;
				break;
			}
			if (format == POSTQUEUE_FMT_JSON)
				pq_json_rcpt(&st);
			else
				pq_mailq_rcpt(&st);
			st.rcpt_count++;
		}
		if (more < 0)
			break;
		pq_message_end(&st);
	}
	if (ret < 0)
		vstring_sprintf(why, "malformed showq server reply");
	else if (format == POSTQUEUE_FMT_MAILQ) {
		if (st.messages == 0)
			vstream_fputs(out, "Mail queue is empty\n");
		else
			vstream_fprintf(out, "-- %lu Kbytes in %ld Request%s.\n",
					st.total_size / 1024, st.messages,
					st.messages == 1 ? "" : "s");
	}

done:
	vstring_free(proto);
	vstring_free(st.queue);
	vstring_free(st.id);
	vstring_free(st.sender);
	vstring_free(st.rcpt);
	vstring_free(st.reason);
	vstring_free(st.last_reason);
	vstring_free(st.json);
	return (ret);
}
