"""MX routing through the real smtp client, against a name server of our own.

Everything runs inside a private network namespace (netns.py) whose
/etc/resolv.conf says "nameserver 127.0.0.1": there dns_server.py serves
the test zone, and SMTP sinks listen on 127.0.0.2, 127.0.0.3 ... port 25,
one address per MX host. The postern instance is started inside the
namespace too (its daemons inherit it); mail is submitted from outside
with the instance's sendmail (maildrop is a directory, so that works
across namespaces). Each sink stores what it receives as a file, so a
test sees which MX host got a message, and the maillog shows what the
smtp client said about it.

The first tests need no smtp client: they check the name server and the
resolver path (getent, and lib/dns's dns_lookup() through the unit test
binary's "lookup" mode).
"""
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SRCDIR, Instance, instance_root, wait_for
from netns import NetNS
from postern_test_util import maillog, wait_log_re

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
DELIVERY_TIMEOUT = 60
SENDER = "sender@senders.test"

ZONE = {
    "records": {
        # MX by preference
        "example.test": {"MX": [[20, "mx2.example.test"],
                                [10, "mx1.example.test"]]},
        "mx1.example.test": {"A": ["127.0.0.2"]},
        "mx2.example.test": {"A": ["127.0.0.3"]},
        # the best MX refuses connections (nothing listens there)
        "refused.test": {"MX": [[10, "dead.refused.test"],
                                [20, "mx2.example.test"]]},
        "dead.refused.test": {"A": ["127.0.0.10"]},
        # the best MX greets with 421
        "busy.test": {"MX": [[10, "mx.busy.test"],
                             [20, "mx2.example.test"]]},
        "mx.busy.test": {"A": ["127.0.0.11"]},
        # no MX: the domain's own address
        "nomx.test": {"A": ["127.0.0.4"]},
        # RFC 7505 null MX
        "nomail.test": {"MX": [[0, "."]], "A": ["127.0.0.4"]},
        # two MX hosts of equal preference
        "equal.test": {"MX": [[10, "mxa.equal.test"],
                              [10, "mxb.equal.test"]]},
        "mxa.equal.test": {"A": ["127.0.0.5"]},
        "mxb.equal.test": {"A": ["127.0.0.6"]},
        # MX found through a CNAME'd host name
        "alias.test": {"MX": [[10, "mail.alias.test"]]},
        "mail.alias.test": {"CNAME": "mx1.example.test"},
        # both address families, for dns_lookup_addr()
        "dual.test": {"A": ["127.0.0.7"], "AAAA": ["2001:db8::7"]},
        # this instance (myhostname = postern.test) is the best MX
        "loop.test": {"MX": [[10, "postern.test"], [20, "mx2.example.test"]]},
        "postern.test": {"A": ["127.0.0.12"]},
        # an MX host, or a domain without MX, at this machine's own
        # interface address (loop detection by address)
        "selfaddr.test": {"MX": [[10, "mx.selfaddr.test"]]},
        "mx.selfaddr.test": {"A": ["127.0.0.1"]},
        "selfhost.test": {"A": ["127.0.0.1"]},
        # where bounces go
        "senders.test": {"A": ["127.0.0.9"]},
    },
    "servfail": ["broken.test"],
    "timeout": ["slow.test"],
}

SINKS = [
    ("mx1", "127.0.0.2", "accept"),
    ("mx2", "127.0.0.3", "accept"),
    ("nomx", "127.0.0.4", "accept"),
    ("mxa", "127.0.0.5", "accept"),
    ("mxb", "127.0.0.6", "accept"),
    ("senders", "127.0.0.9", "accept"),
    ("busy", "127.0.0.11", "421"),
]

