"""lmtp(8) against a real Dovecot (issue 5, item 7).

A private Dovecot (peers.dovecot: LMTP only, passwd-file users
alice@example.test and bob@example.test, Maildirs under its own directory)
listens on a UNIX socket and on 127.0.0.1:<free port>.  A private postern
instance relays example.test (relay_domains) and routes it with
transport_maps to lmtp:unix:<socket> or lmtp:inet:127.0.0.1:<port>.  Mail
goes in through postern's smtpd with smtplib, and the tests look where a
user would: the Dovecot mailbox, the maillog lines and the bounce that
comes back to the sender.

One message carries a known recipient (alice) and one Dovecot does not
know: Dovecot answers the RCPT of the unknown one with 550 5.1.1, so that
recipient bounces while alice still gets the message (per-recipient
results in one LMTP session).  The sender is bob@example.test, so the
bounce report is delivered through LMTP to bob's mailbox too.

Dovecot also answers DATA once per recipient: with its quota plugin, a
recipient over quota fails after DATA (552 5.2.2, or 452 4.2.2 with
quota_full_tempfail) while alice's copy is saved in the same transaction;
alice must be delivered exactly once, also when the deferred recipient is
retried.

The expected log lines are those Debian's Postfix 3.7 writes for the same
setup (checked by running these tests against it).

Skips only when Dovecot or its LMTP server is not installed.
"""
import re
import smtplib

import pytest

from conftest import wait_for
from peers import dovecot
from postern_test_util import wait_log_re as util_wait_log_re, maillog, start_instance

DELIVERY_TIMEOUT = 30
QUEUED = re.compile(r"queued as ([0-9A-Za-z]+)")
SENDER = "bob@example.test"


@pytest.fixture
def dv():
    with dovecot() as d:
        yield d


@pytest.fixture
def running(instance):
    """Start the instance with extra main.cf text; stop it afterwards."""
    started = []

    def start(extra):
        start_instance(instance, extra)
        started.append(instance)
        return instance
    yield start
    for inst in started:
        inst.run("postfix", "stop")


def lmtp_settings(instance, nexthop):
    transport = instance.config_dir / "transport"
    transport.write_text(f"example.test {nexthop}\n")
    return (f"mynetworks = 127.0.0.0/8\n"
            f"relay_domains = example.test\n"
            f"transport_maps = texthash:{transport}\n")


def submit(instance, rcpts, message, sender=SENDER):
    """Submit with smtplib to the instance's smtpd; the queue ID."""
    with smtplib.SMTP("127.0.0.1", instance.port("smtp"), timeout=30) as s:
        s.ehlo("client.example")
        code, resp = s.mail(sender)
        assert code == 250, (code, resp)
        for rcpt in rcpts:
            code, resp = s.rcpt(rcpt)
            assert code == 250, (rcpt, code, resp)
        code, resp = s.data(message)
        assert code == 250, (code, resp)
    m = QUEUED.search(resp.decode())
    assert m, f"no queue ID in {resp!r}"
    return m.group(1)


def wait_log_re(instance, regex, timeout=DELIVERY_TIMEOUT):
    return util_wait_log_re(instance, regex, timeout, tail=25)


def status_line(instance, qid, rcpt, status):
    return wait_log_re(instance, rf"{qid}: to=<{re.escape(rcpt)}>, "
                       rf".*status={status} ")


