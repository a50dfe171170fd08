# postlogd/local.mk: postlogd(8) - to be filled in
