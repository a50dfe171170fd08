#ifndef POSTERN_MAIL_CONF_H
#define POSTERN_MAIL_CONF_H

/*
 * mail_conf - main.cf and the parameter table
 *
 * Every parameter the code reads is declared once in the parameter table
 * (mail_params.c) with its name, type, default and bounds; postconf -d is
 * generated from that table. Values are expanded lazily ($name, ${name},
 * ${name?{text}}, ${name:{text}}) when they are read.
 *
 * Strings returned by the functions below stay valid until the next
 * mail_conf_init(), mail_conf_init_flags() or mail_conf_reset().
 */
#include <stdio.h>

#include "vstring.h"
#include "argv.h"

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

/*
 * mail_conf_init() is mail_conf_init_flags(config_dir,
 * MAIL_CONF_FLAG_CHECK): it also syntax-checks every main.cf value (fatal
 * on error) and warns about parameters that nothing uses, taking
 * master.cf services and "-o" overrides into account.
 */
#define MAIL_CONF_FLAG_NONE	0
#define MAIL_CONF_FLAG_CHECK	(1<<0)
extern void mail_conf_init_flags(const char *config_dir, int flags);

/* The main.cf path in use. */
extern const char *mail_conf_path(void);

/*
 * The expanded value of a parameter set in main.cf or by an override,
 * for names outside the table too (user-defined parameters such as
 * restriction classes); NULL when not set. Fatal on an expansion error.
 */
extern const char *mail_conf_lookup(const char *name);

/*
 * Per-transport parameters (<transport>_<suffix>, e.g. "relay" and
 * "destination_concurrency_limit"): the main.cf value, else the
 * transport's default (the global parameter). Panic on an unknown suffix.
 */
extern const char *mail_conf_transport_str(const char *transport,
					   const char *suffix);
extern long mail_conf_transport_int(const char *transport, const char *suffix);
extern long mail_conf_transport_time(const char *transport, const char *suffix);

/*
 * Lower-level access for postconf, tests and the fuzz target; none of
 * these exits.
 *
 * mail_conf_reset() forgets everything (no main.cf: all defaults).
 * mail_conf_load() sets the directory (entered as config_directory when
 * explicit, as Postfix does for -c and MAIL_CONFIG) and reads main.cf;
 * mail_conf_load_stream() reads main.cf text from a stream. Both warn
 * about overridden entries and read-only parameters and return 0, or -1
 * with the reason in why.
 */
extern void mail_conf_reset(void);
/* mail_conf_reset(), then use config_dir without reading main.cf. */
extern void mail_conf_set_dir(const char *config_dir);
extern int mail_conf_load(const char *config_dir, int explicit_dir,
			  VSTRING *why);
extern int mail_conf_load_stream(FILE *fp, const char *path, VSTRING *why);

/*
 * mail_conf_eval() expands any known or set name into result (raw
 * parameters are copied as they are); returns 0, or -1 with the reason
 * in why. mail_conf_expand() expands arbitrary text the same way.
 */
extern int mail_conf_eval(const char *name, VSTRING *result, VSTRING *why);
extern int mail_conf_expand(VSTRING *result, const char *text, VSTRING *why);

/* The unexpanded main.cf (or override) value and its line (0: none). */
extern const char *mail_conf_entry(const char *name, int *line);
/* Names set in main.cf or by overrides, sorted. */
extern ARGV *mail_conf_entry_names(void);
/*
 * The unexpanded default of a known name (computed ones are computed,
 * and valid until the next reset or override); NULL when the name is not
 * known. mail_conf_default_error() says why a computed default failed
 * (NULL otherwise).
 */
extern const char *mail_conf_default(const char *name);
extern const char *mail_conf_default_error(void);
/* A name known without being in the table (per-transport parameters). */
extern void mail_conf_register(const char *name, const char *defval);
/* Registered names, sorted. */
extern ARGV *mail_conf_registered_names(void);

/*
 * Which names count as known (mail_conf_check.c).
 *
 * mail_conf_services_load() reads master.cf in the configuration
 * directory: delivery services get their per-transport parameters
 * registered, and "-o" settings are remembered; returns 0, or -1 with
 * "open PATH: ..." or a syntax error in why.
 * mail_conf_scan() syntax-checks every main.cf value (raw parameters
 * excepted; errors are warnings at this stage), remembers every $name
 * reference as a user-defined parameter, and warns once about each
 * referenced name that is neither known nor set ("FILE: undefined
 * parameter: name"). Then, as Postfix does, it expands every table
 * parameter that main.cf sets, checks compatibility_level and computes
 * myhostname, mydomain and mynetworks. Returns 0, or -1 with "FILE, line
 * N: parameter NAME: reason" in why.
 * mail_conf_warn_unused() warns "FILE: unused parameter: name=value"
 * for main.cf and master.cf settings that nothing knows.
 */
#define MAIL_CONF_KNOWN_NONE	0
#define MAIL_CONF_KNOWN_TABLE	1	/* in the parameter table */
#define MAIL_CONF_KNOWN_TRANSPORT 2	/* per-transport, registered */
#define MAIL_CONF_KNOWN_LEGACY	3	/* named in a default only */
#define MAIL_CONF_KNOWN_USER	4	/* referenced by another value */
extern int mail_conf_known(const char *name);
extern int mail_conf_services_load(VSTRING *why);
extern int mail_conf_scan(VSTRING *why);
extern void mail_conf_warn_unused(void);

/*
 * Typed conversions with bounds (mail_conf_type.c): 0, or -1 with the
 * reason in why, e.g. "bad numerical configuration: name = value".
 */
extern int mail_conf_conv_int(const char *name, const char *value, long min,
			      long max, long *result, VSTRING *why);
extern int mail_conf_conv_bool(const char *name, const char *value,
			       int *result, VSTRING *why);
extern int mail_conf_conv_time(const char *name, const char *value, int unit,
			       long min, long max, long *result, VSTRING *why);

#endif
