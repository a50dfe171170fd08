#ifndef POSTERN_POSTCONF_H
#define POSTERN_POSTCONF_H

/*
 * postconf - internal interfaces between the postconf modules
 */

/* postconf_show.c: what to show (flags). */
#define PC_SHOW_DEFAULTS	(1<<0)	/* -d: built-in defaults */
#define PC_SHOW_NONDEF		(1<<1)	/* -n: only what main.cf sets */
#define PC_SHOW_NO_NAME		(1<<2)	/* -h: values only */
#define PC_SHOW_NO_VALUE	(1<<3)	/* -H: names only */
#define PC_SHOW_EXPAND		(1<<4)	/* -x: expand $name */
#define PC_SHOW_FOLD		(1<<5)	/* -f: fold long lines */

/*
 * Print the named parameters (all when argc is 0) on stdout, sorted when
 * all; warns about unknown names. Fatal on an expansion error.
 */
extern void postconf_show(int flags, int argc, char **argv);

/* postconf_edit.c: how to edit main.cf. */
#define PC_EDIT_SET		1	/* -e: name=value */
#define PC_EDIT_REMOVE		2	/* -X: name */
#define PC_EDIT_COMMENT		3	/* -#: name */

/*
 * Edit the main.cf file at path: replace or append (PC_EDIT_SET), remove
 * or comment out the named entries with their continuation lines; all
 * other bytes stay as they are. The new file replaces the old one
 * atomically. Fatal on error.
 */
extern void postconf_edit(const char *path, int mode, int argc, char **argv);

#endif
