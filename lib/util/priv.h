#ifndef POSTERN_PRIV_H
#define POSTERN_PRIV_H

/*
 * priv - user lookup and irreversible privilege drops
 *
 *	get_user_ids() looks up a login name's uid and primary gid.
 *	get_unpriv_user_ids() does the same but refuses an account with
 *		user ID 0 or group ID 0 (a root mail_owner, default_privs).
 *	set_ugid() makes uid/gid the real, effective and saved IDs, with gid
 *		as the only supplementary group, and checks that the drop
 *		cannot be undone.
 *	chroot_uid() looks up a user, chroots (and chdirs to the new root),
 *		then calls set_ugid(); either part may be skipped with NULL.
 *
 * Errors: the lookups return 0, or -1 with a reason in "why". A process
 * that fails to drop privileges must not continue, so set_ugid() and
 * chroot_uid() are fatal on failure (msg_fatal), and set_ugid() panics if
 * the kernel lets it become root again. Without root privileges set_ugid()
 * is a no-op when the process already has the requested IDs (a suite run
 * by an ordinary user, DESIGN §5) and fatal otherwise.
 */
#include <sys/types.h>

#include "vstring.h"

extern int get_user_ids(const char *user, uid_t *uid, gid_t *gid,
			VSTRING *why);

/* "what" names the setting in the reason, e.g. "mail_owner"; may be NULL. */
extern int get_unpriv_user_ids(const char *user, const char *what,
			       uid_t *uid, gid_t *gid, VSTRING *why);
extern void set_ugid(uid_t uid, gid_t gid);
extern void chroot_uid(const char *root_dir, const char *user);

#endif
