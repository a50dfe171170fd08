/*
 * smtp_main - smtp(8): the SMTP delivery client
 *
 * See smtp_client.c for the request it serves and smtp(8) for the
 * behaviour; parameters are the smtp_* ones.
 */
#include "smtp.h"

int
main(int argc, char **argv)
{
	smtp_client_main(argc, argv, 0);
	return (0);
}
