/* placeholder: being written */
typedef int tls_misc_placeholder;
