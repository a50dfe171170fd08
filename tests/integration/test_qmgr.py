"""qmgr(8), the queue manager, with fake peers.

The instance runs the real master, smtpd, cleanup and qmgr; the services
qmgr talks to are small Python programs written by this module into the
instance directory and named in master.cf by absolute path:
  fake_rewrite  trivial-rewrite's resolve/rewrite protocol
                (resolve_client.h): user@DOMAIN resolves to transport
                "fake" (or the one map= names for DOMAIN), nexthop DOMAIN;
  fake_agent    a delivery agent speaking deliver_request.h: says ready,
                reads the request, logs it as JSON, then acts as the file
                MODE says (ok: marks every recipient DONE in the queue
                file; defer: appends to the defer log; bounce: appends to
                the bounce log and marks DONE; dead: defer and dead=1);
                while the file GATE exists it waits before answering
                (recipients starting with "hold" only, with holdonly=1);
  fake_bounce   bounce/defer/trace: "append" writes the per-message log
                file, "flush"/"warn" are logged as JSON (flush removes it).
All of them speak the child side of master_proto.h (status records on
fd 3, listener on fd 4).
"""
import json
import os
import re
import signal
import smtplib
import socket
import time
from pathlib import Path

import pytest

from conftest import wait_for
from postern_test_util import (decode_records, instance_procs, master_pid,
                               read_or_none)

COMMON = r'''#!/usr/bin/python3
import json, os, select, socket, struct, sys, threading, time

def parse_args(argv):
    opts, settings = {}, {}
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in ("-n", "-t", "-s", "-o"):
            opts[a] = argv[i + 1]
            i += 2
            continue
        if "=" in a and not a.startswith("-"):
            k, v = a.split("=", 1)
            settings[k] = v
        i += 1
    return opts, settings

OPTS, SET = parse_args(sys.argv)
GEN = int(os.environ.get("MASTER_GEN", "0"))
PID = os.getpid()

def status(avail):
    try:
        os.write(3, struct.pack("iIi", PID, GEN, avail))
    except OSError:
        pass

def log(path, obj):
    obj["pid"] = PID
    obj["t"] = time.time()
    with open(path, "a") as f:
        f.write(json.dumps(obj) + "\n")

class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
    def cstr(self):
        while b"\0" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        s, _, self.buf = self.buf.partition(b"\0")
        return s.decode()
    def request(self):
        pairs = []
        while True:
            name = self.cstr()
            if name == "":
                return pairs
            pairs.append((name, self.cstr()))
    def send(self, *pairs):
        self.sock.sendall(b"".join(k.encode() + b"\0" + str(v).encode()
                                   + b"\0" for k, v in pairs) + b"\0")

def serve_forever(serve, threaded=False):
    lsock = socket.socket(fileno=4)
    lsock.setblocking(False)
    poller = select.poll()
    poller.register(4, select.POLLIN)
    poller.register(3, 0)
    status(1)
    while True:
        for fd, ev in poller.poll():
            if fd == 3:
                os._exit(0)
            try:
                conn, _ = lsock.accept()
            except (BlockingIOError, InterruptedError):
                continue
            conn.setblocking(True)
            if threaded:
                threading.Thread(target=serve, args=(conn,), daemon=True).start()
                continue
            status(0)
            try:
                serve(conn)
            except (EOFError, OSError):
                pass
            conn.close()
            status(1)
'''

FAKE_REWRITE = COMMON + r'''
MAP = dict(x.split(":", 1) for x in SET.get("map", "").split(",") if x)

def serve(sock):
    c = Conn(sock)
    try:
        while True:
            req = dict(c.request())
            addr = req.get("address", "")
            if req.get("request") == "rewrite":
                if addr and "@" not in addr:
                    addr += "@postern.test"
                c.send(("flags", 0), ("address", addr))
            else:
                domain = addr.rpartition("@")[2].lower()
                c.send(("flags", 16), ("transport", MAP.get(domain, "fake")),
                       ("nexthop", domain), ("recipient", addr))
    except (EOFError, OSError):
        pass
    sock.close()

serve_forever(serve, threaded=True)
'''

