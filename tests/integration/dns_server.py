#!/usr/bin/python3
"""A small authoritative DNS server for tests (python3-dnslib).

    dns_server.py --zone ZONE.json [--address 127.0.0.1] [--port 53]
                  [--ready FILE] [--log FILE]

ZONE.json:
    {"records": {"example.test": {"MX": [[10, "mx1.example.test"]],
                                  "A": ["127.0.0.2"], "AAAA": ["::1"],
                                  "CNAME": "other.test"},
                 "nomail.test": {"MX": [[0, "."]]}},
     "servfail": ["broken.test"],
     "timeout": ["slow.test"]}

A name in "records" answers NOERROR with its records of the asked type
(none: NOERROR without answers, i.e. no data); a CNAME is followed
inside the zone. A name in "servfail" answers SERVFAIL, one in "timeout"
never answers. Any other name is NXDOMAIN. Serves UDP and TCP. Writes
FILE given with --ready once both sockets are bound, and one line
"NAME TYPE" per query to the --log file.
"""
import argparse
import json
import os
import sys
import threading
import time

from dnslib import AAAA, CNAME, MX, QTYPE, RCODE, RR, A, DNSLabel
from dnslib.server import BaseResolver, DNSError, DNSLogger, DNSServer


def norm(name):
    return str(name).rstrip(".").lower()


class ZoneResolver(BaseResolver):
    def __init__(self, zone, log=None):
        self.records = {norm(k): v for k, v in zone.get("records", {}).items()}
        self.servfail = {norm(n) for n in zone.get("servfail", [])}
        self.timeout = {norm(n) for n in zone.get("timeout", [])}
        self.log = log
        self.lock = threading.Lock()

    def note(self, name, qtype):
        if self.log:
            with self.lock, open(self.log, "a") as f:
                f.write(f"{name} {qtype}\n")

    def rdata(self, rtype, value):
        if rtype == "A":
            return A(value)
        if rtype == "AAAA":
            return AAAA(value)
        if rtype == "MX":
            pref, host = value
            # "." is the root: RFC 7505 null MX.
            return MX(DNSLabel(host if host != "." else []), int(pref))
        raise ValueError(rtype)

    def resolve(self, request, handler):
        reply = request.reply()
        reply.header.aa = 1
        name = norm(request.q.qname)
        qtype = QTYPE[request.q.qtype]
        self.note(name, qtype)
        if name in self.timeout:
            # dnslib's handler drops the query without an answer.
            raise DNSError(f"dropping query for {name}")
        if name in self.servfail:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        owner = name
        for _ in range(8):
            if owner in self.servfail:
                reply.header.rcode = RCODE.SERVFAIL
                return reply
            entry = self.records.get(owner)
            if entry is None:
                if owner == name:
                    reply.header.rcode = RCODE.NXDOMAIN
                return reply
            target = entry.get("CNAME")
            if target and qtype != "CNAME":
                reply.add_answer(RR(owner, QTYPE.CNAME, rdata=CNAME(target),
                                    ttl=60))
                owner = norm(target)
                continue
            for value in entry.get(qtype, []) if qtype != "CNAME" else \
                    ([target] if target else []):
                rd = CNAME(value) if qtype == "CNAME" else \
                    self.rdata(qtype, value)
                reply.add_answer(RR(owner, getattr(QTYPE, qtype), rdata=rd,
                                    ttl=60))
            return reply
        return reply


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zone", required=True)
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--ready")
    ap.add_argument("--log")
    args = ap.parse_args()
    with open(args.zone) as f:
        zone = json.load(f)
    resolver = ZoneResolver(zone, args.log)
    quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,"
                      "-data", prefix=False)
    servers = [DNSServer(resolver, address=args.address, port=args.port,
                         logger=quiet, tcp=tcp) for tcp in (False, True)]
    for s in servers:
        s.start_thread()
    if args.ready:
        tmp = args.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{os.getpid()}\n")
        os.rename(tmp, args.ready)
    try:
        while all(s.isAlive() for s in servers):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
