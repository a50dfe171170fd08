/*
 * lmtp - lmtp(8): the LMTP delivery client
 *
 * The same code as smtp(8) (smtp/smtp_client.c) speaking LMTP: LHLO, one
 * reply per accepted recipient after the end of data, no MX lookups, and
 * "unix:path" destinations; parameters are the lmtp_* ones.
 */
#include "smtp.h"

int
main(int argc, char **argv)
{
	smtp_client_main(argc, argv, 1);
	return (0);
}