FAKE_BOUNCE = COMMON + r'''
QUEUE = SET["queue"]

def serve(sock):
    c = Conn(sock)
    req = dict(c.request())
    service = OPTS.get("-n")
    path = os.path.join(QUEUE, service, req.get("queue_id", "x"))
    if req.get("nrequest") == "append":
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a") as f:
            f.write(json.dumps(req) + "\n")
    else:
        log(SET["log"], {"service": service, "nrequest": req.get("nrequest"),
                         "queue_id": req.get("queue_id"),
                         "sender": req.get("sender"),
                         "had_log": os.path.exists(path)})
        if req.get("nrequest") == "flush" and os.path.exists(path):
            os.unlink(path)
    c.send(("status", 0))

serve_forever(serve)
'''

FAKE_AGENT = COMMON + r'''
QUEUE = SET["queue"]

def append(service, queue_id, r, status, action):
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(QUEUE, "private", service))
    c = Conn(s)
    c.send(("nrequest", "append"), ("flags", 0), ("queue_id", queue_id),
           ("orig_rcpt", r["orig_rcpt"]), ("rcpt", r["rcpt"]),
           ("rcpt_offset", r["rcpt_offset"]), ("dsn_orcpt", ""),
           ("dsn_notify", 0), ("status", status), ("action", action),
           ("reason", "fake " + action), ("dtype", ""), ("dtext", ""),
           ("mtype", ""), ("mname", ""))
    c.request()
    s.close()

def mark_done(attrs, r):
    path = os.path.join(QUEUE, attrs["queue_name"], attrs["queue_id"])
    with open(path, "r+b") as f:
        f.seek(int(r["rcpt_offset"]))
        assert f.read(1) == b"R"
        f.seek(int(r["rcpt_offset"]))
        f.write(b"D")
        f.flush()
        os.fsync(f.fileno())

def serve(sock):
    c = Conn(sock)
    c.send(("status", 0))
    pairs = c.request()
    n = [k for k, _ in pairs].index("rcpt_count") + 1
    attrs = dict(pairs[:n])
    rest = pairs[n:]
    rcpts = [dict(rest[i:i + 5]) for i in range(0, len(rest), 5)]
    log(SET["log"], {"event": "start", "service": OPTS.get("-n"),
                     "attrs": attrs, "rcpts": rcpts})
    gate = SET.get("gate")
    if gate and (not SET.get("holdonly")
                 or any(r["rcpt"].startswith("hold") for r in rcpts)):
        while os.path.exists(gate):
            time.sleep(0.02)
    mode = (open(SET["mode"]).read().strip() if os.path.exists(SET["mode"])
            else "ok")
    st, dead = 0, 0
    for r in rcpts:
        if mode == "ok":
            mark_done(attrs, r)
        elif mode == "bounce":
            append("bounce", attrs["queue_id"], r, "5.1.1", "failed")
            mark_done(attrs, r)
        else:
            append("defer", attrs["queue_id"], r, "4.4.1", "delayed")
            st = 1
            dead = 1 if mode == "dead" else 0
    log(SET["log"], {"event": "end", "queue_id": attrs["queue_id"],
                     "mode": mode})
    c.send(("status", st), ("dead", dead))

serve_forever(serve)
'''

SENDER = "sender@example.org"


