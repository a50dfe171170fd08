# lib/util I/O modules (vstream, events, sockets, attr)
