# sendmail/local.mk - to be filled in