# A minimal SMTP server (stdlib): one listener per "label=addr:port:mode";
# mode "accept" stores each message as DIR/label-N.eml (envelope first),
# mode "421" greets with 421 and hangs up.
SINK = r'''
import os, socketserver, sys, threading
out = sys.argv[1]
count = [0]
lock = threading.Lock()

class Handler(socketserver.StreamRequestHandler):
    def w(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        label, mode = self.server.label, self.server.mode
        if mode == "421":
            self.w("421 4.3.2 %s busy, try another MX" % label)
            return
        self.w("220 %s.sink ESMTP" % label)
        sender, rcpts = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.w("250-%s.sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                       "250 SIZE 10240000" % label)
            elif verb == "HELO":
                self.w("250 %s.sink" % label)
            elif verb == "MAIL":
                sender, rcpts = cmd[10:].split(" ")[0], []
                self.w("250 2.1.0 Ok")
            elif verb == "RCPT":
                rcpts.append(cmd[8:].split(" ")[0])
                self.w("250 2.1.5 Ok")
            elif verb == "DATA":
                self.w("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while True:
                    l = self.rfile.readline()
                    if not l or l == b".\r\n":
                        break
                    body.append(l[1:] if l.startswith(b".") else l)
                with lock:
                    count[0] += 1
                    n = count[0]
                name = os.path.join(out, "%s-%d.eml" % (label, n))
                with open(name + ".tmp", "wb") as f:
                    f.write(("X-Sink: %s\r\nX-Mail-From: %s\r\nX-Rcpt-To: %s"
                             "\r\n" % (label, sender, " ".join(rcpts)))
                            .encode())
                    f.write(b"".join(body))
                os.rename(name + ".tmp", name)
                self.w("250 2.0.0 Ok: queued as %s-%d" % (label, n))
            elif verb in ("RSET", "NOOP"):
                self.w("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.w("221 2.0.0 Bye")
                return
            else:
                self.w("502 5.5.2 Error: command not recognized")

class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

servers = []
for spec in sys.argv[2:]:
    label, rest = spec.split("=")
    addr, port, mode = rest.split(":")
    s = Server((addr, int(port)), Handler)
    s.label, s.mode = label, mode
    threading.Thread(target=s.serve_forever, daemon=True).start()
    servers.append(s)
open(os.path.join(out, ".ready"), "w").close()
threading.Event().wait()
'''


class MxWorld:
    """The namespace, its name server, the sinks and a running instance."""

    def __init__(self, ns, root, instance):
        self.ns = ns
        self.root = root
        self.inst = instance
        self.sinkdir = root / "sink"

    def delivered(self, rcpt):
        """Sink files holding a message for rcpt: {label: [paths]}."""
        found = {}
        for p in self.sinkdir.glob("*.eml"):
            head = p.read_bytes().split(b"\r\n", 3)
            if f"<{rcpt}>".encode() in head[2]:
                label = head[0].decode().split(": ")[1]
                found.setdefault(label, []).append(p)
        return found

    def send(self, rcpt, subject="MX routing test"):
        token = secrets.token_hex(6)
        msg = (f"From: {SENDER}\nTo: {rcpt}\nSubject: {subject}\n"
               f"Message-ID: <{token}@senders.test>\n\nbody {token}\n")
        r = self.inst.run("sendmail", "-i", "-f", SENDER, "--", rcpt,
                          input=msg)
        assert r.returncode == 0, f"sendmail: {r.stdout}{r.stderr}"
        return token

    def wait_status(self, rcpt, status, timeout=DELIVERY_TIMEOUT):
        """The smtp client's log line for rcpt with that status."""
        return wait_log_re(self.inst, r"\bsmtp\[\d+\]: [0-9A-Za-z]+: "
                           + re.escape(f"to=<{rcpt}>") + r",.*status="
                           + status, timeout)


