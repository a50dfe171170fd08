/* placeholder: being written */
typedef int smtp_addr_placeholder;
