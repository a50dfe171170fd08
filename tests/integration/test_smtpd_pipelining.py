"""PIPELINING (RFC 2920): replies are held until the client has to wait,
and a client that does not wait where it must is disconnected
(smtpd_forbid_unauth_pipelining, postern's default: yes)."""
from conftest import wait_for
from postern_test_util import (smtpd_factory, connect, queue_file,  # noqa: F401
                               content_lines, queued_id, wait_log)


def incoming(inst):
    return sorted(p.name for p in (inst.queue_dir / "incoming").rglob("*")
                  if p.is_file())


def test_pipelined_batch_replies_arrive_together(smtpd_factory):
    inst = smtpd_factory()
    c = connect(inst)
    c.cmd("EHLO client.example")
    c.chunks = 0
    c.send(b"MAIL FROM:<a@example.com>\r\n"
           b"RCPT TO:<u1@postern.test>\r\n"
           b"RCPT TO:<u2@postern.test>\r\n"
           b"DATA\r\n")
    replies = [c.reply() for _ in range(4)]
    assert [r[0] for r in replies] == [250, 250, 250, 354]
    assert replies[0][1] == ["250 2.1.0 Ok"]
    assert replies[1][1] == replies[2][1] == ["250 2.1.5 Ok"]
    # Held until DATA needed an answer: one write, one read.
    assert c.chunks == 1
    c.chunks = 0
    # After the end of data the client may pipeline the next transaction.
    c.send(b"Subject: one\r\n\r\nfirst\r\n.\r\n"
           b"MAIL FROM:<b@example.com>\r\n"
           b"RCPT TO:<u3@postern.test>\r\n"
           b"DATA\r\n")
    first = c.text()
    assert c.text() == "250 2.1.0 Ok"
    assert c.text() == "250 2.1.5 Ok"
    assert c.text().startswith("354 ")
    c.send(b"Subject: two\r\n\r\nsecond\r\n.\r\nQUIT\r\n")
    second = c.text()
    assert c.text() == "221 2.0.0 Bye"
    recs = queue_file(inst, queued_id(first))
    assert [r for r in recs if r[0] == "R"] == [("R", b"u1@postern.test"),
                                               ("R", b"u2@postern.test")]
    assert b"first" in content_lines(recs)
    assert b"second" in content_lines(queue_file(inst, queued_id(second)))


def test_command_after_ehlo_in_same_packet_is_refused(smtpd_factory):
    inst = smtpd_factory("smtpd_peername_lookup = no")
    c = connect(inst)
    c.send(b"EHLO client.example\r\nNOOP\r\n")
    assert c.text() == "554 5.5.0 Error: SMTP protocol synchronization"
    assert c.closed()
    wait_log(inst, "improper command pipelining after EHLO from "
             "unknown[127.0.0.1]: NOOP\\r\\n")
    wait_log(inst, "disconnect from unknown[127.0.0.1] ehlo=0/1 commands=0/1")


def test_message_sent_before_354_is_refused(smtpd_factory):
    inst = smtpd_factory()
    before = incoming(inst)
    c = connect(inst)
    c.cmd("EHLO client.example")
    c.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<u@postern.test>\r\n"
           b"DATA\r\nSubject: eager\r\n\r\nbody\r\n.\r\n")
    assert c.text() == "250 2.1.0 Ok"
    assert c.text() == "250 2.1.5 Ok"
    assert c.text() == "554 5.5.0 Error: SMTP protocol synchronization"
    assert c.closed()
    wait_log(inst, "improper command pipelining after DATA from ")
    wait_for(lambda: incoming(inst) == before, 10, what="no queue file")


def test_helo_client_may_not_pipeline(smtpd_factory):
    inst = smtpd_factory()
    c = connect(inst)
    assert c.cmd("HELO client.example") == "250 postern.test"
    c.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<u@postern.test>\r\n")
    assert c.text() == "554 5.5.0 Error: SMTP protocol synchronization"
    wait_log(inst, "improper command pipelining after MAIL from ")


def test_pipelining_guard_can_be_turned_off(smtpd_factory):
    inst = smtpd_factory("smtpd_forbid_unauth_pipelining = no")
    c = connect(inst)
    c.send(b"EHLO client.example\r\nNOOP\r\n")
    assert c.text().startswith("250-postern.test")
    assert c.text() == "250 2.0.0 Ok"
    c.cmd("QUIT")


def test_discarded_pipelining_keyword_forbids_pipelining(smtpd_factory):
    inst = smtpd_factory("smtpd_discard_ehlo_keywords = pipelining")
    c = connect(inst)
    assert "PIPELINING" not in c.cmd("EHLO client.example")
    c.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<u@postern.test>\r\n")
    assert c.text() == "554 5.5.0 Error: SMTP protocol synchronization"
