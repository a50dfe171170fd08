/*
 * priv - user lookup and irreversible privilege drops
 *
 *	get_user_ids()		login name -> uid, primary gid
 *	get_unpriv_user_ids()	the same, refusing uid 0 and gid 0
 *	set_ugid()		drop to uid/gid for good, verified
 *	chroot_uid()		chroot + chdir, then set_ugid()
 *
 * Errors: lookups return -1 and a reason; a failed drop is fatal and a
 * reversible drop panics (see priv.h).
 */
#include <sys/types.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "priv.h"

int
get_user_ids(const char *user, uid_t *uid, gid_t *gid, VSTRING *why)
{
	struct passwd *pw;

	/* getpwnam() leaves errno alone (or sets ENOENT & co.) for "no such". */
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (why != NULL) {
			if (errno == 0 || errno == ENOENT || errno == ESRCH
			    || errno == EBADF || errno == EPERM)
				vstring_sprintf(why, "unknown user: %s", user);
			else
				vstring_sprintf(why, "cannot look up user %s: %s",
						user, strerror(errno));
		}
		return (-1);
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return (0);
}

int
get_unpriv_user_ids(const char *user, const char *what, uid_t *uid,
		    gid_t *gid, VSTRING *why)
{
	uid_t   u;
	gid_t   g;

	if (what == NULL)
		what = "user";
	if (get_user_ids(user, &u, &g, why) < 0) {
		if (why != NULL) {
			char   *reason = mystrdup(vstring_str(why));

			vstring_sprintf(why, "%s: %s", what, reason);
			myfree(reason);
		}
		return (-1);
	}
	if (u == 0) {
		if (why != NULL)
			vstring_sprintf(why, "%s: user %s has privileged user ID 0;"
					" specify an unprivileged account",
					what, user);
		return (-1);
	}
	if (g == 0) {
		if (why != NULL)
			vstring_sprintf(why, "%s: user %s has privileged group ID 0;"
					" specify an unprivileged account",
					what, user);
		return (-1);
	}
	*uid = u;
	*gid = g;
	return (0);
}

void
set_ugid(uid_t uid, gid_t gid)
{
	gid_t   groups[2];

	if (uid == 0)
		msg_panic("set_ugid: refusing to \"drop\" privileges to uid 0");

	if (geteuid() != 0) {
		if (getuid() == uid && geteuid() == uid
		    && getgid() == gid && getegid() == gid)
			return;
		msg_fatal("cannot switch to uid %ld gid %ld: "
			  "not running with root privileges",
			  (long) uid, (long) gid);
	}

	/* Groups first: after setuid() we may no longer change them. */
	if (setgroups(1, &gid) < 0)
		msg_fatal("setgroups(%ld): %s", (long) gid, strerror(errno));
	if (setgid(gid) < 0)
		msg_fatal("setgid(%ld): %s", (long) gid, strerror(errno));
	if (setuid(uid) < 0)
		msg_fatal("setuid(%ld): %s", (long) uid, strerror(errno));

	/* Trust, but verify: all IDs changed, and there is no way back. */
	if (getuid() != uid || geteuid() != uid
	    || getgid() != gid || getegid() != gid)
		msg_panic("set_ugid: IDs did not change to uid %ld gid %ld",
			  (long) uid, (long) gid);
	if (getgroups(2, groups) != 1 || groups[0] != gid)
		msg_panic("set_ugid: supplementary groups not reduced to %ld",
			  (long) gid);
	if (setuid(0) == 0 || seteuid(0) == 0)
		msg_panic("set_ugid: privileges were regained after the drop "
			  "to uid %ld", (long) uid);
}

void
chroot_uid(const char *root_dir, const char *user)
{
	VSTRING *why = vstring_alloc(100);
	uid_t   uid = 0;
	gid_t   gid = 0;

	/* Look the user up while /etc/passwd is still in sight. */
	if (user != NULL
	    && get_unpriv_user_ids(user, "chroot_uid", &uid, &gid, why) < 0)
		msg_fatal("%s", vstring_str(why));
	vstring_free(why);

	if (root_dir != NULL) {
		if (chroot(root_dir) < 0)
			msg_fatal("chroot(%s): %s", root_dir, strerror(errno));
		if (chdir("/") < 0)
			msg_fatal("chdir(/) in %s: %s", root_dir, strerror(errno));
	}
	if (user != NULL)
		set_ugid(uid, gid);
}
