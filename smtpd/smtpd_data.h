#ifndef POSTERN_SMTPD_DATA_H
#define POSTERN_SMTPD_DATA_H

/*
 * smtpd_data - the DATA and BDAT input state machine (pure, incremental)
 *
 * The caller feeds the bytes that follow "354" (DATA) or the chunks of
 * BDAT in pieces of any size; the machine cuts them into content lines
 * and hands each to the output function as queue-file records: FRAGMENT
 * for a piece of a line that reached line_limit bytes, NORMAL for the
 * (rest of the) line, always without its terminator.
 *
 * DATA: a line that starts with '.' loses that dot (RFC 5321 4.5.2). The
 * message ends only at CR LF "." CR LF, where the first CR LF is a real
 * one (or the end of the DATA command). A bare LF or a bare CR never
 * ends a line for that purpose, so "\n.\n", "\r\n.\n", "\n.\r\n" and
 * "\r.\r\n" stay inside the message.
 * BDAT: no dot-stuffing and no end marker; lines end at CR LF; the
 * caller says when the last chunk is done with smtpd_data_finish().
 *
 * Bare line endings:
 *	default (strict): a bare LF or a bare CR is recorded in the status
 *	(SMTPD_DATA_BARE_LF, SMTPD_DATA_BARE_CR) and kept as data; the
 *	caller rejects the message (smtpd_forbid_bare_newline).
 *	SMTPD_DATA_FLAG_NORMALIZE: a bare LF ends a content line, as for
 *	clients excluded from smtpd_forbid_bare_newline; a bare CR is data.
 *	The status bits are set in both modes.
 *
 * Size: smtpd_data_size() counts the content as Postfix does, each line
 * with two bytes for its CR LF. Above size_limit (0: none) the status
 * gets SMTPD_DATA_TOO_BIG. Once the message is certain to be rejected
 * (too big, or a bare line ending in strict mode) no more output is
 * produced, but input is still consumed to its end.
 *
 *	smtpd_data_create() a machine; smtpd_data_free() releases it.
 *	smtpd_data_feed() consumes bytes and returns how many it used:
 *	all of them, or fewer when the end of DATA came first (the rest
 *	belongs to the next command).
 *	smtpd_data_done() 1 once the end of DATA was seen.
 *	smtpd_data_finish() ends the last line (BDAT LAST).
 *	smtpd_data_status(), smtpd_data_size() results so far.
 */
#include <stddef.h>
#include <sys/types.h>

#define SMTPD_DATA_FLAG_BDAT		(1 << 0)
#define SMTPD_DATA_FLAG_NORMALIZE	(1 << 1)

#define SMTPD_DATA_BARE_LF	(1 << 0)
#define SMTPD_DATA_BARE_CR	(1 << 1)
#define SMTPD_DATA_TOO_BIG	(1 << 2)

typedef void (*SMTPD_DATA_OUT_FN)(int rec_type, const char *data,
				  size_t len, void *context);

typedef struct SMTPD_DATA SMTPD_DATA;

extern SMTPD_DATA *smtpd_data_create(int flags, size_t line_limit,
				     off_t size_limit,
				     SMTPD_DATA_OUT_FN out, void *context);
extern void smtpd_data_free(SMTPD_DATA *dp);
extern size_t smtpd_data_feed(SMTPD_DATA *dp, const char *buf, size_t len);
extern int smtpd_data_done(const SMTPD_DATA *dp);
extern void smtpd_data_finish(SMTPD_DATA *dp);
extern int smtpd_data_status(const SMTPD_DATA *dp);
extern off_t smtpd_data_size(const SMTPD_DATA *dp);

#endif
