#ifndef POSTERN_MAIL_CONF_H
#define POSTERN_MAIL_CONF_H

/*
 * mail_conf - main.cf and the parameter table
 *
 * Every parameter the code reads is declared once in the parameter table
 * (mail_params.c) with its name, type, default and bounds; postconf -d is
 * generated from that table. Values are expanded lazily ($name, ${name},
 * ${name?{text}}, ${name:{text}}) when they are read.
 */

/*
 * Choose the configuration directory: config_dir when not NULL (-c),
 * else $MAIL_CONFIG, else the compiled-in default. Read main.cf; a syntax
 * error is fatal as "FILE, line N: ..."; an unknown parameter warns.
 */
extern void mail_conf_init(const char *config_dir);
/* The configuration directory in use. */
extern const char *mail_conf_dir(void);
/* Override a parameter as master.cf "-o name=value" does. */
extern void mail_conf_override(const char *name, const char *value);
/* Expanded values of parameters known to the table (panic when unknown). */
extern const char *mail_conf_str(const char *name);
extern long mail_conf_int(const char *name);
extern int mail_conf_bool(const char *name);
extern long mail_conf_time(const char *name);	/* seconds */
extern long mail_conf_size(const char *name);	/* bytes */

#endif
