/* placeholder: being written */
typedef int smtp_client_placeholder;
