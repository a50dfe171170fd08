#!/usr/bin/python3
"""A stand-in for a postern daemon, for master(8) tests.

It speaks the child side of lib/global/master_proto.h: reports
"available" on MASTER_STATUS_FD (3) after start-up and after each
connection, "busy" before serving one, serves the listeners from fd 4
on, and exits when master closes the status pipe (between connections).

Arguments after master's own options are key=value settings:
  started=PATH  append "pid gen service" to PATH at start-up
  fail=N        exit with status N right after start-up, before any report
  uses=N        exit after N connections (like max_use)
  log=PATH      trigger mode: append every byte received to PATH
  linger=1      keep serving connections after master went away
  ignore_term=1 ignore SIGTERM (master must escalate to SIGKILL)
A stream connection is greeted with "hello PID GEN\\n"; each line "X" is
answered with "echo X PID\\n"; the line "info" gets one JSON line with
pid, uid, gid, argv, environment and the master options seen.
"""
import json
import os
import select
import signal
import socket
import struct
import sys

TAKEN, AVAIL = 0, 1


def parse(argv):
    opts = {"-v": 0, "-u": False, "-c": False, "-d": False}
    settings = {}
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in ("-n", "-t", "-s"):
            opts[a] = argv[i + 1]
            i += 2
            continue
        if a == "-o":
            settings.setdefault("-o", []).append(argv[i + 1])
            i += 2
            continue
        if a in ("-u", "-c", "-d"):
            opts[a] = True
        elif a == "-v":
            opts["-v"] += 1
        elif "=" in a:
            k, v = a.split("=", 1)
            settings[k] = v
        i += 1
    return opts, settings


def main():
    opts, settings = parse(sys.argv)
    gen = int(os.environ.get("MASTER_GEN", "0"))
    pid = os.getpid()
    if "started" in settings:
        with open(settings["started"], "a") as f:
            f.write(f"{pid} {gen} {opts.get('-n')}\n")
    if "fail" in settings:
        sys.exit(int(settings["fail"]))
    if "ignore_term" in settings:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def status(avail):
        try:
            os.write(3, struct.pack("iIi", pid, gen, avail))
        except OSError:
            pass

    stype = opts.get("-t")
    count = int(opts.get("-s", "1"))
    fds = [4 + i for i in range(count)]
    socks = {}
    if stype != "fifo":
        for fd in fds:
            socks[fd] = socket.socket(fileno=fd)
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    poller.register(3, 0)  # errors only: master closed the status pipe
    status(AVAIL)
    uses = 0
    max_uses = int(settings.get("uses", "0"))

    def record(data):
        with open(settings["log"], "ab") as f:
            f.write(data)

    def serve(conn):
        conn.setblocking(True)
        f = conn.makefile("rwb", buffering=0)
        f.write(f"hello {pid} {gen}\n".encode())
        for line in f:
            line = line.rstrip(b"\r\n").decode()
            if line == "info":
                info = {"pid": pid, "uid": os.getuid(), "gid": os.getgid(),
                        "argv": sys.argv, "env": dict(os.environ),
                        "fds": sorted(int(x) for x in os.listdir("/proc/self/fd"))}
                f.write((json.dumps(info) + "\n").encode())
            else:
                f.write(f"echo {line} {pid}\n".encode())
        conn.close()

    while True:
        events = poller.poll()
        if any(fd == 3 for fd, _ in events):
            if "linger" not in settings:
                sys.exit(0)
            poller.unregister(3)
        for fd, ev in events:
            if fd not in fds or not ev & (select.POLLIN | select.POLLERR):
                continue
            if stype == "fifo":
                try:
                    data = os.read(fd, 100)
                except BlockingIOError:
                    continue
                if "log" in settings:
                    record(data)
                continue
            sock = socks[fd]
            if stype == "unix-dgram":
                try:
                    data = sock.recv(100)
                except BlockingIOError:
                    continue
                if "log" in settings:
                    record(data)
                continue
            try:
                conn, _ = sock.accept()
            except BlockingIOError:
                continue
            status(TAKEN)
            if "log" in settings:
                conn.setblocking(True)
                record(conn.recv(100))
                conn.close()
            else:
                try:
                    serve(conn)
                except OSError:
                    pass
            status(AVAIL)
            uses += 1
            if max_uses and uses >= max_uses:
                sys.exit(0)


if __name__ == "__main__":
    main()
