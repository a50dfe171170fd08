/*
 * dns_rr - DNS record lists: free, MX ordering, names for types and results
 *
 *	dns_rr_free() releases a list. dns_rr_sort_mx() orders MX records
 *	by preference and shuffles records of equal preference (Fisher-
 *	Yates over a private generator seeded once from pid and time, so
 *	load spreads over equal MX hosts, RFC 5321 5.1).
 *	dns_strtype() and dns_strerror() name record types and results.
 */
#include <sys/types.h>
#include <arpa/nameser.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "dns.h"
#include "dns_priv.h"

static uint64_t dns_rand_state;

/* dns_rr_sort_mx_seed - seed the shuffle (tests; else pid and time) */

void
dns_rr_sort_mx_seed(unsigned long seed)
{
	/* splitmix64 of the seed: a zero xorshift state would stick. */
	uint64_t z = (uint64_t) seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	dns_rand_state = (z ^ (z >> 31)) | 1;
}

/* dns_rand_below - uniform integer in [0, n), n > 0 */

static size_t
dns_rand_below(size_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	if (dns_rand_state == 0)
		dns_rr_sort_mx_seed((unsigned long) getpid()
				    ^ (unsigned long) time(NULL));
	do {
		/* xorshift64* */
		dns_rand_state ^= dns_rand_state >> 12;
		dns_rand_state ^= dns_rand_state << 25;
		dns_rand_state ^= dns_rand_state >> 27;
		x = dns_rand_state * 0x2545f4914f6cdd1dULL;
	} while (x >= limit);
	return ((size_t) (x % n));
}

void
dns_rr_free(DNS_RR *list)
{
	DNS_RR *next;

	for (; list; list = next) {
		next = list->next;
		myfree(list->qname);
		myfree(list->rname);
		if (list->host)
			myfree(list->host);
		myfree(list);
	}
}

void
dns_rr_sort_mx(DNS_RR **list)
{
	DNS_RR **vec;
	DNS_RR *rr;
	size_t	n = 0;
	size_t	i;
	size_t	j;

	for (rr = *list; rr; rr = rr->next)
		n++;
	if (n < 2)
		return;
	vec = mymalloc_array(n, sizeof(*vec));
	for (i = 0, rr = *list; rr; rr = rr->next)
		vec[i++] = rr;
	/* Shuffle, then sort stably: equal preferences end up shuffled. */
	for (i = n - 1; i > 0; i--) {
		DNS_RR *t;

		j = dns_rand_below(i + 1);
		t = vec[i];
		vec[i] = vec[j];
		vec[j] = t;
	}
	for (i = 1; i < n; i++) {
		rr = vec[i];
		for (j = i; j > 0 && vec[j - 1]->pref > rr->pref; j--)
			vec[j] = vec[j - 1];
		vec[j] = rr;
	}
	for (i = 0; i + 1 < n; i++)
		vec[i]->next = vec[i + 1];
	vec[n - 1]->next = NULL;
	*list = vec[0];
	myfree(vec);
}

const char *
dns_strtype(int type)
{
	switch (type) {
	case T_A:
		return ("A");
	case T_AAAA:
		return ("AAAA");
	case T_MX:
		return ("MX");
	case T_TXT:
		return ("TXT");
	case T_PTR:
		return ("PTR");
	case T_CNAME:
		return ("CNAME");
	case T_NS:
		return ("NS");
	default:
		return ("unknown");
	}
}

const char *
dns_strerror(int status)
{
	switch (status) {
	case DNS_OK:
		return ("Success");
	case DNS_NOTFOUND:
		return ("Host not found");
	case DNS_NODATA:
		return ("Host found but no data record of requested type");
	case DNS_RETRY:
		return ("Host not found, try again");
	case DNS_FAIL:
		return ("Non-recoverable error");
	default:
		msg_panic("dns_strerror: unknown status %d", status);
	}
}
