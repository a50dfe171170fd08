# smtpd/check.mk: smtpd(8) restrictions - to be filled in
