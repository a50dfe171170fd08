# lib/global/server.mk: mail_server skeleton, mail_connect/mail_trigger, postlog client (helper H2) - to be filled in
