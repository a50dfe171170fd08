#ifndef POSTERN_MASTER_CF_ARGS_H
#define POSTERN_MASTER_CF_ARGS_H

/*
 * master_cf_args - normalize the command arguments of a master.cf entry
 *
 * Internal to master_cf (see master_cf.h for the rules it implements).
 */
#include <stddef.h>

#include "argv.h"

/*
 * tok[0..ntok-1] are the columns after the command, as split from the
 * logical line (braces intact). Appends the normalized arguments to argv
 * (which already holds the command), and the name and value of each
 * well-formed "-o name=value" among the leading options to onames and
 * ovalues. Warns (msg_warn) as "file, line N: ..." about unbalanced
 * braces and malformed "-o" values; never fails.
 */
extern void master_cf_args(ARGV *argv, ARGV *onames, ARGV *ovalues,
			   char **tok, size_t ntok,
			   const char *file, int line);

#endif
