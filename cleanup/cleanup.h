#ifndef POSTERN_CLEANUP_H
#define POSTERN_CLEANUP_H

/*
 * cleanup - state shared by the parts of cleanup(8)
 *
 *	cleanup.c		main, the session loop, the protocol
 *	cleanup_envelope.c	envelope and extracted records
 *	cleanup_message.c	message headers and body
 *	cleanup_out.c		the queue file: create, write, finish, remove
 *	cleanup_addr.c		envelope rewriting, virtual alias expansion
 *
 * One CLEANUP_STATE lives for one client connection (one message). Errors
 * accumulate as CLEANUP_STAT_* bits in errs; once errs is non-zero nothing
 * more is written, but the client's records are still read to the end so
 * that it gets an answer.
 */
#include <stddef.h>
#include <sys/time.h>
#include <sys/types.h>

#include "vstream.h"
#include "vstring.h"
#include "htable.h"
#include "argv.h"
#include "qfile.h"

/* Queue file formats of SIZE and TIME: rec_type.h. */
#define CLEANUP_SIZE_FORMAT	REC_SIZE_FORMAT
#define CLEANUP_SIZE_LEN	REC_SIZE_LEN
#define CLEANUP_TIME_FORMAT	REC_TIME_FORMAT

/*
 * The largest record accepted from a client, and the record limit of the
 * queue files cleanup writes (QFILE_REC_LEN_DEFAULT, as every reader).
 */
#define CLEANUP_REC_MAX		QFILE_REC_LEN_DEFAULT

/* Temporary queue file names: incoming/cleanup.PID.SEQ (never an ID). */
#define CLEANUP_TEMP_PREFIX	"cleanup."

/* Headers cleanup looks at (bits in headers_seen). */
#define CLEANUP_HDR_OTHER		0
#define CLEANUP_HDR_MESSAGE_ID		(1 << 0)
#define CLEANUP_HDR_DATE		(1 << 1)
#define CLEANUP_HDR_FROM		(1 << 2)
#define CLEANUP_HDR_TO			(1 << 3)
#define CLEANUP_HDR_CC			(1 << 4)
#define CLEANUP_HDR_RECEIVED		(1 << 5)
#define CLEANUP_HDR_RESENT_MESSAGE_ID	(1 << 6)
#define CLEANUP_HDR_RESENT_DATE		(1 << 7)
#define CLEANUP_HDR_RESENT_FROM		(1 << 8)
#define CLEANUP_HDR_RESENT_TO		(1 << 9)
#define CLEANUP_HDR_RESENT_CC		(1 << 10)
#define CLEANUP_HDR_RESENT_OTHER	(1 << 11)	/* other Resent-* */
#define CLEANUP_HDR_BCC			(1 << 12)
#define CLEANUP_HDR_RESENT_BCC		(1 << 13)

/* Content state. */
#define CLEANUP_IN_HEADERS	0	/* primary message headers */
#define CLEANUP_IN_BODY		1	/* everything after them */

/* What the line now arriving in pieces is. */
#define CLEANUP_LINE_NONE	0	/* no line in progress */
#define CLEANUP_LINE_HEADER	1	/* collected into the header buffer */
#define CLEANUP_LINE_BODY	2	/* copied record by record */