@pytest.fixture(scope="module")
def world(postern):
    root = instance_root()
    try:
        with NetNS(search="example.test") as ns:
            (root / "sink").mkdir()
            zone = root / "zone.json"
            zone.write_text(json.dumps(ZONE))
            ready = root / "dns.ready"
            ns.popen([PYTHON, HERE / "dns_server.py", "--zone", zone,
                      "--ready", ready, "--log", root / "queries.log"])
            wait_for(ready.exists, 15, what="the test name server to start")
            script = root / "sink.py"
            script.write_text(SINK)
            ns.popen([PYTHON, script, root / "sink",
                      *[f"{label}={addr}:25:{mode}"
                        for label, addr, mode in SINKS]])
            wait_for((root / "sink" / ".ready").exists, 15,
                     what="the SMTP sinks to listen")
            inst = Instance(postern, root / "instance")
            inst.append_main_cf(
                "mydestination =\n"
                "relay_domains =\n"
                "default_transport = smtp\n"
                "smtp_host_lookup = dns\n"
                "inet_protocols = ipv4\n"
                "smtp_connection_cache_on_demand = no\n"
                "smtp_connect_timeout = 5s\n"
                "smtp_helo_timeout = 10s\n"
                # retry deferred mail soon: the SERVFAIL test looks again
                "minimal_backoff_time = 5s\n"
                "maximal_backoff_time = 10s\n"
                "queue_run_delay = 5s\n")
            world = MxWorld(ns, root, inst)
            yield world
            env = dict(os.environ, MAIL_CONFIG=str(inst.config_dir))
            ns.run([postern.sbin("postfix"), "stop"], env=env)
            inst.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def running(world):
    """The instance, started inside the namespace."""
    smtp = world.inst.postern.libexec("smtp")
    if not smtp.exists():
        pytest.skip(f"{smtp} is not installed")
    env = dict(os.environ, MAIL_CONFIG=str(world.inst.config_dir))
    r = world.ns.run([world.inst.postern.sbin("postfix"), "start"], env=env)
    assert r.returncode == 0, \
        f"postfix start: {r.stdout}{r.stderr}\n{maillog(world.inst)[-3000:]}"
    return world


# ---- the name server and the resolver path, no smtp client needed ----

def test_namespace_resolver_uses_test_name_server(world):
    r = world.ns.run(["getent", "hosts", "mx2.example.test"])
    assert r.returncode == 0, r.stderr
    assert "127.0.0.3" in r.stdout
    r = world.ns.run(["getent", "hosts", "nosuch.test"])
    assert r.returncode == 2          # not found: NXDOMAIN from our server
    # The machine's own resolver configuration is untouched.
    assert "postern-test" not in Path("/etc/resolv.conf").read_text()


