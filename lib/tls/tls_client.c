/* placeholder: being written */
typedef int tls_client_placeholder;