class Fakes:
    """The fake peers of one instance and what they logged."""

    def __init__(self, inst, rewrite_map="", agent_procs=10, local=False):
        self.inst = inst
        self.dir = inst.root / "fakes"
        self.dir.mkdir()
        self.dir.chmod(0o777)
        self.agent_log = self.dir / "agent.log"
        self.bounce_log = self.dir / "bounce.log"
        self.mode = self.dir / "mode"
        self.gate = self.dir / "gate"
        for name, text in (("fake_rewrite", FAKE_REWRITE),
                           ("fake_bounce", FAKE_BOUNCE),
                           ("fake_agent", FAKE_AGENT)):
            path = self.dir / name
            path.write_text(text)
            path.chmod(0o755)
        q = inst.queue_dir
        master = []
        for line in (inst.config_dir / "master.cf").read_text().splitlines():
            word = line.split()[0] if line.strip() and line[0] not in " \t#" else ""
            if word in ("pickup", "rewrite", "bounce", "defer", "trace") \
                    or (local and word == "local"):
                continue
            master.append(line)
        master += [
            f"rewrite unix - - n - 1 {self.dir}/fake_rewrite map={rewrite_map}",
            f"bounce unix - - n - 0 {self.dir}/fake_bounce queue={q} log={self.bounce_log}",
            f"defer unix - - n - 0 {self.dir}/fake_bounce queue={q} log={self.bounce_log}",
            f"trace unix - - n - 0 {self.dir}/fake_bounce queue={q} log={self.bounce_log}",
            f"fake unix - - n - {agent_procs} {self.dir}/fake_agent queue={q} "
            f"log={self.agent_log} mode={self.mode} gate={self.gate}",
            f"holdfake unix - - n - {agent_procs} {self.dir}/fake_agent queue={q} "
            f"log={self.agent_log} mode={self.mode} gate={self.gate} holdonly=1",
        ]
        if local:
            master.append(f"local unix - - n - {agent_procs} {self.dir}/fake_agent "
                          f"queue={q} log={self.agent_log} mode={self.mode}")
        inst.write_master_cf("\n".join(master) + "\n")

    def events(self, kind=None):
        text = read_or_none(self.agent_log, "r") or ""
        evs = [json.loads(x) for x in text.splitlines() if x]
        return [e for e in evs if kind is None or e.get("event") == kind]

    def requests(self, queue_id=None):
        return [e for e in self.events("start")
                if queue_id is None or e["attrs"]["queue_id"] == queue_id]

    def bounce_events(self):
        text = read_or_none(self.bounce_log, "r") or ""
        return [json.loads(x) for x in text.splitlines() if x]


def main_cf(extra=""):
    return ("hash_queue_names = deferred\n"
            "queue_run_delay = 1s\n"
            "minimal_backoff_time = 2s\n"
            "maximal_backoff_time = 4s\n"
            "transport_retry_time = 1s\n"
            "local_transport = fake\n"
            "default_transport = fake\n"
            "relay_transport = fake\n"
            "virtual_transport = fake\n" + extra)


@pytest.fixture
def running(instance):
    """start(fakes_kwargs, extra main.cf) -> Fakes; stops the instance."""
    started = []

    def start(extra="", **kw):
        fakes = Fakes(instance, **kw)
        instance.append_main_cf(main_cf(extra))
        r = instance.run("postfix", "start")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_for(lambda: smtp_ready(instance), 20, what="the SMTP banner")
        started.append(fakes)
        return fakes
    yield start
    if started:
        instance.run("postfix", "stop")
        for pid in instance_procs(instance):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def smtp_ready(inst):
    try:
        with socket.create_connection(("127.0.0.1", inst.port("smtp")),
                                      timeout=5) as s:
            return s.recv(512).startswith(b"220")
    except OSError:
        return False


def send(inst, rcpts, sender=SENDER, body="Subject: test\r\n\r\nhello\r\n"):
    """Submit one message over SMTP; its queue ID."""
    with smtplib.SMTP("127.0.0.1", inst.port("smtp"), timeout=30) as s:
        s.ehlo("client.test")
        code, _ = s.mail(sender)
        assert code == 250
        for r in rcpts:
            code, text = s.rcpt(r)
            assert code == 250, (r, code, text)
        code, text = s.data(body)
        assert code == 250, text
        m = re.search(r"queued as ([0-9A-Za-z]+)", text.decode())
        return m.group(1)


def maillog(inst):
    return read_or_none(inst.maillog, "r") or ""


def wait_log(inst, regex, timeout=20, what=None):
    return wait_for(lambda: re.search(regex, maillog(inst), re.M), timeout,
                    what=what or f"log line /{regex}/")


def queue_files(inst, queue):
    return {p.name: p for p in (inst.queue_dir / queue).rglob("*")
            if p.is_file()}


# ---- delivery ---------------------------------------------------------------