def dns_lookup(world, name, rtype):
    tool = SRCDIR / "tests" / "unit" / "test_dns"
    if not tool.exists():
        pytest.skip(f"{tool} is not built (make tests/unit/test_dns)")
    r = world.ns.run([tool, "lookup", name, rtype], timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_dns_lookup_mx_and_null_mx(world):
    out = dns_lookup(world, "example.test", "MX")
    assert out.splitlines()[0] == "status=0"
    assert "example.test MX 10 mx1.example.test" in out
    assert "example.test MX 20 mx2.example.test" in out
    assert "nomail.test MX 0 ." in dns_lookup(world, "nomail.test", "MX")


def test_dns_lookup_follows_cname(world):
    out = dns_lookup(world, "mail.alias.test", "A")
    assert out.splitlines() == ["status=0", "mx1.example.test A 127.0.0.2"]


def test_dns_lookup_failures_in_postfix_words(world):
    assert dns_lookup(world, "nosuch.test", "MX").splitlines() == [
        "status=1",
        "why=Host or domain name not found. Name service error for "
        "name=nosuch.test type=MX: Host not found"]
    assert dns_lookup(world, "nomx.test", "MX").splitlines() == [
        "status=2",
        "why=Host or domain name not found. Name service error for "
        "name=nomx.test type=MX: Host found but no data record of "
        "requested type"]
    for name in ("broken.test", "slow.test"):
        assert dns_lookup(world, name, "MX").splitlines() == [
            "status=3",
            f"why=Host or domain name not found. Name service error for "
            f"name={name} type=MX: Host not found, try again"]


def test_dns_lookup_addr_both_families(world):
    assert dns_lookup(world, "dual.test", "ADDR").splitlines() == [
        "status=0", "dual.test A 127.0.0.7", "dual.test AAAA 2001:db8::7"]
    # Either family is enough.
    assert dns_lookup(world, "nomx.test", "ADDR").splitlines() == [
        "status=0", "nomx.test A 127.0.0.4"]
    assert dns_lookup(world, "nosuch.test", "ADDR").splitlines()[0] == \
        "status=1"
    assert dns_lookup(world, "broken.test", "ADDR").splitlines()[0] == \
        "status=3"
    # A name with an MX only: no data for either address type.
    assert dns_lookup(world, "equal.test", "ADDR").splitlines()[0] == \
        "status=2"


def test_dns_lookup_uses_name_as_is(world):
    # resolv.conf has "search example.test": the system resolver finds
    # "mx1", an MTA must not (no search list, no default domain).
    r = world.ns.run(["getent", "hosts", "mx1"])
    assert "127.0.0.2" in r.stdout
    qlog = world.root / "queries.log"
    seen = len(qlog.read_text())
    out = dns_lookup(world, "mx1", "A")
    assert out.splitlines()[0] == "status=1"
    assert qlog.read_text()[seen:].split() == ["mx1", "A"]


# ---- delivery through the smtp client ---------------------------------

def test_delivers_to_lowest_preference_mx(running):
    rcpt = f"pref-{secrets.token_hex(3)}@example.test"
    running.send(rcpt)
    line = running.wait_status(rcpt, "sent")
    assert "relay=mx1.example.test[127.0.0.2]:25," in line
    assert "dsn=2.0.0" in line
    got = wait_for(lambda: running.delivered(rcpt), 10,
                   what="the message in a sink")
    assert list(got) == ["mx1"]


def test_next_mx_after_connection_refused(running):
    rcpt = f"refused-{secrets.token_hex(3)}@refused.test"
    running.send(rcpt)
    line = running.wait_status(rcpt, "sent")
    assert "relay=mx2.example.test[127.0.0.3]:25," in line
    assert list(running.delivered(rcpt)) == ["mx2"]
    log = maillog(running.inst)
    assert re.search(r"connect to dead\.refused\.test\[127\.0\.0\.10\]:25: "
                     r"Connection refused", log), log[-2000:]


def test_next_mx_after_421_greeting(running):
    rcpt = f"busy-{secrets.token_hex(3)}@busy.test"
    running.send(rcpt)
    line = running.wait_status(rcpt, "sent")
    assert "relay=mx2.example.test[127.0.0.3]:25," in line
    assert list(running.delivered(rcpt)) == ["mx2"]
    assert re.search(r"host mx\.busy\.test\[127\.0\.0\.11\] refused to talk "
                     r"to me: 421 4\.3\.2", maillog(running.inst))


def test_domain_without_mx_uses_its_address(running):
    rcpt = f"nomx-{secrets.token_hex(3)}@nomx.test"
    running.send(rcpt)
    line = running.wait_status(rcpt, "sent")
    assert "relay=nomx.test[127.0.0.4]:25," in line
    assert list(running.delivered(rcpt)) == ["nomx"]


def test_mx_host_behind_cname(running):
    rcpt = f"alias-{secrets.token_hex(3)}@alias.test"
    running.send(rcpt)
    line = running.wait_status(rcpt, "sent")
    assert "relay=mail.alias.test[127.0.0.2]:25," in line
    assert list(running.delivered(rcpt)) == ["mx1"]


def test_null_mx_bounces_at_once(running):
    rcpt = f"null-{secrets.token_hex(3)}@nomail.test"
    running.send(rcpt)
    line = running.wait_status(rcpt, "bounced")
    # Postfix 3.7 says 5.1.0 (RFC 7505 would have 5.1.10).
    assert "dsn=5.1.0," in line
    assert "status=bounced (Domain nomail.test does not accept mail " \
           "(nullMX))" in line
    assert "relay=none" in line
    assert running.delivered(rcpt) == {}


def test_nxdomain_bounces(running):
    rcpt = f"nx-{secrets.token_hex(3)}@nosuch.test"
    running.send(rcpt)
    line = running.wait_status(rcpt, "bounced")
    assert "dsn=5.4.4" in line
    # As Postfix: no MX -> the address lookup, whose error is reported.
    assert "status=bounced (Host or domain name not found. Name service " \
           "error for name=nosuch.test type=A: Host not found)" in line
    assert "relay=none" in line


def test_mx_pointing_to_myself_bounces(running):
    rcpt = f"loop-{secrets.token_hex(3)}@loop.test"
    running.send(rcpt)
    line = running.wait_status(rcpt, "bounced")
    assert "dsn=5.4.6," in line
    assert "status=bounced (mail for loop.test loops back to myself)" in line
    assert running.delivered(rcpt) == {}


@pytest.mark.parametrize("domain", ["selfaddr.test", "selfhost.test"])
def test_mx_address_of_my_interface_bounces(running, domain):
    # inet_interfaces = all: in the namespace that is lo's 127.0.0.1. An
    # MX host (or, without MX, the domain itself) at that address is
    # this machine, whatever its name: Postfix compares addresses.
    rcpt = f"self-{secrets.token_hex(3)}@{domain}"
    running.send(rcpt)
    line = running.wait_status(rcpt, "bounced")
    assert "dsn=5.4.6," in line
    assert f"status=bounced (mail for {domain} loops back to myself)" \
        in line
    assert "relay=none" in line


@pytest.mark.parametrize("domain", ["broken.test", "slow.test"])
def test_dns_trouble_defers(running, domain):
    rcpt = f"tmp-{secrets.token_hex(3)}@{domain}"
    running.send(rcpt)
    line = running.wait_status(rcpt, "deferred")
    assert "dsn=4.4.3" in line
    assert f"status=deferred (Host or domain name not found. Name service " \
           f"error for name={domain} type=MX: Host not found, try again)" \
        in line


def test_equal_preference_mx_share_the_load(running):
    rcpts = [f"eq{i}-{secrets.token_hex(3)}@equal.test" for i in range(16)]
    for rcpt in rcpts:
        running.send(rcpt)
    for rcpt in rcpts:
        running.wait_status(rcpt, "sent")
    hosts = {}
    for rcpt in rcpts:
        got = wait_for(lambda: running.delivered(rcpt), 10,
                       what=f"{rcpt} in a sink")
        for label in got:
            hosts[label] = hosts.get(label, 0) + 1
    # Each of 16 messages picks one of two MX hosts at random: both
    # receiving some fails by chance once in 32768 runs.
    assert set(hosts) == {"mxa", "mxb"}, hosts
    assert sum(hosts.values()) == 16


# ---- the same DNS data through Debian's Postfix -------------------------

POSTFIX = Path("/usr/sbin/postfix")
POSTFIX_MASTER = Path("/usr/share/postfix/master.cf.dist")
COMPARED = ["example.test", "refused.test", "busy.test", "nomx.test",
            "alias.test", "nomail.test", "nosuch.test", "broken.test"]


@pytest.fixture(scope="module")
def postfix_in_world(world):
    """Debian's Postfix 3.7 started in the same namespace, same routing
    settings; yields (config_dir, maillog)."""
    if not POSTFIX.exists() or not POSTFIX_MASTER.exists():
        pytest.skip("Debian's Postfix is not installed")
    root = world.root / "postfix"
    etc, queue, data = root / "etc", root / "queue", root / "data"
    for d in (etc, queue, data):
        d.mkdir(parents=True)
    shutil.chown(data, "postfix")
    log = root / "maillog"
    (etc / "main.cf").write_text(
        "compatibility_level = 3.6\n"
        f"queue_directory = {queue}\n"
        f"data_directory = {data}\n"
        f"maillog_file = {log}\n"
        f"maillog_file_prefixes = {root}\n"
        "inet_interfaces = 127.0.0.1\n"
        "inet_protocols = ipv4\n"
        "myhostname = postfix.test\n"
        "mydestination =\nrelay_domains =\nalias_maps =\n"
        "alias_database =\n"
        "smtp_host_lookup = dns\n"
        "smtp_connection_cache_on_demand = no\n"
        "minimal_backoff_time = 5s\nmaximal_backoff_time = 10s\n"
        "queue_run_delay = 5s\n")
    (etc / "master.cf").write_text(POSTFIX_MASTER.read_text().replace(
        "\nsmtp      inet", f"\n127.0.0.1:{world.inst.port('pf')} inet", 1))
    env = dict(os.environ, MAIL_CONFIG=str(etc))
    # Debian's master.cf chroots; the private queue has no chroot jail.
    subprocess.run(["/usr/sbin/postconf", "-c", etc, "-F",
                    "*/*/chroot = n"], env=env, check=True,
                   capture_output=True)
    r = world.ns.run([POSTFIX, "-c", etc, "start"], env=env)
    if r.returncode != 0:
        pytest.skip(f"Debian's Postfix did not start: {r.stderr}")
    yield etc, log
    world.ns.run([POSTFIX, "-c", etc, "stop"], env=env)


def smtp_results(log_text, rcpts):
    """rcpt -> "relay=..., dsn=..., status=... (text)" from the first
    smtp line about it, queue IDs, delays and sink IDs left out."""
    out = {}
    for line in log_text.splitlines():
        m = re.search(r"/smtp\[\d+\]: [0-9A-Za-z]+: to=<([^>]+)>, "
                      r"(relay=[^,]+), delay=[^,]+, delays=[^,]+, "
                      r"(dsn=.*)$", line)
        if m and m.group(1) in rcpts and m.group(1) not in out:
            out[m.group(1)] = re.sub(r"queued as \S+\)", "queued as ID)",
                                     m.group(2) + ", " + m.group(3))
    return out


def smtp_notes(log_text):
    """The client's lines about MX hosts it gave up on."""
    return {m.group(1) for m in re.finditer(
        r"/smtp\[\d+\]: (?:[0-9A-Za-z]+: )?((?:connect to|host) \S+ "
        r".*)$", log_text, re.M)}


def test_routing_log_matches_postfix(running, postfix_in_world):
    etc, pf_log = postfix_in_world
    tag = secrets.token_hex(3)
    rcpts = {d: f"cmp-{tag}@{d}" for d in COMPARED}
    env = dict(os.environ, MAIL_CONFIG=str(etc))
    for rcpt in rcpts.values():
        running.send(rcpt)
        r = subprocess.run(["/usr/sbin/sendmail", "-i", "-f", SENDER, "--",
                            rcpt], input=f"Subject: compare\n\n{tag}\n",
                           env=env, capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
    want = set(rcpts.values())

    def both():
        ours = smtp_results(maillog(running.inst), want)
        theirs = smtp_results(pf_log.read_text() if pf_log.exists()
                              else "", want)
        return (ours, theirs) if len(ours) == len(theirs) == len(want) \
            else None
    ours, theirs = wait_for(both, DELIVERY_TIMEOUT,
                            what="smtp log lines from postern and Postfix")
    for d, rcpt in rcpts.items():
        assert ours[rcpt] == theirs[rcpt], d
    notes = smtp_notes(pf_log.read_text())
    assert notes <= smtp_notes(maillog(running.inst)), notes
