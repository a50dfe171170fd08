#ifndef POSTERN_SPAWN_H
#define POSTERN_SPAWN_H

/*
 * spawn - run a command without a shell, with input, output and a deadline
 *
 *	spawn_command() forks and execve()s argv[0] with the argument vector
 *	as given: no shell ever sees the arguments, so metacharacters in
 *	envelope data stay literal (DESIGN §5). The child runs in its own
 *	process group with default signal dispositions, an empty signal
 *	mask, descriptors 0-2 only, and, when uid/gid are not -1, those
 *	IDs (gid as the only group). "envp" NULL means an empty environment.
 *	"stdin_data" (NULL: /dev/null) is written to the child's standard
 *	input (spawn_command_data() takes its length, so it may hold NUL
 *	bytes: message content); standard output and standard error, merged, are collected in
 *	"stdout_out" (NULL: discarded; at most SPAWN_OUTPUT_MAX bytes are
 *	kept, the rest is read and dropped). With timeout > 0 seconds, the
 *	whole process group is killed with SIGKILL when the command and its
 *	output are not done by then.
 *
 * Results (the return value):
 *	SPAWN_STAT_EXITED	the command exited; *exit_status is its code
 *	SPAWN_STAT_SIGNALED	a signal killed it; *exit_status is the signal
 *	SPAWN_STAT_TIMEOUT	the deadline passed; the group was killed
 *	SPAWN_STAT_ERROR	it could not be run (fork, exec, uid change)
 * "why" (may be NULL) gets a reason for all results other than exit
 * status 0; "exit_status" may be NULL. SIGPIPE is ignored and SIGCHLD
 * blocked while the function runs, and both are restored before it
 * returns, so a SIGCHLD handler that reaps everything cannot steal the
 * child. Nothing here exits the calling process.
 */
#include <sys/types.h>

#include "vstring.h"

#define SPAWN_STAT_EXITED	0
#define SPAWN_STAT_SIGNALED	1
#define SPAWN_STAT_TIMEOUT	2
#define SPAWN_STAT_ERROR	(-1)

#define SPAWN_OUTPUT_MAX	(4 * 1024 * 1024)

extern int spawn_command(const char *const argv[], const char *const envp[],
			 uid_t uid, gid_t gid, int timeout,
			 const char *stdin_data, VSTRING *stdout_out,
			 int *exit_status, VSTRING *why);
extern int spawn_command_data(const char *const argv[],
			      const char *const envp[], uid_t uid, gid_t gid,
			      int timeout, const char *stdin_data,
			      size_t stdin_len, VSTRING *stdout_out,
			      int *exit_status, VSTRING *why);

#endif
