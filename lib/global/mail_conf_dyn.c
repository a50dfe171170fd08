/*
 * mail_conf_dyn - defaults computed at run time
 *
 *	mail_conf_dynamic() gives the default of myhostname (gethostname(),
 *	with ".$mydomain" appended when main.cf sets mydomain and the name
 *	has no dot, else ".localdomain"), mydomain (myhostname without its
 *	first label, or "localdomain"), mynetworks (from mynetworks_style,
 *	inet_protocols and inet_interfaces), process_id and process_name.
 *	Values are computed once per configuration (see
 *	mail_conf_dynamic_reset()).
 *
 * Errors: NULL with the reason in why. A default that needs itself while
 * it is being computed (main.cf "mydomain = $myhostname") reads as
 * empty, which is what Postfix shows in that case.
 */
#include <sys/types.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "vstring.h"
#include "mail_params.h"
#include "mail_conf.h"
#include "mail_conf_priv.h"
#include "mynetworks.h"

#define DYN_COUNT	(MAIL_PARAM_DYN_PROCESS_NAME + 1)

static char *dyn_value[DYN_COUNT];
static int dyn_busy[DYN_COUNT];
static pid_t dyn_pid;

void
mail_conf_dynamic_reset(void)
{
	int     i;

	for (i = 0; i < DYN_COUNT; i++) {
		if (dyn_value[i])
			myfree(dyn_value[i]);
		dyn_value[i] = NULL;
	}
}

static char *
compute_myhostname(VSTRING *why)
{
	char    host[256];
	const char *domain;
	VSTRING *buf;
	char   *result;

	if (gethostname(host, sizeof(host)) < 0) {
		vstring_sprintf(why, "gethostname: %s", strerror(errno));
		return (NULL);
	}
	host[sizeof(host) - 1] = '\0';
	if (strchr(host, '.') != NULL)
		return (mystrdup(host));
	buf = vstring_alloc(100);
	if ((domain = mail_conf_entry("mydomain", NULL)) != NULL) {
		if (mail_conf_expand(buf, domain, why) < 0) {
			vstring_free(buf);
			return (NULL);
		}
	} else {
		vstring_strcpy(buf, "localdomain");
	}
	result = mymalloc(strlen(host) + vstring_len(buf) + 2);
	sprintf(result, "%s.%s", host, vstring_str(buf));
	vstring_free(buf);
	return (result);
}

static char *
compute_mydomain(VSTRING *why)
{
	VSTRING *buf = vstring_alloc(100);
	const char *dot;
	char   *result = NULL;

	if (mail_conf_eval("myhostname", buf, why) == 0) {
		dot = strchr(vstring_str(buf), '.');
		result = mystrdup(dot ? dot + 1 : "localdomain");
	}
	vstring_free(buf);
	return (result);
}

static char *
compute_mynetworks(VSTRING *why)
{
	static const char *const names[] = {
		"mynetworks_style", "inet_protocols", "inet_interfaces",
	};
	VSTRING *value[3];
	char   *result = NULL;
	int     i;
	int     ok = 1;

	for (i = 0; i < 3; i++) {
		value[i] = vstring_alloc(100);
		if (ok && mail_conf_eval(names[i], value[i], why) < 0)
			ok = 0;
	}
	if (ok)
		result = mynetworks_default(vstring_str(value[0]),
					    vstring_str(value[1]),
					    vstring_str(value[2]), why);
	for (i = 0; i < 3; i++)
		vstring_free(value[i]);
	return (result);
}

const char *
mail_conf_dynamic(int which, VSTRING *why)
{
	char    pid[32];
	char   *value = NULL;

	if (which <= 0 || which >= DYN_COUNT)
		msg_panic("mail_conf_dynamic: bad selector %d", which);
	if (which == MAIL_PARAM_DYN_PROCESS_ID && dyn_pid != getpid()
	    && dyn_value[which]) {
		myfree(dyn_value[which]);
		dyn_value[which] = NULL;
	}
	if (dyn_value[which])
		return (dyn_value[which]);
	if (dyn_busy[which])
		return ("");
	dyn_busy[which] = 1;
	switch (which) {
	case MAIL_PARAM_DYN_MYHOSTNAME:
		value = compute_myhostname(why);
		break;
	case MAIL_PARAM_DYN_MYDOMAIN:
		value = compute_mydomain(why);
		break;
	case MAIL_PARAM_DYN_MYNETWORKS:
		value = compute_mynetworks(why);
		break;
	case MAIL_PARAM_DYN_PROCESS_ID:
		dyn_pid = getpid();
		snprintf(pid, sizeof(pid), "%ld", (long) dyn_pid);
		value = mystrdup(pid);
		break;
	case MAIL_PARAM_DYN_PROCESS_NAME:
		value = mystrdup(msg_progname());
		break;
	}
	dyn_busy[which] = 0;
	dyn_value[which] = value;
	return (value);
}
