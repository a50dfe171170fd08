"""trivial-rewrite(8) under master, queried through resolve_client.

The client is tests/daemons/resolve_query (built with the tree, found in
$POSTERN_BUILDDIR, default the source tree): it reads MAIL_CONFIG's
main.cf, connects to private/rewrite like qmgr and cleanup do, and answers
one line per request line:
    rewrite<TAB>RULE<TAB>ADDR   -> ADDR'
    resolve<TAB>SENDER<TAB>ADDR -> FLAGS<TAB>TRANSPORT<TAB>NEXTHOP<TAB>RCPT
or ERROR. Expected answers are Postfix's documented behaviour (postconf(5),
transport(5), trivial-rewrite(8)); Postfix has no command that prints a
resolution, so there is nothing to run side by side.
"""
import os
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import SRCDIR, wait_for
from postern_test_util import instance_procs, program

BUILDDIR = Path(os.environ.get("POSTERN_BUILDDIR", str(SRCDIR)))
QUERY = BUILDDIR / "tests" / "daemons" / "resolve_query"

# resolve_client.h
CLASS_LOCAL, CLASS_ALIAS, CLASS_VIRTUAL, CLASS_RELAY, CLASS_DEFAULT = (
    1, 2, 4, 8, 16)
FLAG_FINAL, FLAG_ROUTED, FLAG_ERROR, FLAG_FAIL = 32, 64, 128, 256

pytestmark = pytest.mark.skipif(not QUERY.exists(),
                                reason=f"{QUERY} not built")


class Query:
    """A long-lived resolve_query process: one connection, many requests."""

    def __init__(self, instance):
        env = dict(os.environ, MAIL_CONFIG=str(instance.config_dir))
        self.proc = instance.spawn([QUERY], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env,
                                   text=True)

    def ask(self, *fields):
        self.proc.stdin.write("\t".join(fields) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "resolve_query died: " + self.proc.stderr.read()
        return line.rstrip("\n")

    def rewrite(self, rule, addr):
        return self.ask("rewrite", rule, addr)

    def resolve(self, addr, sender=""):
        answer = self.ask("resolve", sender, addr)
        if answer == "ERROR":
            return answer
        flags, transport, nexthop, rcpt = answer.split("\t")
        return int(flags), transport, nexthop, rcpt

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def start(instance, extra):
    instance.append_main_cf(extra)
    r = instance.run("postfix", "start")
    assert r.returncode == 0, r.stdout + r.stderr
    return Query(instance)


SETTINGS = """
mydomain = example.com
myorigin = example.com
mydestination = $myhostname, localhost, example.com
relay_domains = relay.example
virtual_alias_domains = alias.example
virtual_mailbox_domains = vmail.example
proxy_interfaces = 192.0.2.7
"""


@pytest.fixture
def rewrite_instance(instance):
    yield instance
    instance.run("postfix", "stop")


def test_rewrite_canonicalizes_like_postfix(rewrite_instance):
    q = start(rewrite_instance, SETTINGS + "remote_header_rewrite_domain ="
              " hdr.example\n")
    assert q.rewrite("local", "user") == "user@example.com"
    assert q.rewrite("local", "") == ""
    assert q.rewrite("local", "host!user") == "user@host"
    assert q.rewrite("local", "user%remote.example") == "user@remote.example"
    assert q.rewrite("local", "User@Example.COM.") == "User@Example.COM"
    # postern's main.cf: append_dot_mydomain = no
    assert q.rewrite("local", "user@host") == "user@host"
    assert q.rewrite("remote", "user") == "user@hdr.example"
    q.close()


def test_remote_rule_leaves_bare_user_without_rewrite_domain(rewrite_instance):
    q = start(rewrite_instance, SETTINGS)
    assert q.rewrite("remote", "user") == "user"
    q.close()


def test_resolve_address_classes(rewrite_instance):
    q = start(rewrite_instance, SETTINGS)
    local = CLASS_LOCAL | FLAG_FINAL
    assert q.resolve("user") == (local, "local", "postern.test",
                                 "user@postern.test")
    assert q.resolve("user@Example.COM") == (local, "local", "postern.test",
                                             "user@Example.COM")
    assert q.resolve("user@[127.0.0.1]")[0] == local
    assert q.resolve("user@[192.0.2.7]")[0] == local
    assert q.resolve("user@alias.example") == (
        CLASS_ALIAS | FLAG_FINAL, "error",
        "5.1.1 User unknown in virtual alias table", "user@alias.example")
    assert q.resolve("user@vmail.example") == (
        CLASS_VIRTUAL | FLAG_FINAL, "virtual", "vmail.example",
        "user@vmail.example")
    assert q.resolve("user@relay.example") == (
        CLASS_RELAY, "relay", "relay.example", "user@relay.example")
    assert q.resolve("user@remote.example") == (
        CLASS_DEFAULT, "smtp", "remote.example", "user@remote.example")
    assert q.resolve("user%remote.example@example.com") == (
        CLASS_DEFAULT | FLAG_ROUTED, "smtp", "remote.example",
        "user@remote.example")
    assert q.resolve("user@bad..example")[0] & FLAG_ERROR
    q.close()


def test_resolve_relayhost_and_transport_maps(rewrite_instance):
    table = rewrite_instance.config_dir / "transport"
    table.write_text("bounce.example error:5.7.1 go away\n"
                     "slow.example slow:\n"
                     ".sub.example :[gw.sub.example]:2525\n")
    q = start(rewrite_instance, SETTINGS + "relayhost = [relay.test]:587\n"
              f"transport_maps = texthash:{table}\n")
    assert q.resolve("x@remote.example") == (
        CLASS_DEFAULT, "smtp", "[relay.test]:587", "x@remote.example")
    assert q.resolve("x@bounce.example")[1:3] == ("error", "5.7.1 go away")
    assert q.resolve("x@slow.example")[1:3] == ("slow", "slow.example")
    assert q.resolve("x@a.sub.example")[1:3] == ("smtp",
                                                 "[gw.sub.example]:2525")
    assert q.resolve("x")[1:3] == ("local", "postern.test")
    q.close()


def test_table_lookup_error_is_a_failure_not_a_default(rewrite_instance):
    missing = rewrite_instance.config_dir / "missing"
    q = start(rewrite_instance, SETTINGS +
              f"transport_maps = texthash:{missing}\n")
    flags = q.resolve("x@remote.example")[0]
    assert flags & FLAG_FAIL
    q.close()


def test_client_reconnects_when_the_service_went_away(rewrite_instance):
    q = start(rewrite_instance, SETTINGS)
    assert q.resolve("a@remote.example")[1] == "smtp"

    def rewrite_pids():
        return [pid for pid, p in instance_procs(rewrite_instance).items()
                if program(p) == "trivial-rewrite"]
    pids = rewrite_pids()
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not set(pids) & set(rewrite_pids()), 10,
             what="trivial-rewrite to exit")
    # A different address: the answer cannot come from the client cache.
    assert q.resolve("b@remote.example") == (
        CLASS_DEFAULT, "smtp", "remote.example", "b@remote.example")
    q.close()


