# lib/global/bounce.mk - to be filled in