@pytest.mark.parametrize("where", ["unix", "inet"])
def test_lmtp_delivers_to_dovecot_per_recipient(instance, dv, running,
                                                where):
    nexthop = dv.unix_nexthop if where == "unix" else dv.inet_nexthop
    running(lmtp_settings(instance, nexthop))
    marker = f"lmtp-{where}-body-marker"
    body = (f"From: Bob <{SENDER}>\r\n"
            f"To: alice@example.test\r\n"
            f"Subject: lmtp over {where}\r\n"
            f"\r\n"
            f"{marker}\r\n"
            f"second line\r\n")
    qid = submit(instance, ["alice@example.test", "nosuch@example.test"],
                 body.encode())

    # The delivery log line, as Postfix's lmtp writes it.
    if where == "unix":
        relay = r"[^\s,]+\[" + re.escape(str(dv.socket)) + r"\]"
    else:
        relay = re.escape(f"127.0.0.1[127.0.0.1]:{dv.port}")
    sent = status_line(instance, qid, "alice@example.test", "sent")
    assert re.search(
        rf"postfix/lmtp\[\d+\]: {qid}: to=<alice@example\.test>, "
        rf"relay={relay}, delay=[\d.]+, delays=[\d.]+/[\d.]+/[\d.]+/[\d.]+, "
        rf"dsn=2\.0\.0, status=sent \(250 2\.0\.0 <alice@example\.test> "
        rf"\S+ Saved\)$", sent), sent

    # alice: in her Dovecot Maildir, once.
    msgs = dv.wait_mailbox("alice@example.test", 1, DELIVERY_TIMEOUT)
    assert len(msgs) == 1, msgs
    got = msgs[0].decode()
    assert f"\n{marker}\nsecond line\n" in got, got
    assert f"Subject: lmtp over {where}\n" in got, got
    assert "Delivered-To: alice@example.test\n" in got, got
    assert f"Return-Path: <{SENDER}>\n" in got, got

    # The unknown user: Dovecot's 550 5.1.1 at RCPT, a bounce.
    bounced = status_line(instance, qid, "nosuch@example.test", "bounced")
    assert re.search(rf"relay={relay}, .*dsn=5\.1\.1, status=bounced ",
                     bounced), bounced
    assert "550 5.1.1 <nosuch@example.test> User doesn't exist" in bounced, \
        bounced
    assert "(in reply to RCPT TO command)" in bounced, bounced
    assert not dv.mailbox("nosuch@example.test")

    # The sender gets the bounce report, delivered by LMTP as well.
    reports = dv.wait_mailbox(SENDER, 1, DELIVERY_TIMEOUT)
    report = reports[0].decode(errors="replace")
    assert "nosuch@example.test" in report, report
    assert "5.1.1" in report, report
    assert marker in report or f"Subject: lmtp over {where}" in report, \
        report
    wait_log_re(instance, rf"{qid}: removed", timeout=DELIVERY_TIMEOUT)
    # Exactly one delivery to alice: no duplicate from a retry.
    assert len(dv.mailbox("alice@example.test")) == 1
    assert maillog(instance).count(f"{qid}: to=<alice@example.test>") == 1


@pytest.mark.parametrize("tempfail", [False, True],
                         ids=["quota-552", "quota-452"])
def test_lmtp_per_recipient_replies_after_data(instance, running, tempfail):
    """Dovecot answers DATA once per recipient: alice's copy is saved
    while full@example.test is over quota (552 5.2.2, or 452 4.2.2 with
    quota_full_tempfail).  alice is sent exactly once; full bounces, or is
    deferred and retried alone (a flush does not deliver alice again)."""
    full = "full@example.test"
    with dovecot(quota={full: 100}, quota_tempfail=tempfail) as dv:
        running(lmtp_settings(instance, dv.unix_nexthop))
        body = (f"From: <{SENDER}>\r\nSubject: too big for full\r\n\r\n"
                + "0123456789" * 40 + "\r\n").encode()
        qid = submit(instance, ["alice@example.test", full], body)
        relay = r"[^\s,]+\[" + re.escape(str(dv.socket)) + r"\]"

        sent = status_line(instance, qid, "alice@example.test", "sent")
        assert re.search(rf"relay={relay}, .*dsn=2\.0\.0, status=sent "
                         rf"\(250 2\.0\.0 <alice@example\.test> \S+ Saved\)",
                         sent), sent
        assert len(dv.wait_mailbox("alice@example.test", 1)) == 1

        code, dsn, status = (("452", "4.2.2", "deferred") if tempfail
                             else ("552", "5.2.2", "bounced"))
        line = status_line(instance, qid, full, status)
        assert re.search(
            rf"relay={relay}, .*dsn={re.escape(dsn)}, status={status} "
            rf"\(host {relay} said: {code} {re.escape(dsn)} <{full}> "
            rf"Quota exceeded \(mailbox for user is full\) "
            rf"\(in reply to end of DATA command\)\)", line), line
        assert not dv.mailbox(full)

        if tempfail:
            # The retry is for full alone (flush once qmgr has moved the
            # message to the deferred queue).
            wait_for(lambda: any(p.is_file() for p in
                                 (instance.queue_dir / "deferred").rglob(qid)),
                     DELIVERY_TIMEOUT, what=f"{qid} in the deferred queue")
            r = instance.run("postqueue", "-f")
            assert r.returncode == 0, r.stderr
            wait_for(lambda: maillog(instance).count(
                f"{qid}: to=<{full}>") >= 2, DELIVERY_TIMEOUT,
                what="a second delivery attempt to full")
            tries = [ln for ln in maillog(instance).splitlines()
                     if f"{qid}: to=<{full}>" in ln]
            assert all("status=deferred" in ln for ln in tries), tries
        else:
            reports = dv.wait_mailbox(SENDER, 1, DELIVERY_TIMEOUT)
            assert full in reports[0].decode(errors="replace")
            wait_log_re(instance, rf"{qid}: removed")
        assert len(dv.mailbox("alice@example.test")) == 1
        assert maillog(instance).count(
            f"{qid}: to=<alice@example.test>") == 1
