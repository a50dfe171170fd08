"""SMTP smuggling (CVE-2023-51764 and friends): the end of DATA is only
CR LF . CR LF.  A bare LF or a bare CR never ends the message, whatever
the configuration; outside smtpd_forbid_bare_newline_exclusions the
message is rejected with 550 5.5.2 after its real end."""
import pytest

from conftest import wait_for

from postern_test_util import (smtpd_factory, connect, queue_file,  # noqa: F401
                               content_lines, queued_id, wait_log)

VARIANTS = {
    "LF.LF": b"\n.\n",
    "CRLF.LF": b"\r\n.\n",
    "LF.CRLF": b"\n.\r\n",
    "CR.CRLF": b"\r.\r\n",
}

SMUGGLED = (b"MAIL FROM:<evil@example.com>\r\n"
            b"RCPT TO:<victim@postern.test>\r\n"
            b"DATA\r\n"
            b"Subject: smuggled\r\n\r\nevil\r\n")


def incoming(inst):
    return sorted(p.name for p in (inst.queue_dir / "incoming").rglob("*")
                  if p.is_file())


def smuggle(inst, variant, source=None):
    """One transaction carrying a smuggling attempt, sent in one piece
    together with QUIT. Returns the reply to the content and the reply
    after it (which must be QUIT's)."""
    c = connect(inst, source=source)
    c.cmd("EHLO client.example")
    assert c.cmd("MAIL FROM:<a@example.com>") == "250 2.1.0 Ok"
    assert c.cmd("RCPT TO:<u@postern.test>") == "250 2.1.5 Ok"
    assert c.cmd("DATA").startswith("354 ")
    c.send(b"Subject: real\r\n\r\nbefore" + VARIANTS[variant] + SMUGGLED
           + b".\r\nQUIT\r\n")
    first = c.text()
    second = c.text()
    return first, second


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_cve_2023_51764_smuggling_in_mynetworks(smtpd_factory, variant):
    """Default configuration: 127.0.0.1 is in mynetworks and so excluded
    from smtpd_forbid_bare_newline. The message is accepted, but the
    smuggled commands are content of the one message."""
    inst = smtpd_factory()
    before = incoming(inst)
    first, second = smuggle(inst, variant)
    assert first.startswith("250 2.0.0 Ok: queued as "), first
    assert second == "221 2.0.0 Bye"
    qid = queued_id(first)
    assert [f for f in incoming(inst) if f not in before] == [qid]
    recs = queue_file(inst, qid)
    assert [r for r in recs if r[0] == "R"] == [("R", b"u@postern.test")]
    lines = content_lines(recs)
    assert b"MAIL FROM:<evil@example.com>" in lines
    assert b"Subject: smuggled" in lines
    assert b"evil" in lines


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_cve_2023_51764_smuggling_outside_mynetworks(smtpd_factory, variant):
    """A client outside mynetworks: the message is read to its real end
    and rejected; nothing is queued and the session goes on."""
    inst = smtpd_factory("mynetworks = 127.0.0.1/32\n"
                         "smtpd_peername_lookup = no")
    before = incoming(inst)
    first, second = smuggle(inst, variant, source="127.0.0.2")
    what = "<CR>" if variant == "CR.CRLF" else "<LF>"
    assert first == f"550 5.5.2 postern.test Error: bare {what} received"
    assert second == "221 2.0.0 Bye"
    # cleanup removes its file once smtpd has dropped the connection.
    wait_for(lambda: incoming(inst) == before, 10, what="no queue file")
    wait_log(inst, "reject: END-OF-MESSAGE from unknown[127.0.0.2]: ")
    wait_log(inst, f"bare {what} received; from=<a@example.com> "
             "to=<u@postern.test> proto=ESMTP helo=<client.example>")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_smuggling_with_bare_newlines_allowed(smtpd_factory, variant):
    """smtpd_forbid_bare_newline = no accepts bare newlines, but still
    never ends the message early."""
    inst = smtpd_factory("mynetworks = 127.0.0.1/32\n"
                         "smtpd_peername_lookup = no\n"
                         "smtpd_forbid_bare_newline = no")
    first, second = smuggle(inst, variant, source="127.0.0.2")
    assert first.startswith("250 2.0.0 Ok: queued as "), first
    assert second == "221 2.0.0 Bye"
    lines = content_lines(queue_file(inst, queued_id(first)))
    assert b"MAIL FROM:<evil@example.com>" in lines


def test_smuggling_after_xclient_outside_mynetworks(smtpd_factory):
    inst = smtpd_factory("smtpd_authorized_xclient_hosts = 127.0.0.1")
    c = connect(inst)
    c.cmd("EHLO client.example")
    assert c.cmd("XCLIENT ADDR=192.0.2.1 NAME=outside.example") == \
        "220 postern.test ESMTP postern"
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<a@example.com>")
    c.cmd("RCPT TO:<u@postern.test>")
    assert c.cmd("DATA").startswith("354 ")
    c.send(b"x\r\n.\n" + SMUGGLED + b".\r\n")
    assert c.text() == "550 5.5.2 postern.test Error: bare <LF> received"
    assert c.cmd("NOOP") == "250 2.0.0 Ok"
    c.cmd("QUIT")


def test_bare_lf_in_commands(smtpd_factory):
    inst = smtpd_factory("mynetworks = 127.0.0.1/32\n"
                         "smtpd_peername_lookup = no")
    inside = connect(inst)
    inside.send(b"NOOP\n")
    assert inside.text() == "250 2.0.0 Ok"
    inside.cmd("QUIT")
    outside = connect(inst, source="127.0.0.2")
    outside.send(b"NOOP\n")
    assert outside.text() == "550 5.5.2 postern.test Error: bare <LF> received"
    # The client is not disconnected.
    assert outside.cmd("NOOP") == "250 2.0.0 Ok"
    outside.cmd("QUIT")


def test_bare_lf_in_bdat_outside_mynetworks(smtpd_factory):
    inst = smtpd_factory("mynetworks = 127.0.0.1/32\n"
                         "smtpd_peername_lookup = no")
    c = connect(inst, source="127.0.0.2")
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<a@example.com>")
    c.cmd("RCPT TO:<u@postern.test>")
    c.send(b"BDAT 10 LAST\r\nab\ncd\r\nef\r")
    assert c.text() == "550 5.5.2 postern.test Error: bare <LF> received"
    assert c.cmd("NOOP") == "250 2.0.0 Ok"
    c.cmd("QUIT")