def test_delivers_each_destination_and_removes(instance, running):
    fakes = running()
    qid = send(instance, ["a@one.test", "b@two.test", "c@one.test"])
    wait_log(instance, rf"{qid}: removed")
    reqs = fakes.requests(qid)
    by_hop = {r["attrs"]["nexthop"]: sorted(x["rcpt"] for x in r["rcpts"])
              for r in reqs}
    assert by_hop == {"one.test": ["a@one.test", "c@one.test"],
                      "two.test": ["b@two.test"]}
    a = reqs[0]["attrs"]
    assert a["queue_name"] == "active"
    assert a["sender"] == SENDER
    assert a["log_helo_name"] == "client.test"
    assert a["log_client_address"] == "127.0.0.1"
    assert int(a["rcpt_count"]) == len(reqs[0]["rcpts"])
    assert all(float(a[k]) > 0 for k in ("arrival_time", "active_time",
                                         "dispatch_time"))
    log = maillog(instance)
    m = re.search(rf"qmgr\[\d+\]: {qid}: from=<{re.escape(SENDER)}>, "
                  rf"size=(\d+), nrcpt=3 \(queue active\)", log)
    assert m, log[-3000:]
    # size is the SIZE record's content size, which the agent got too.
    assert int(m.group(1)) == int(a["data_size"])
    assert log.index("(queue active)") < log.index(f"{qid}: removed")
    assert not queue_files(instance, "active")
    assert not queue_files(instance, "incoming")


def test_request_offsets_point_at_the_records(instance, running):
    fakes = running()
    fakes.gate.write_text("")
    qid = send(instance, ["x@one.test"])
    req = wait_for(lambda: fakes.requests(qid), 20, what="the request")[0]
    data = (instance.queue_dir / "active" / qid).read_bytes()
    off = int(req["rcpts"][0]["rcpt_offset"])
    assert data[off:off + 1] == b"R"
    assert data[off + 2:off + 2 + len("x@one.test")] == b"x@one.test"
    recs = decode_records(data)
    size = recs[0][1].split()
    assert int(size[0]) == int(req["attrs"]["data_size"])
    assert int(size[1]) == int(req["attrs"]["offset"])
    fakes.gate.unlink()
    wait_log(instance, rf"{qid}: removed")


def test_recipient_limit_splits_requests(instance, running):
    fakes = running("fake_destination_recipient_limit = 2\n")
    rcpts = [f"r{i}@one.test" for i in range(5)]
    qid = send(instance, rcpts)
    wait_log(instance, rf"{qid}: removed")
    sizes = sorted(len(r["rcpts"]) for r in fakes.requests(qid))
    assert sizes == [1, 2, 2]
    got = sorted(x["rcpt"] for r in fakes.requests(qid) for x in r["rcpts"])
    assert got == rcpts


def max_overlap(events):
    live, best = set(), 0
    for e in sorted(events, key=lambda e: e["t"]):
        if e["event"] == "start":
            live.add(e["attrs"]["queue_id"])
        else:
            live.discard(e["queue_id"])
        best = max(best, len(live))
    return best


def test_destination_concurrency_limit(instance, running):
    # busy.test deliveries wait at the gate; free.test ones pass. Both go
    # to one transport, served round robin: while busy.test is at its
    # limit, each free.test message is delivered without another
    # busy.test delivery starting.
    fakes = running("holdfake_destination_concurrency_limit = 2\n"
                    "initial_destination_concurrency = 5\n",
                    rewrite_map="busy.test:holdfake,free.test:holdfake")
    fakes.gate.write_text("")
    ids = [send(instance, [f"hold{i}@busy.test"]) for i in range(6)]
    for qid in ids:
        wait_log(instance, rf"{qid}: from=.*\(queue active\)")
    for i in range(3):
        qid = send(instance, [f"free{i}@free.test"])
        wait_log(instance, rf"{qid}: removed")
    busy = [r for r in fakes.requests() if r["attrs"]["nexthop"] == "busy.test"]
    assert len(busy) == 2
    fakes.gate.unlink()
    for qid in ids:
        wait_log(instance, rf"{qid}: removed")
    busy = [e for e in fakes.events()
            if e.get("event") == "end" and e["queue_id"] in ids
            or e.get("event") == "start" and e["attrs"]["queue_id"] in ids]
    assert max_overlap(busy) == 2


def test_local_recipient_limit_default_is_one(instance, running):
    # local_destination_recipient_limit = 1: one request per recipient.
    fakes = running(rewrite_map="here.test:local", local=True)
    qid = send(instance, ["a@here.test", "b@here.test", "c@here.test"])
    wait_log(instance, rf"{qid}: removed")
    reqs = fakes.requests(qid)
    assert sorted(len(r["rcpts"]) for r in reqs) == [1, 1, 1]
    assert {r["service"] for r in reqs} == {"local"}


