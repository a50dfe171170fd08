/* placeholder: being written */
typedef int mime_downgrade_placeholder;