def test_client_reports_failure_without_the_service(instance):
    # Not started: nobody listens on private/rewrite.
    q = Query(instance)
    assert q.resolve("a@remote.example") == "ERROR"
    assert q.rewrite("local", "user") == "ERROR"
    q.close()


def standalone(instance, request):
    """Run trivial-rewrite -S (stdin/stdout is the one client) on raw
    attr0 bytes; returns its output."""
    env = dict(os.environ, MAIL_CONFIG=str(instance.config_dir))
    r = subprocess.run([instance.postern.libexec("trivial-rewrite"), "-S"],
                       input=request, capture_output=True, env=env,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout, r.stderr.decode(errors="replace")


def attr0(**kw):
    return b"".join(k.encode() + b"\0" + v.encode() + b"\0"
                    for k, v in kw.items()) + b"\0"


def test_attr0_wire_format_and_pipelined_requests(instance):
    instance.append_main_cf(SETTINGS)
    out, _ = standalone(instance,
                        attr0(request="rewrite", rule="local", address="u")
                        + attr0(request="resolve", sender="",
                                address="x@relay.example"))
    assert out == (attr0(flags="0", address="u@example.com")
                   + attr0(flags=str(CLASS_RELAY), transport="relay",
                           nexthop="relay.example",
                           recipient="x@relay.example"))


def test_malformed_request_ends_the_connection(instance):
    instance.append_main_cf(SETTINGS)
    out, err = standalone(instance,
                          attr0(request="bogus", address="u")
                          + attr0(request="rewrite", rule="local",
                                  address="u"))
    assert out == b""
    assert 'unknown request "bogus"' in err
    out, err = standalone(instance, attr0(request="rewrite", rule="sideways",
                                          address="u"))
    assert out == b""
    assert 'unknown rewrite rule "sideways"' in err
    out, err = standalone(instance, attr0(request="resolve", address="u"))
    assert out == b""
