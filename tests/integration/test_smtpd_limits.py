"""smtpd(8) limits: message_size_limit, smtpd_recipient_limit,
line_length_limit (long content lines are kept, long command lines cut),
NUL bytes, smtpd_timeout, the error and junk command limits."""
import smtplib

from conftest import wait_for
from postern_test_util import (smtpd_factory, connect, queue_file,  # noqa: F401
                               content_lines, queued_id, wait_log)


def incoming(inst):
    return sorted(p.name for p in (inst.queue_dir / "incoming").rglob("*")
                  if p.is_file())


def test_size_limit_at_mail_and_in_data(smtpd_factory):
    inst = smtpd_factory("message_size_limit = 20000")
    c = connect(inst)
    assert "250-SIZE 20000" in c.cmd("EHLO client.example").splitlines()
    assert c.cmd("MAIL FROM:<a@example.com> SIZE=20001") == \
        "552 5.3.4 Message size exceeds fixed limit"
    assert c.cmd("MAIL FROM:<a@example.com> SIZE=99999999999999999999999") \
        == "552 5.3.4 Message size exceeds file system imposed limit"
    before = incoming(inst)
    assert c.cmd("MAIL FROM:<a@example.com> SIZE=20000") == "250 2.1.0 Ok"
    assert c.cmd("RCPT TO:<u@postern.test>") == "250 2.1.5 Ok"
    assert c.cmd("DATA").startswith("354 ")
    # The server reads the whole message before it says no.
    c.send(b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 30 + b".\r\n")
    assert c.text() == "552 5.3.4 Error: message file too big"
    assert c.cmd("NOOP") == "250 2.0.0 Ok"
    c.cmd("QUIT")
    wait_for(lambda: incoming(inst) == before, 10, what="no queue file")


def test_recipient_limit(smtpd_factory):
    inst = smtpd_factory("smtpd_recipient_limit = 2")
    c = connect(inst)
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<a@example.com>")
    assert c.cmd("RCPT TO:<u1@postern.test>") == "250 2.1.5 Ok"
    assert c.cmd("RCPT TO:<u2@postern.test>") == "250 2.1.5 Ok"
    assert c.cmd("RCPT TO:<u3@postern.test>") == \
        "452 4.5.3 Error: too many recipients"
    c.cmd("DATA")
    qid = queued_id(c.cmd("x\r\n."))
    c.cmd("QUIT")
    rcpts = [r for r in queue_file(inst, qid) if r[0] == "R"]
    assert rcpts == [("R", b"u1@postern.test"), ("R", b"u2@postern.test")]


def test_long_line_is_kept_intact(smtpd_factory):
    inst = smtpd_factory()
    long_line = bytes((ord("a") + i % 26) for i in range(100000))
    s = smtplib.SMTP("127.0.0.1", inst.port("smtp"))
    s.ehlo("client.example")
    s.mail("a@example.com")
    s.rcpt("u@postern.test")
    code, resp = s.data(b"Subject: long\r\n\r\n" + long_line + b"\r\nend\r\n")
    assert code == 250
    s.quit()
    recs = queue_file(inst, queued_id(resp.decode()))
    assert long_line in content_lines(recs)
    # Stored as fragments no longer than line_length_limit.
    assert any(r[0] == "L" for r in recs)
    assert all(len(d) <= 2048 for t, d in recs if t in "LN")


def test_nul_bytes(smtpd_factory):
    inst = smtpd_factory()
    c = connect(inst)
    assert c.cmd("NO\0OP") == "500 5.5.2 Error: bad syntax"
    assert c.cmd("MAIL FROM:<a\0b@example.com>") == \
        "500 5.5.2 Error: bad syntax"
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<a@example.com>")
    c.cmd("RCPT TO:<u@postern.test>")
    c.cmd("DATA")
    qid = queued_id(c.cmd("Subject: nul\r\n\r\nbin\0ary\r\n."))
    c.cmd("QUIT")
    assert b"bin\0ary" in content_lines(queue_file(inst, qid))


def test_long_command_line_is_cut_not_buffered(smtpd_factory):
    inst = smtpd_factory("smtpd_peername_lookup = no")
    c = connect(inst)
    # The rest of the line is dropped: it is not read as a command.
    assert c.cmd("NOOP " + "x" * 5000 + "QUIT") == "250 2.0.0 Ok"
    assert c.cmd("NOOP") == "250 2.0.0 Ok"
    c.cmd("QUIT")
    wait_log(inst, "warning: unknown[127.0.0.1]: request longer than 2048: "
             "NOOP xxxx")


def test_timeout(smtpd_factory):
    inst = smtpd_factory("smtpd_timeout = 2s\nsmtpd_peername_lookup = no")
    c = connect(inst)
    c.cmd("EHLO client.example")
    # The next reply comes unasked, when smtpd gives up.
    assert c.text() == "421 4.4.2 postern.test Error: timeout exceeded"
    assert c.closed()
    wait_log(inst, "timeout after EHLO from unknown[127.0.0.1]")
    wait_log(inst, "disconnect from unknown[127.0.0.1] ehlo=1 commands=1")


def test_timeout_inside_data(smtpd_factory):
    inst = smtpd_factory("smtpd_timeout = 2s\nsmtpd_peername_lookup = no")
    c = connect(inst)
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<a@example.com>")
    c.cmd("RCPT TO:<u@postern.test>")
    c.cmd("DATA")
    c.send("Subject: slow\r\n")
    assert c.text() == "421 4.4.2 postern.test Error: timeout exceeded"
    wait_log(inst, "timeout after DATA (")


def test_hard_error_limit(smtpd_factory):
    inst = smtpd_factory("smtpd_hard_error_limit = 3\n"
                         "smtpd_error_sleep_time = 0\n"
                         "smtpd_peername_lookup = no")
    c = connect(inst)
    for _ in range(3):
        assert c.cmd("FOO") == "500 5.5.2 Error: command not recognized"
    assert c.text() == "421 4.7.0 postern.test Error: too many errors"
    assert c.closed()
    wait_log(inst, "too many errors after UNKNOWN from unknown[127.0.0.1]")


def test_junk_command_limit(smtpd_factory):
    inst = smtpd_factory("smtpd_junk_command_limit = 2\n"
                         "smtpd_hard_error_limit = 3\n"
                         "smtpd_error_sleep_time = 0")
    c = connect(inst)
    for _ in range(5):
        assert c.cmd("NOOP") == "250 2.0.0 Ok"
    assert c.text() == "421 4.7.0 postern.test Error: too many errors"


def test_delivery_resets_error_count(smtpd_factory):
    inst = smtpd_factory("smtpd_hard_error_limit = 3\n"
                         "smtpd_error_sleep_time = 0")
    c = connect(inst)
    c.cmd("EHLO client.example")
    assert c.cmd("FOO").startswith("500 ")
    assert c.cmd("FOO").startswith("500 ")
    c.cmd("MAIL FROM:<a@example.com>")
    c.cmd("RCPT TO:<u@postern.test>")
    c.cmd("DATA")
    queued_id(c.cmd("x\r\n."))
    assert c.cmd("FOO").startswith("500 ")
    assert c.cmd("FOO").startswith("500 ")
    assert c.cmd("NOOP") == "250 2.0.0 Ok"
    c.cmd("QUIT")
