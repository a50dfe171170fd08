/*
 * postmap_msg - lookup keys from an RFC 5322 message (postmap -h, -b)
 *
 *	postmap_msg_create() reads a message from fp; want_headers asks for
 *	one key per logical header (a folded header keeps its newlines),
 *	want_body for one key per line after the headers.
 *	postmap_msg_key() is the MKMAP_KEY_FN that returns the next key.
 *	postmap_msg_free() releases the reader (fp stays open).
 *
 * The headers end at the first line that neither starts a header
 * ("name:", name of printable ASCII) nor continues one. The body starts
 * with an empty line: the blank separator line when there is one, or an
 * empty line supplied in its place, as header_checks/body_checks see it.
 * White space between a header name and its colon is removed. There is no
 * MIME processing (postmap -m).
 *
 * Errors: a read error is fatal.
 */
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "postmap.h"

struct POSTMAP_MSG {
	FILE   *fp;
	int     want_headers;
	int     want_body;
	int     in_body;
	int     have_header;		/* header holds an unfinished header */
	VSTRING *header;
	VSTRING *line;
	ARGV   *queue;			/* keys ready to be returned */
	size_t  next;			/* first unreturned key in queue */
};

POSTMAP_MSG *
postmap_msg_create(FILE *fp, int want_headers, int want_body)
{
	POSTMAP_MSG *msg = mymalloc(sizeof(*msg));

	msg->fp = fp;
	msg->want_headers = want_headers;
	msg->want_body = want_body;
	msg->in_body = 0;
	msg->have_header = 0;
	msg->header = vstring_alloc(100);
	msg->line = vstring_alloc(100);
	msg->queue = argv_alloc(4);
	msg->next = 0;
	return (msg);
}

void
postmap_msg_free(POSTMAP_MSG *msg)
{
	vstring_free(msg->header);
	vstring_free(msg->line);
	argv_free(msg->queue);
	myfree(msg);
}

/* One physical line without its newline; 0 at end of input. */
static int
postmap_msg_line(POSTMAP_MSG *msg)
{
	int     ch;

	VSTRING_RESET(msg->line);
	while ((ch = getc(msg->fp)) != EOF && ch != '\n')
		vstring_addch(msg->line, ch);
	if (ch == EOF && ferror(msg->fp))
		msg_fatal("read standard input: %m");
	return (ch != EOF || vstring_len(msg->line) > 0);
}

/*
 * If line starts a header, return the length of its name and set *colon
 * to the offset of the colon; else return 0.
 */
static size_t
postmap_msg_is_header(const char *line, size_t *colon)
{
	const unsigned char *cp = (const unsigned char *) line;
	size_t  name_len;
	size_t  i;

	for (name_len = 0; cp[name_len] > ' ' && cp[name_len] < 0177
	     && cp[name_len] != ':'; name_len++)
		 /* void */ ;
	if (name_len == 0)
		return (0);
	for (i = name_len; cp[i] == ' ' || cp[i] == '\t'; i++)
		 /* void */ ;
	if (cp[i] != ':')
		return (0);
	*colon = i;
	return (name_len);
}

static void
postmap_msg_queue(POSTMAP_MSG *msg, const char *key)
{
	argv_add(msg->queue, key);
}

/* Finish the header being collected. */
static void
postmap_msg_end_header(POSTMAP_MSG *msg)
{
	if (msg->have_header && msg->want_headers)
		postmap_msg_queue(msg, vstring_str(msg->header));
	msg->have_header = 0;
}

/* Read input until at least one key is queued or the input ends. */
static void
postmap_msg_fill(POSTMAP_MSG *msg)
{
	const char *line;
	size_t  name_len;
	size_t  colon;

	while (msg->queue->len == msg->next) {
		if (!postmap_msg_line(msg)) {
			postmap_msg_end_header(msg);
			return;
		}
		line = vstring_str(msg->line);
		if (msg->in_body) {
			if (msg->want_body)
				postmap_msg_queue(msg, line);
			continue;
		}
		if (msg->have_header && (*line == ' ' || *line == '\t')) {
			vstring_addch(msg->header, '\n');
			vstring_strcat(msg->header, line);
			continue;
		}
		postmap_msg_end_header(msg);
		if ((name_len = postmap_msg_is_header(line, &colon)) > 0) {
			vstring_strncpy(msg->header, line, name_len);
			vstring_strcat(msg->header, line + colon);
			msg->have_header = 1;
			continue;
		}
		/* First body line: the separator, real or supplied. */
		msg->in_body = 1;
		if (msg->want_body) {
			postmap_msg_queue(msg, "");
			if (*line != '\0')
				postmap_msg_queue(msg, line);
		}
	}
}

int
postmap_msg_key(VSTRING *key, void *context)
{
	POSTMAP_MSG *msg = context;

	if (msg->queue->len == msg->next) {
		argv_truncate(msg->queue, 0);
		msg->next = 0;
		postmap_msg_fill(msg);
		if (msg->queue->len == 0)
			return (0);
	}
	vstring_strcpy(key, msg->queue->argv[msg->next++]);
	return (1);
}
