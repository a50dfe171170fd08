/* placeholder: being written */
typedef int sasl_client_placeholder;