# ---- deferral, retry, expiry -------------------------------------------------

def test_deferred_then_retried_after_backoff(instance, running):
    fakes = running()
    fakes.mode.write_text("defer")
    qid = send(instance, ["later@one.test"])
    path = wait_for(lambda: queue_files(instance, "deferred").get(qid), 20,
                    what="the message in deferred/")
    # Next attempt no sooner than minimal_backoff_time (2s).
    assert path.stat().st_mtime >= time.time() + 0.5
    assert (instance.queue_dir / "defer" / qid).exists()
    assert len(fakes.requests(qid)) == 1
    fakes.mode.write_text("ok")
    wait_log(instance, rf"{qid}: removed")
    assert len(fakes.requests(qid)) == 2
    assert not (instance.queue_dir / "defer" / qid).exists()
    assert not queue_files(instance, "deferred")


def test_expired_message_is_returned_and_removed(instance, running):
    fakes = running("maximal_queue_lifetime = 1s\n"
                    "bounce_queue_lifetime = 1s\n")
    fakes.mode.write_text("defer")
    qid = send(instance, ["never@one.test"])
    wait_log(instance, rf"{qid}: from=<{re.escape(SENDER)}>, status=expired, "
             r"returned to sender")
    wait_log(instance, rf"{qid}: removed")
    flushes = [e for e in fakes.bounce_events()
               if e["queue_id"] == qid and e["nrequest"] == "flush"]
    assert [(e["service"], e["had_log"]) for e in flushes] == [("defer", True)]
    assert flushes[0]["sender"] == SENDER
    assert not queue_files(instance, "deferred")


def test_bounced_recipient_is_flushed_to_the_sender(instance, running):
    fakes = running()
    fakes.mode.write_text("bounce")
    qid = send(instance, ["nobody@one.test"])
    wait_log(instance, rf"{qid}: removed")
    flushes = [e for e in fakes.bounce_events() if e["queue_id"] == qid]
    assert [(e["service"], e["nrequest"], e["had_log"]) for e in flushes] == \
        [("bounce", "flush", True)]


def test_dead_destination_is_throttled(instance, running):
    fakes = running("fake_destination_concurrency_failed_cohort_limit = 1\n"
                    "initial_destination_concurrency = 1\n")
    fakes.mode.write_text("dead")
    ids = [send(instance, [f"d{i}@down.test"]) for i in range(3)]
    for qid in ids:
        wait_for(lambda: queue_files(instance, "deferred").get(qid), 20,
                 what=f"{qid} in deferred/")
    # After the first "dead" reply the others are deferred by qmgr itself,
    # without another delivery attempt.
    assert len(fakes.requests()) == 1
    assert re.search(r"status=deferred \(delivery temporarily suspended",
                     maillog(instance))


# ---- robustness -----------------------------------------------------------

def test_unreachable_transport_keeps_mail_active(instance, running):
    fakes = running(rewrite_map="void.test:missing")
    qid = send(instance, ["x@void.test"])
    wait_log(instance, r"warning: connect to transport private/missing")
    assert qid in queue_files(instance, "active")
    assert f"{qid}: removed" not in maillog(instance)
    # Once the service exists, the kept recipient is delivered.
    with open(instance.config_dir / "master.cf", "a") as f:
        f.write(f"missing unix - - n - 10 {fakes.dir}/fake_agent "
                f"queue={instance.queue_dir} log={fakes.agent_log} "
                f"mode={fakes.mode}\n")
    assert instance.run("postfix", "reload").returncode == 0
    wait_log(instance, rf"{qid}: removed")
    assert [r["service"] for r in fakes.requests(qid)] == ["missing"]


def test_corrupt_file_goes_to_corrupt(instance, running):
    running()
    qid = "ABCDE1234"
    path = instance.queue_dir / "incoming" / qid
    path.write_bytes(b"C\x2f" + b" " * 47 + b"Sx")   # no END record
    path.chmod(0o700)
    if os.getuid() == 0:
        import pwd
        pw = pwd.getpwnam(instance.user)
        os.chown(path, pw.pw_uid, pw.pw_gid)
    trigger(instance, b"I")
    wait_for(lambda: (instance.queue_dir / "corrupt" / qid).exists(), 20,
             what="the file in corrupt/")
    assert re.search(rf'warning: saving corrupt file "{qid}"', maillog(instance))


