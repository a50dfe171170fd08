/*
 * smtpd_check_maps - reject unknown recipients and senders at RCPT time
 *
 *	chk_maps_init() reads smtpd_reject_unlisted_recipient,
 *		smtpd_reject_unlisted_sender and the unknown_*_reject_code
 *		parameters, and opens local_recipient_maps,
 *		virtual_alias_maps, virtual_mailbox_maps and
 *		relay_recipient_maps (before chroot).
 *	chk_maps_free() closes them.
 *	chk_unlisted_rcpt() and chk_unlisted_sender() apply the implicit
 *		smtpd_reject_unlisted_recipient / _sender checks (also the
 *		reject_unlisted_* restrictions): CHK_DUNNO, or CHK_REJECT with
 *		the reply.
 *
 * As in Postfix, an address is known when virtual_alias_maps has it
 * (whatever its domain), else by the class of its domain:
 *
 *	local	local_recipient_maps (default "proxy:unix:passwd.byname
 *		$alias_maps"; "proxy:" is accepted and opens the table
 *		directly, postern having no proxymap yet); an empty value
 *		turns the check off: "550 5.1.1 <a>: Recipient address
 *		rejected: User unknown in local recipient table"
 *	virtual alias domain: "... User unknown in virtual alias table"
 *	virtual mailbox domain: virtual_mailbox_maps, "... User unknown in
 *		virtual mailbox table"
 *	relay	relay_recipient_maps when not empty, "... User unknown in
 *		relay recipient table"
 *	default	not checked.
 *
 * Tables are searched in mail_addr_find.h's order (user@domain,
 * without the recipient_delimiter extension, the bare user for local
 * domains, @domain). The codes are unknown_local_recipient_reject_code,
 * unknown_virtual_alias_reject_code, unknown_virtual_mailbox_reject_code
 * and unknown_relay_recipient_reject_code; a sender gets 5.1.0 and
 * "Sender address rejected". show_user_unknown_table_name = no drops the
 * " in ... table". A lookup error is "451 4.3.0 <a>: Temporary lookup
 * failure" (a warning is logged), never a reject.
 */
#include <string.h>

#include "msg.h"
#include "vstring.h"
#include "dict.h"
#include "mail_conf.h"
#include "maps.h"
#include "mail_addr_find.h"
#include "smtpd_check.h"
#include "smtpd_check_priv.h"

static MAPS *local_rcpt_maps;
static MAPS *virt_alias_maps;
static MAPS *virt_mailbox_maps;
static MAPS *relay_rcpt_maps;
static int reject_unlisted_rcpt;
static int reject_unlisted_sender;
static int show_table_name;
static long local_code;
static long alias_code;
static long mailbox_code;
static long relay_code;
static const char *rcpt_delim;

void
chk_maps_init(void)
{
	chk_maps_free();
	reject_unlisted_rcpt = mail_conf_bool("smtpd_reject_unlisted_recipient");
	reject_unlisted_sender = mail_conf_bool("smtpd_reject_unlisted_sender");
	show_table_name = mail_conf_bool("show_user_unknown_table_name");
	local_code = mail_conf_int("unknown_local_recipient_reject_code");
	alias_code = mail_conf_int("unknown_virtual_alias_reject_code");
	mailbox_code = mail_conf_int("unknown_virtual_mailbox_reject_code");
	relay_code = mail_conf_int("unknown_relay_recipient_reject_code");
	rcpt_delim = mail_conf_str("recipient_delimiter");
	local_rcpt_maps = maps_create("local_recipient_maps",
				      mail_conf_str("local_recipient_maps"));
	virt_alias_maps = maps_create("virtual_alias_maps",
				      mail_conf_str("virtual_alias_maps"));
	virt_mailbox_maps = maps_create("virtual_mailbox_maps",
				      mail_conf_str("virtual_mailbox_maps"));
	relay_rcpt_maps = maps_create("relay_recipient_maps",
				      mail_conf_str("relay_recipient_maps"));
}