typedef struct CLEANUP_STATE {
	VSTREAM *src;			/* the client */
	int	flags;			/* CLEANUP_FLAG_* from the client */
	int	errs;			/* CLEANUP_STAT_* */
	VSTRING *reason;		/* text for the client with errs */
	VSTRING *buf;			/* scratch */

	/* The queue file. */
	VSTRING *temp_path;		/* incoming/cleanup.PID.SEQ */
	VSTRING *final_path;		/* incoming/[hash/]ID when done */
	VSTRING *queue_id;
	int	fd;			/* -1 when closed */
	QFILE  *qf;
	struct timeval arrival;		/* when the file was named */
	off_t	data_offset;		/* first content record */
	off_t	xtra_offset;		/* the XTRA record */
	long	rcpt_count;

	/* Envelope. */
	VSTRING *sender;
	int	sender_seen;
	int	attr_count;
	int	rcpt_pending;		/* bits of per-recipient records held */
	ARGV   *rcpt_fields;		/* "T" + data of each, in order */
	HTABLE *dups;			/* recipients already written */
	long	dup_count;		/* entries in dups */
	int	add_headers;		/* add missing headers (local mail) */
	int	rewrite_context_seen;

	/* Content. */
	int	content_state;		/* CLEANUP_IN_* */
	int	line_kind;		/* CLEANUP_LINE_* of the current line */
	VSTRING *hdr;			/* current header, physical lines joined */
	size_t *hdr_ends;		/* end offset of each physical line */
	size_t	hdr_lines;
	size_t	hdr_size;		/* allocated hdr_ends entries */
	int	hdr_truncated;		/* over header_size_limit: rest dropped */
	int	headers_seen;		/* CLEANUP_HDR_* */
	int	resent;			/* Resent- headers present */
	int	hop_count;
	int	headers_done;

	/* sendmail -t (CLEANUP_FLAG_EXTRACT): addresses from headers. */
	ARGV   *extract_rcpts;		/* To:, Cc:, Bcc: */
	ARGV   *extract_resent;		/* Resent-To:, Resent-Cc:, Resent-Bcc: */
} CLEANUP_STATE;

/* Parameters (cleanup.c reads them after start-up). */
extern long var_hopcount_limit;
extern long var_header_size_limit;
extern long var_message_size_limit;
extern long var_dup_filter_limit;
extern long var_qattr_count_limit;
extern long var_ipc_timeout;
extern long var_daemon_timeout;
extern int var_always_add_hdrs;
extern int var_long_queue_ids;
extern int var_hash_queue_depth;
extern const char *var_hash_queue_names;
extern const char *var_myhostname;
extern const char *var_rcpt_witheld;
extern const char *var_remote_rwr_domain;
extern ARGV *var_drop_hdrs;

/* cleanup_out.c */
extern int cleanup_out_open(CLEANUP_STATE *state);
extern void cleanup_out_rec(CLEANUP_STATE *state, int type,
			    const void *data, size_t len);
extern void cleanup_out_str(CLEANUP_STATE *state, int type, const char *str);
extern void cleanup_out_line(CLEANUP_STATE *state, const void *data,
			     size_t len);
extern void cleanup_out_fail(CLEANUP_STATE *state, int err, const char *what);
extern int cleanup_out_finish(CLEANUP_STATE *state);
extern void cleanup_out_remove(CLEANUP_STATE *state);
extern void cleanup_out_watchdog_path(const char *path);

/* cleanup_envelope.c */
extern void cleanup_envelope(CLEANUP_STATE *state, int type,
			     const char *data, size_t len);
extern void cleanup_extracted(CLEANUP_STATE *state, int type,
			      const char *data, size_t len);
extern int cleanup_envelope_pending(CLEANUP_STATE *state);

/* cleanup_addr.c */
extern void cleanup_addr_init(void);
extern int cleanup_addr_rewrite(CLEANUP_STATE *state, const char *addr,
				VSTRING *out);
extern void cleanup_addr_rcpt(CLEANUP_STATE *state, const char *orcpt,
			      const char *dsn_orcpt, const char *dsn_notify,
			      const char *rcpt);

/* cleanup_message.c */
extern void cleanup_message(CLEANUP_STATE *state, int type,
			    const char *data, size_t len);
extern void cleanup_message_end(CLEANUP_STATE *state);
extern VSTRING *cleanup_mail_date(VSTRING *out, time_t when);

/* cleanup.c: report a client error (CLEANUP_STAT_BAD) once, with a log. */
extern void cleanup_bad(CLEANUP_STATE *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The queue ID, or "NOQUEUE" before there is one. */
extern const char *cleanup_id(CLEANUP_STATE *state);

#endif
