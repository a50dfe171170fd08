"""Relay control (issue 3): postern is never an open relay.

With the shipped smtpd_relay_restrictions (permit_mynetworks,
reject_unauth_destination) a client outside mynetworks may only send to
our own destinations (mydestination, our address literals,
relay_domains); anything else is refused with "554 5.7.1 <rcpt>: Relay
access denied" and logged as Postfix logs it.  The instance listens on
127.0.0.1 with mynetworks = 127.0.0.1/32; the "outside" client binds
127.0.0.2.  Where Debian's Postfix can run (root), the same RCPT
commands go through it too and replies and log lines must be equal.
"""
import re
import smtplib
import socket

import pytest

from conftest import postfix_instance, wait_for
from postern_test_util import maillog, smtpd_factory  # noqa: F401

INSIDE = "127.0.0.1"
OUTSIDE = "127.0.0.2"
SENDER = "s@example.org"
HELO = "client.example"

RELAY_CF = ("compatibility_level = 3.6\n"
            "myhostname = postern.test\n"
            "mydestination = $myhostname, localhost\n"
            "mynetworks = 127.0.0.1/32\n"
            "relay_domains = relay.example\n"
            "smtpd_relay_restrictions = permit_mynetworks, "
            "reject_unauth_destination\n"
            "local_recipient_maps =\n"
            "smtpd_peername_lookup = no\n"
            "smtpd_error_sleep_time = 0\n"
            "smtpd_soft_error_limit = 100\n"
            "smtpd_hard_error_limit = 100\n")

# (recipient, expected code) for a client outside mynetworks.
OUTSIDE_CASES = [
    ("u@example.org", 554),
    ("u@postern.test", 250),
    ("u@localhost", 250),
    ("u@[127.0.0.1]", 250),
    ("u@[127.0.0.2]", 554),
    ("u@relay.example", 250),
    ("u@sub.relay.example", 250),
    ("u%example.org@postern.test", 554),
    ("example.org!u@postern.test", 554),
    ("u%relay.example@postern.test", 250),
    ("u%x@relay.example", 554),
    ("x!u@relay.example", 554),
    ("postmaster", 250),
]

REJECT_LINE = (r"NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.2\]: 554 "
               r"5\.7\.1 <u@example\.org>: Relay access denied; "
               r"from=<s@example\.org> to=<u@example\.org> proto=ESMTP "
               r"helo=<client\.example>$")


def rcpt_replies(port, source, recipients):
    """One transaction from source; the RCPT replies as (code, text)."""
    s = smtplib.SMTP(timeout=15, source_address=(source, 0))
    try:
        s.connect("127.0.0.1", port)
        code, _ = s.ehlo(HELO)
        assert code == 250
        code, text = s.mail(SENDER)
        assert code == 250, text
        out = []
        for rcpt in recipients:
            code, text = s.docmd("RCPT", f"TO:<{rcpt}>")
            out.append((code, text.decode()))
        s.docmd("RSET")
        s.quit()
    finally:
        s.close()
    return out


def log_lines(text):
    """The smtpd lines of a maillog, without time, host and pid."""
    out = []
    for line in text.splitlines():
        m = re.search(r" \S+/smtpd\[\d+\]: (.*)$", line)
        if m:
            out.append(m.group(1))
    return out


def test_relay_from_outside_mynetworks_is_refused(smtpd_factory):
    inst = smtpd_factory(RELAY_CF)
    replies = rcpt_replies(inst.port("smtp"), OUTSIDE, ["u@example.org"])
    assert replies == [(554, "5.7.1 <u@example.org>: Relay access denied")]
    pattern = re.compile(REJECT_LINE)
    line = wait_for(lambda: next((x for x in log_lines(maillog(inst))
                                  if pattern.search(x)), None),
                    10, what="the relay reject log line")
    assert line.startswith("NOQUEUE: reject: RCPT from unknown[127.0.0.2]")


def test_relay_from_mynetworks_is_permitted(smtpd_factory):
    inst = smtpd_factory(RELAY_CF)
    replies = rcpt_replies(inst.port("smtp"), INSIDE,
                           ["u@example.org", "v@example.net"])
    assert [code for code, _ in replies] == [250, 250], replies


def test_outside_client_reaches_only_our_destinations(smtpd_factory):
    inst = smtpd_factory(RELAY_CF)
    replies = rcpt_replies(inst.port("smtp"), OUTSIDE,
                           [rcpt for rcpt, _ in OUTSIDE_CASES])
    for (rcpt, want), (code, text) in zip(OUTSIDE_CASES, replies):
        assert code == want, (rcpt, code, text)
        if want == 554:
            assert text == f"5.7.1 <{rcpt}>: Relay access denied"


def test_no_relay_control_refuses_to_run(smtpd_factory):
    """Neither relay nor recipient restrictions reject by default: smtpd
    will not serve at all, and says why (Postfix's wording)."""
    inst = smtpd_factory(RELAY_CF +
                         "smtpd_relay_restrictions = permit_mynetworks\n"
                         "smtpd_recipient_restrictions =\n")
    # smtpd starts on demand; the connection itself may just be closed.
    try:
        with socket.create_connection(("127.0.0.1", inst.port("smtp")),
                                      5) as s:
            s.settimeout(5)
            s.recv(512)
    except OSError:
        pass
    wait_for(lambda: "fatal: in parameter smtpd_relay_restrictions or "
             "smtpd_recipient_restrictions, specify at least one working "
             "instance of: reject_unauth_destination, "
             "defer_unauth_destination, reject, defer, defer_if_permit or "
             "check_relay_domains" in maillog(inst), 15,
             what="smtpd's fatal error about relay control")


# ---- side by side with Debian's Postfix ----------------------------------

@pytest.fixture
def postfix_relay():
    """Debian's Postfix with RELAY_CF; yields (port, maillog path)."""
    with postfix_instance(RELAY_CF + "alias_maps =\n",
                          prefix="postfix-relay-") as pf:
        yield pf.port, pf.maillog


def reject_lines(text):
    """The reject log lines, queue IDs replaced by QID."""
    return [re.sub(r"^(NOQUEUE|[0-9A-Za-z]+): ", "QID: ", line)
            for line in log_lines(text) if ": reject: " in line]


def test_relay_decisions_match_postfix(smtpd_factory, postfix_relay):
    pf_port, pf_log = postfix_relay
    inst = smtpd_factory(RELAY_CF)
    recipients = [rcpt for rcpt, _ in OUTSIDE_CASES]
    ours = rcpt_replies(inst.port("smtp"), OUTSIDE, recipients)
    theirs = rcpt_replies(pf_port, OUTSIDE, recipients)
    assert ours == theirs
    want = sum(1 for code, _ in theirs if code >= 400)
    wait_for(lambda: len(reject_lines(maillog(inst))) >= want, 10,
             what="our reject lines")
    wait_for(lambda: pf_log.exists()
             and len(reject_lines(pf_log.read_text())) >= want, 10,
             what="Postfix's reject lines")
    assert reject_lines(maillog(inst)) == reject_lines(pf_log.read_text())
