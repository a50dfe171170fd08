#ifndef POSTERN_REC_TYPE_H
#define POSTERN_REC_TYPE_H

/*
 * rec_type - queue file record types and the sections they belong to
 *
 * A queue file (DESIGN.md §3; the byte format is in qfile.h) is a sequence
 * of records in three sections, in this order, closed by an end marker:
 *
 *   envelope   SIZE TIME SENDER ATTR DSN_ENVID DSN_RET and the recipient
 *		group (ORCPT DSN_ORCPT DSN_NOTIFY, then RCPT or DONE), in any
 *		order; MESSAGE ends the envelope and starts the content.
 *   content    NORMAL (a complete line) and FRAGMENT (the first pieces of
 *		a line longer than the record limit; the last piece is a
 *		NORMAL record). XTRA ends the content and starts:
 *   extracted  ATTR and recipient groups found while processing the
 *		content (sendmail -t, header checks); END ends the file.
 *
 * Per-recipient records (ORCPT, DSN_ORCPT, DSN_NOTIFY) describe the next
 * RCPT or DONE record. A recipient is marked delivered by rewriting its
 * type byte from RCPT to DONE in place (qfile_mark_done()); both letters
 * are one byte, so the file keeps its length and every offset.
 *
 * The type codes are printable letters so that a hex dump of a queue file
 * is readable. They are postern's own; Postfix queue files are not read.
 *
 *	rec_type_name() a lower-case name for postcat and logs ("sender").
 *	rec_type_known() 1 when the byte is one of the types below.
 *	rec_type_allowed() 1 when the type may appear in the section.
 *	rec_type_next_section() the section that follows the record.
 */

/* Envelope. */
#define REC_TYPE_SIZE		'C'	/* fixed-width counters, rewritten in place */
#define REC_TYPE_TIME		'T'	/* arrival time */
#define REC_TYPE_SENDER		'S'	/* envelope sender, internal form */
#define REC_TYPE_ATTR		'A'	/* name=value */
#define REC_TYPE_DSN_ENVID	'i'	/* DSN ENVID (RFC 3461) */
#define REC_TYPE_DSN_RET	'r'	/* DSN RET=FULL/HDRS */
#define REC_TYPE_ORCPT		'O'	/* original recipient (before rewriting) */
#define REC_TYPE_DSN_ORCPT	'o'	/* DSN ORCPT=type;address */
#define REC_TYPE_DSN_NOTIFY	'n'	/* DSN NOTIFY=... */
#define REC_TYPE_RCPT		'R'	/* recipient still to deliver */
#define REC_TYPE_DONE		'D'	/* recipient delivered (was RCPT) */
#define REC_TYPE_MESSAGE	'M'	/* end of envelope, start of content */
/* Content. */
#define REC_TYPE_NORMAL		'N'	/* a line, or the last piece of one */
#define REC_TYPE_FRAGMENT	'L'	/* a piece of a line; more follows */
#define REC_TYPE_XTRA		'X'	/* end of content, start of extracted */
/* Extracted. */
#define REC_TYPE_END		'E'	/* end marker: the file is complete */

/* Sections, in file order. */
#define REC_SEC_ENVELOPE	0
#define REC_SEC_CONTENT		1
#define REC_SEC_EXTRACTED	2
#define REC_SEC_DONE		3	/* after END: nothing may follow */

/*
 * Data formats of cleanup's own envelope records (readers: qmgr, postcat,
 * showq). SIZE: three right-aligned 15-digit fields: content size (bytes
 * of the content section's records, from after MESSAGE to before XTRA),
 * file offset of the first content record, number of recipients. TIME:
 * arrival time as "seconds.microseconds" (6 digits).
 */
#define REC_SIZE_FORMAT		"%15ld %15ld %15ld"
#define REC_SIZE_LEN		47
#define REC_TIME_FORMAT		"%ld.%06ld"

/* Name of a record type, or "unknown". */
extern const char *rec_type_name(int type);

/* 1 when type is a known record type, else 0. */
extern int rec_type_known(int type);

/* 1 when a record of this type may appear in the section, else 0. */
extern int rec_type_allowed(int section, int type);

/* The section after a record of type read in section (unchanged for most). */
extern int rec_type_next_section(int section, int type);

/* Name of a section ("envelope", ...). */
extern const char *rec_type_section_name(int section);

#endif
