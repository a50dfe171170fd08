# postfix/local.mk: postfix(1) - to be filled in
