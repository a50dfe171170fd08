/*
 * master_env - the environment of a child process (master_proto.h)
 *
 *	master_env_build(gen) returns a NULL-terminated "NAME=value" array:
 *		TZ and LANG from master's own environment, then each
 *		import_environment item ("NAME" copies master's value when
 *		set, "NAME=value" sets it), then MAIL_CONFIG (the
 *		configuration master uses), MAIL_LOGTAG (syslog_name) and
 *		MASTER_GEN (the generation). A later setting of a name
 *		replaces an earlier one. Nothing else is passed.
 *	master_env_free() releases it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mymalloc.h"
#include "vstring.h"
#include "argv.h"
#include "stringops.h"
#include "mail_conf.h"
#include "master_proto.h"
#include "master.h"

/* Set NAME=value in av, replacing an earlier NAME. */
static void
master_env_set(ARGV *av, const char *name, size_t name_len, const char *value)
{
	VSTRING *vp = vstring_alloc(100);
	size_t  i;

	vstring_strncpy(vp, name, name_len);
	vstring_addch(vp, '=');
	vstring_strcat(vp, value);
	for (i = 0; i < av->len; i++) {
		if (strncmp(av->argv[i], name, name_len) == 0
		    && av->argv[i][name_len] == '=') {
			myfree(av->argv[i]);
			av->argv[i] = vstring_export(vp);
			return;
		}
	}
	argv_add(av, vstring_str(vp));
	vstring_free(vp);
}

/* Copy NAME from master's environment, when it is set. */
static void
master_env_copy(ARGV *av, const char *name)
{
	const char *value = getenv(name);

	if (value != NULL)
		master_env_set(av, name, strlen(name), value);
}

char  **
master_env_build(unsigned gen)
{
	ARGV   *av = argv_alloc(16);
	char   *saved = mystrdup(mail_conf_str("import_environment"));
	char   *bp = saved;
	char   *item;
	char   *eq;
	char    num[32];
	char  **envp;

	master_env_copy(av, "TZ");
	master_env_copy(av, "LANG");
	while ((item = mystrtok(&bp, CHARS_COMMA_SP)) != NULL) {
		if ((eq = strchr(item, '=')) != NULL)
			master_env_set(av, item, (size_t) (eq - item), eq + 1);
		else
			master_env_copy(av, item);
	}
	myfree(saved);
	master_env_set(av, "MAIL_CONFIG", strlen("MAIL_CONFIG"),
		       master_config_dir);
	master_env_set(av, "MAIL_LOGTAG", strlen("MAIL_LOGTAG"),
		       mail_conf_str("syslog_name"));
	snprintf(num, sizeof(num), "%u", gen);
	master_env_set(av, MASTER_GEN_NAME, strlen(MASTER_GEN_NAME), num);

	/* Hand the array over; the ARGV shell goes. */
	envp = av->argv;
	av->argv = NULL;
	av->len = 0;
	myfree(av);
	return (envp);
}

void
master_env_free(char **envp)
{
	char  **cp;

	for (cp = envp; *cp != NULL; cp++)
		myfree(*cp);
	myfree(envp);
}
