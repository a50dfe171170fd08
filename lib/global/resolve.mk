# lib/global/resolve.mk - to be filled in
