#ifndef POSTERN_LOCAL_H
#define POSTERN_LOCAL_H

/*
 * local.h - what the modules of local(8) share
 *
 * local.c		the request loop, recipient expansion (aliases,
 *			.forward, :include:, owner- aliases, loops and
 *			duplicates), result reporting
 * local_token.c	pure helpers: alias value tokens, the header
 *			section, Delivered-To: loops, sysexits texts (unit
 *			tested); Maildir names, From_ lines and quoting are
 *			lib/global's (maildir_write.h, mbox_write.h)
 * local_alias.c	alias_maps lookups and the rights of an alias table
 * local_file.c		mailbox, Maildir and file delivery in a child
 *			process that runs as the recipient
 * local_command.c	delivery to commands and mailbox_command
 * local_forward.c	forwarding: a new message through cleanup(8)
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "argv.h"
#include "htable.h"
#include "vstring.h"
#include "deliver_request.h"

/* ---- local_token.c: pure helpers ---------------------------------------- */

/* Token kinds of an alias or .forward value. */
#define LOCAL_TOK_ADDRESS	1	/* user, user@domain, \user */
#define LOCAL_TOK_COMMAND	2	/* |command (text after the bar) */
#define LOCAL_TOK_FILE		3	/* /path (maildir when it ends in /) */
#define LOCAL_TOK_INCLUDE	4	/* :include:/path (the path) */

/*
 * Split an alias value or a .forward line into tokens: separated by
 * commas (and white space between plain addresses), double quotes
 * group (and are removed), a |command runs to the next comma outside
 * quotes. Adds "K" + text to out for each token, K being the kind as a
 * digit; lines starting with '#' (after space) are comments.
 */
extern void local_token_split(ARGV *out, const char *value);

/* The kind of a token string as local_token_split() stores it. */
#define LOCAL_TOK_KIND(s)	((s)[0] - '0')
#define LOCAL_TOK_TEXT(s)	((s) + 1)

/*
 * Does the header section (len bytes) have a Delivered-To: header whose
 * value equals addr, case-insensitively? 1 or 0.
 */
extern int local_delivered_seen(const char *hdrs, size_t len,
				const char *addr);

/* Length of the header section of content (up to the empty line). */
extern size_t local_header_len(const char *content, size_t len);

/*
 * sysexits(3) code: its enhanced status and text, or NULL status for
 * codes outside the table.
 */
extern const char *local_sysexit(int code, const char **text);

/* 1 when word is in the comma/space separated list (case-insensitive). */
extern int local_list_has(const char *list, const char *word);

/* Replace characters not in allowed by '_' (in place). */
extern char *local_filter(char *str, const char *allowed);

/* ---- the delivery state -------------------------------------------------- */

/* Where a destination came from (allow_mail_to_*). */
#define LOCAL_CLASS_NONE	0
#define LOCAL_CLASS_ALIAS	1
#define LOCAL_CLASS_FORWARD	2
#define LOCAL_CLASS_INCLUDE	3

/* Outcome kinds. */
#define LOCAL_SENT		0
#define LOCAL_DEFER		1
#define LOCAL_BOUNCE		2

typedef struct LOCAL_RESULT {
	char   *addr;			/* to= */
	int	kind;			/* LOCAL_SENT ... */
	char   *status;			/* "2.0.0", "5.1.1" */
	char   *reason;
} LOCAL_RESULT;

/* One message (request), with its content read once. */
typedef struct LOCAL_MSG {
	DELIVER_REQUEST *req;
	VSTRING *content;		/* lines, each ending in '\n' */
	size_t	hdr_len;		/* bytes of the header section */
	unsigned long seq;		/* deliveries, for Maildir names */
} LOCAL_MSG;

/* One original recipient being expanded. */
typedef struct LOCAL_RCPT {
	LOCAL_MSG *msg;
	RECIPIENT *rcpt;
	const char *orig;		/* X-Original-To, orig_to= */
	const char *delivered;		/* Delivered-To (frozen) */
	HTABLE *dups;			/* destinations already done */
	ARGV   *fwd_addr;		/* addresses to forward */
	ARGV   *fwd_sender;		/* and their senders */
	LOCAL_RESULT *res;
	size_t	res_count;
	size_t	res_size;
} LOCAL_RCPT;

/* Rights and identity for one expansion level (passed by value). */
typedef struct LOCAL_CTX {
	LOCAL_RCPT *rs;
	int	level;
	const char *addr;		/* address being delivered */
	const char *sender;		/* envelope sender (owner- alias) */
	int	class;			/* LOCAL_CLASS_* of the source */
	uid_t	uid;			/* rights for files and commands */
	gid_t	gid;
	int	have_user;		/* user/home/shell below are set */
	const char *user;
	const char *home;
	const char *shell;
	const char *extension;		/* "" when none */
	const char *local;		/* entire localpart */
	const char *domain;		/* "" when none */
	const char *alias_chain;	/* ",a,b," aliases being expanded */
	const char *forward_chain;	/* ",u," users whose .forward is */
} LOCAL_CTX;

/* local.c */
extern void local_result(LOCAL_CTX *ctx, int kind, const char *status,
			 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
extern int local_dup(LOCAL_CTX *ctx, const char *kind, const char *what);
extern const char *local_myorigin(void);
extern uid_t local_default_uid;
extern gid_t local_default_gid;

/* local_alias.c */
#define LOCAL_ALIAS_FOUND	0
#define LOCAL_ALIAS_NONE	1
#define LOCAL_ALIAS_ERROR	(-1)
extern void local_alias_init(void);
/* Look name up in alias_maps: value, rights of its table; or NONE/ERROR. */
extern int local_alias_lookup(const char *name, VSTRING *value,
			      uid_t *uid, gid_t *gid, VSTRING *why);

/* local_file.c */
/* Deliver the message into the recipient's mailbox (home or spool). */
extern void local_mailbox(LOCAL_CTX *ctx, uid_t uid, gid_t gid);
/* Append to /file or write into a Maildir named by path (ends in '/'). */
extern void local_file(LOCAL_CTX *ctx, const char *path);
/* Read a .forward or :include: file as uid/gid: 1 read, 0 absent, -1 err. */
extern int local_read_file(const char *path, uid_t uid, gid_t gid,
			   VSTRING *data, struct stat *st, VSTRING *why);
/* Prepend Return-Path, X-Original-To, Delivered-To to out. */
extern void local_headers(VSTRING *out, LOCAL_CTX *ctx, int delivered);

/* local_command.c */
extern void local_command(LOCAL_CTX *ctx, const char *command,
			  uid_t uid, gid_t gid, const char *what);

/* local_forward.c */
extern void local_forward_flush(LOCAL_RCPT *rs);

#endif
