#ifndef POSTERN_POSTCONF_MASTER_H
#define POSTERN_POSTCONF_MASTER_H

/*
 * postconf_master - "postconf -M" and "postconf -Mf": show master.cf
 */

/*
 * Print the entries of CONFIG_DIR/master.cf (config_dir NULL: $MAIL_CONFIG,
 * else the compiled-in default) selected by argv[0..argc-1] on stdout,
 * folded when fold is non-zero. Each argument is "service" or
 * "service/type"; "*" matches any name or type and an omitted type is "*".
 * No arguments select every entry. Entries are shown in file order, once
 * per matching argument, as Postfix 3.7 shows them.
 *
 * Returns the exit status: 0, also when an argument matches nothing
 * (warning "unmatched request"); 1 after "fatal: ..." on stderr when the
 * file cannot be read or parsed, an argument is malformed, or stdout
 * cannot be written.
 */
extern int postconf_master(const char *config_dir, int fold, int argc,
			   char **argv);

#endif