def test_hold_queue_is_left_alone(instance, running):
    fakes = running()
    fakes.gate.write_text("")
    qid = send(instance, ["held@one.test"])
    wait_for(lambda: fakes.requests(qid), 20, what="the request")
    held = instance.queue_dir / "hold" / "ABCDE1234"
    held.write_bytes((instance.queue_dir / "active" / qid).read_bytes())
    held.chmod(0o700)
    fakes.gate.unlink()
    wait_log(instance, rf"{qid}: removed")
    trigger(instance, b"A")
    qid2 = send(instance, ["other@one.test"])
    wait_log(instance, rf"{qid2}: removed")
    assert held.exists()
    assert "ABCDE1234" not in maillog(instance)


def trigger(inst, data):
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(inst.queue_dir / "public" / "qmgr"))
    s.sendall(data)
    s.close()


def test_kill_during_delivery_recovers_without_repeats(instance, running):
    # Recipient limit 1: one request per recipient, concurrency per
    # recipient, so ok1 and ok3 finish while hold2 waits at the gate.
    fakes = running("holdfake_destination_recipient_limit = 1\n",
                    rewrite_map="k.test:holdfake")
    fakes.gate.write_text("")
    qid = send(instance, ["ok1@k.test", "hold2@k.test", "ok3@k.test"])
    wait_for(lambda: len([e for e in fakes.events("end")
                          if e["queue_id"] == qid]) == 2
             and len(fakes.requests(qid)) == 3, 20,
             what="ok1 and ok3 delivered, hold2 in progress")
    for pid in instance_procs(instance):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    wait_for(lambda: not instance_procs(instance), 20, what="all processes gone")
    assert qid in queue_files(instance, "active")
    fakes.gate.unlink()
    seen = len(fakes.requests(qid))
    r = instance.run("postfix", "start")
    assert r.returncode == 0, r.stdout + r.stderr
    wait_log(instance, rf"{qid}: removed", timeout=30)
    again = [r["rcpts"][0]["rcpt"] for r in fakes.requests(qid)[seen:]]
    assert again == ["hold2@k.test"]
    assert re.search(rf"{qid}: from=<{re.escape(SENDER)}>, size=\d+, nrcpt=1 "
                     r"\(queue active\)", maillog(instance))


def test_flush_request_retries_deferred_mail_now(instance, running):
    # What postqueue -f sends: F (forget dead), A (ignore retry times), D, I.
    fakes = running("minimal_backoff_time = 300s\n"
                    "maximal_backoff_time = 600s\n"
                    "queue_run_delay = 300s\n")
    fakes.mode.write_text("defer")
    qid = send(instance, ["soon@one.test"])
    path = wait_for(lambda: queue_files(instance, "deferred").get(qid), 20,
                    what="the message in deferred/")
    assert path.stat().st_mtime > time.time() + 200
    fakes.mode.write_text("ok")
    trigger(instance, b"D")
    trigger(instance, b"FADI")
    wait_log(instance, rf"{qid}: removed")
    assert len(fakes.requests(qid)) == 2


def test_delay_warning_sent_once(instance, running):
    fakes = running("delay_warning_time = 1s\n")
    fakes.mode.write_text("defer")
    qid = send(instance, ["slow@one.test"])
    wait_for(lambda: [e for e in fakes.bounce_events()
                      if e["queue_id"] == qid and e["nrequest"] == "warn"],
             20, what="a delay warning")
    n = len(fakes.requests(qid))
    wait_for(lambda: len(fakes.requests(qid)) >= n + 1, 20,
             what="one more delivery attempt")
    wait_for(lambda: queue_files(instance, "deferred").get(qid), 20,
             what="the message back in deferred/")
    warns = [e for e in fakes.bounce_events()
             if e["queue_id"] == qid and e["nrequest"] == "warn"]
    assert len(warns) == 1
    assert warns[0]["service"] == "defer" and warns[0]["had_log"]
