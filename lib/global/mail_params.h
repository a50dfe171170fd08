#ifndef POSTERN_MAIL_PARAMS_H
#define POSTERN_MAIL_PARAMS_H

/*
 * mail_params - the parameter table
 *
 * Every main.cf parameter postern knows is declared once, in
 * mail_param_table[] (sorted by name), with its type, its raw default
 * (which may hold $name references, expanded when the value is read),
 * bounds and a one-line description; postconf -d and postconf(5) come
 * from this table. A few defaults are computed at run time (myhostname,
 * mydomain, mynetworks, process_id, process_name): their defval is NULL
 * and "dynamic" says which computation applies.
 *
 * mail_param_transport_table[] lists the per-transport parameters
 * (<transport>_destination_concurrency_limit, ...) that exist for every
 * master.cf service running a delivery agent, with their defaults.
 */
#include <stddef.h>

/* Types. */
#define MAIL_PARAM_STR		1
#define MAIL_PARAM_INT		2
#define MAIL_PARAM_LONG		3
#define MAIL_PARAM_BOOL		4
#define MAIL_PARAM_TIME		5	/* number + optional unit s m h d w */
#define MAIL_PARAM_SIZE		6	/* bytes */

/* Flags. */
#define MAIL_PARAM_FLAG_RAW	 (1<<0)	/* not expanded when read */
#define MAIL_PARAM_FLAG_READONLY (1<<1)	/* main.cf cannot set it */

/* Computed defaults. */
#define MAIL_PARAM_DYN_MYHOSTNAME	1
#define MAIL_PARAM_DYN_MYDOMAIN		2
#define MAIL_PARAM_DYN_MYNETWORKS	3
#define MAIL_PARAM_DYN_PROCESS_ID	4
#define MAIL_PARAM_DYN_PROCESS_NAME	5

typedef struct MAIL_PARAM {
	const char *name;
	int     type;			/* MAIL_PARAM_STR ... */
	const char *defval;		/* raw default; NULL: computed */
	int     dynamic;		/* MAIL_PARAM_DYN_* when computed */
	long    min;			/* numbers: lower bound */
	long    max;			/* numbers: upper bound, 0 = none */
	int     unit;			/* time: unit of a bare number */
	int     flags;			/* MAIL_PARAM_FLAG_* */
	const char *descr;		/* one line for postconf(5) */
} MAIL_PARAM;

extern const MAIL_PARAM mail_param_table[];
extern const size_t mail_param_count;

/* The table entry for name, or NULL (binary search). */
extern const MAIL_PARAM *mail_param_find(const char *name);

/* Which master.cf commands get a per-transport parameter. */
#define MAIL_PARAM_AGENT_DELIVERY	(1<<0)	/* smtp lmtp local virtual error pipe */
#define MAIL_PARAM_AGENT_COMMAND	(1<<1)	/* pipe spawn */

typedef struct MAIL_PARAM_TRANSPORT {
	const char *suffix;		/* after "<transport>_" */
	int     type;
	const char *defval;		/* raw default, e.g. "$default_..." */
	int     unit;			/* time: unit of a bare number */
	int     agents;			/* MAIL_PARAM_AGENT_* */
} MAIL_PARAM_TRANSPORT;

extern const MAIL_PARAM_TRANSPORT mail_param_transport_table[];
extern const size_t mail_param_transport_count;

/* The entry for suffix, or NULL. */
extern const MAIL_PARAM_TRANSPORT *mail_param_transport_find(const char *suffix);

/* MAIL_PARAM_AGENT_* bits for a master.cf command name (0: none). */
extern int mail_param_agent_kind(const char *command);

#endif
