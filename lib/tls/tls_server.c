/* placeholder: being written */
typedef int tls_server_placeholder;
