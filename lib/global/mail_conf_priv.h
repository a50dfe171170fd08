#ifndef POSTERN_MAIL_CONF_PRIV_H
#define POSTERN_MAIL_CONF_PRIV_H

/*
 * mail_conf_priv - what the mail_conf modules share and nobody else uses
 */
#include "vstring.h"
#include "argv.h"

/* mail_conf.c */
extern int mail_conf_is_registered(const char *name);
extern ARGV *mail_conf_entry_names_ordered(void);	/* main.cf order */

/* mail_conf_dyn.c: a computed default, or NULL with the reason in why. */
extern const char *mail_conf_dynamic(int which, VSTRING *why);
extern void mail_conf_dynamic_reset(void);

/* mail_conf_check.c */
extern void mail_conf_check_reset(void);

#endif
