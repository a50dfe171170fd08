/* placeholder: being written */
typedef int dns_lookup_placeholder;
