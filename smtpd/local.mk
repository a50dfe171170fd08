# smtpd/local.mk: smtpd(8) session - to be filled in