void
chk_maps_free(void)
{
	MAPS  **all[] = {&local_rcpt_maps, &virt_alias_maps, &virt_mailbox_maps,
	&relay_rcpt_maps, NULL};
	size_t	i;

	for (i = 0; all[i] != NULL; i++) {
		if (*all[i] != NULL) {
			maps_free(*all[i]);
			*all[i] = NULL;
		}
	}
}

/* Look addr up: 1 found, 0 not found, -1 lookup error. */
static int
chk_maps_has(MAPS *maps, const char *addr, int local)
{
	const char *value;
	int	status;

	status = mail_addr_find(maps, addr, local ? MAIL_ADDR_FIND_LOCAL :
				MAIL_ADDR_FIND_NONE, rcpt_delim, &value, NULL);
	if (status == DICT_STAT_ERROR)
		return (-1);
	return (status == DICT_STAT_SUCCESS);
}

static int
chk_unlisted(CHK_STATE *state, const char *addr, const char *reply_name,
	     const char *dsn)
{
	CHK_RESOLVED res;
	MAPS   *maps = NULL;
	const char *table = NULL;
	long	code = 0;
	int	found;
	int	ret = CHK_DUNNO;

	if (*addr == 0)
		return (CHK_DUNNO);
	res.addr = vstring_alloc(100);
	if (chk_resolve(addr, &res) < 0) {
		ret = chk_reject(state, CHK_ERR_DATA, 451, "4.3.0",
				 "<%s>: Temporary lookup failure", addr);
		vstring_free(res.addr);
		return (ret);
	}
	switch (res.addr_class) {
	case SMTPD_CLASS_LOCAL:
		if (!maps_empty(local_rcpt_maps)) {
			maps = local_rcpt_maps;
			table = "local recipient table";
			code = local_code;
		}
		break;
	case SMTPD_CLASS_ALIAS:
		table = "virtual alias table";
		code = alias_code;
		break;
	case SMTPD_CLASS_VIRTUAL:
		maps = virt_mailbox_maps;
		table = "virtual mailbox table";
		code = mailbox_code;
		break;
	case SMTPD_CLASS_RELAY:
		if (!maps_empty(relay_rcpt_maps)) {
			maps = relay_rcpt_maps;
			table = "relay recipient table";
			code = relay_code;
		}
		break;
	}
	if (table != NULL) {
		/* virtual_alias_maps first: an alias is known anywhere. */
		found = chk_maps_has(virt_alias_maps, vstring_str(res.addr),
				     res.addr_class == SMTPD_CLASS_LOCAL);
		if (found == 0 && maps != NULL)
			found = chk_maps_has(maps, vstring_str(res.addr),
					 res.addr_class == SMTPD_CLASS_LOCAL);
		if (found < 0)
			ret = chk_reject(state, CHK_ERR_DATA, 451, "4.3.0",
					 "<%s>: Temporary lookup failure", addr);
		else if (found == 0)
			ret = chk_reject(state, CHK_ERR_POLICY, (int) code, dsn,
					 "<%s>: %s rejected: User unknown%s%s",
					 addr, reply_name,
					 show_table_name ? " in " : "",
					 show_table_name ? table : "");
	}
	vstring_free(res.addr);
	return (ret);
}

int
chk_unlisted_rcpt(CHK_STATE *state, const char *addr)
{
	return (chk_unlisted(state, addr, CHK_NAME_RECIPIENT, "5.1.1"));
}

int
chk_unlisted_sender(CHK_STATE *state, const char *addr)
{
	return (chk_unlisted(state, addr, CHK_NAME_SENDER, "5.1.0"));
}

int
chk_maps_reject_unlisted_rcpt(void)
{
	return (reject_unlisted_rcpt);
}

int
chk_maps_reject_unlisted_sender(void)
{
	return (reject_unlisted_sender);
}
