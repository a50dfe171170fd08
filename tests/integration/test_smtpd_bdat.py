"""CHUNKING (RFC 3030): BDAT chunks are read exactly, without
dot-stuffing or an end marker; the reply to LAST is the queue reply."""
from conftest import wait_for
from postern_test_util import (smtpd_factory, connect, queue_file,  # noqa: F401
                               content_lines, queued_id, wait_log)


def incoming(inst):
    return sorted(p.name for p in (inst.queue_dir / "incoming").rglob("*")
                  if p.is_file())


def start(inst):
    c = connect(inst)
    assert "250 CHUNKING" in c.cmd("EHLO client.example").splitlines()
    assert c.cmd("MAIL FROM:<a@example.com>") == "250 2.1.0 Ok"
    assert c.cmd("RCPT TO:<u@postern.test>") == "250 2.1.5 Ok"
    return c


def test_bdat_chunks_are_queued_verbatim(smtpd_factory):
    inst = smtpd_factory()
    c = start(inst)
    chunk1 = b"Subject: chunks\r\n\r\n..two dots\r\n.\r\nhalf"
    chunk2 = b" a line\r\nlast line"
    c.send(b"BDAT %d\r\n" % len(chunk1) + chunk1)
    assert c.text() == f"250 2.0.0 Ok: {len(chunk1)} bytes"
    c.send(b"BDAT %d LAST\r\n" % len(chunk2) + chunk2)
    reply = c.text()
    assert reply.startswith("250 2.0.0 Ok: ")
    assert " bytes queued as " in reply
    c.cmd("QUIT")
    lines = content_lines(queue_file(inst, queued_id(reply)))
    assert lines[-5:] == [b"", b"..two dots", b".", b"half a line",
                          b"last line"]


def test_bdat_pipelined_chunks(smtpd_factory):
    inst = smtpd_factory()
    c = start(inst)
    c.chunks = 0
    c.send(b"BDAT 3\r\nabcBDAT 4\r\n\r\nxyBDAT 2 LAST\r\nz\n")
    assert c.text() == "250 2.0.0 Ok: 3 bytes"
    assert c.text() == "250 2.0.0 Ok: 4 bytes"
    reply = c.text()
    assert c.chunks == 1
    c.cmd("QUIT")
    # 127.0.0.1 is in mynetworks: its bare LF is a line end.
    assert content_lines(queue_file(inst, queued_id(reply)))[-2:] == \
        [b"abc", b"xyz"]


def test_bdat_empty_last_chunk(smtpd_factory):
    inst = smtpd_factory()
    c = start(inst)
    c.send(b"BDAT 0 LAST\r\n")
    reply = c.text()
    assert reply.startswith("250 2.0.0 Ok: 0 bytes queued as ")
    c.cmd("QUIT")
    assert content_lines(queue_file(inst, queued_id(reply)))[0].startswith(
        b"Received: ")


def test_bdat_errors_discard_until_last(smtpd_factory):
    inst = smtpd_factory()
    c = connect(inst)
    c.cmd("EHLO client.example")
    c.send(b"BDAT 5\r\n12345")
    assert c.text() == "503 5.5.1 Error: need RCPT command"
    assert c.cmd("MAIL FROM:<a@example.com>") == \
        "503 5.5.1 Error: MAIL after BDAT"
    c.send(b"BDAT 3\r\nabc")
    assert c.text() == "551 5.0.0 Discarded 3 bytes after earlier error"
    c.send(b"BDAT 2 LAST\r\nde")
    assert c.text() == "551 5.0.0 Discarded 2 bytes after earlier error"
    # Over: a new transaction works.
    assert c.cmd("MAIL FROM:<a@example.com>") == "250 2.1.0 Ok"
    c.cmd("QUIT")


def test_bdat_and_data_do_not_mix(smtpd_factory):
    inst = smtpd_factory()
    c = start(inst)
    c.send(b"BDAT 3\r\nabc")
    assert c.text() == "250 2.0.0 Ok: 3 bytes"
    assert c.cmd("DATA") == "503 5.5.1 Error: DATA after BDAT"
    assert c.cmd("RCPT TO:<v@postern.test>") == \
        "503 5.5.1 Error: RCPT after BDAT"
    assert c.cmd("MAIL FROM:<b@example.com>") == \
        "503 5.5.1 Error: MAIL after BDAT"
    assert c.cmd("RSET") == "250 2.0.0 Ok"
    assert c.cmd("MAIL FROM:<b@example.com>") == "250 2.1.0 Ok"
    c.cmd("QUIT")


def test_bdat_size_limit(smtpd_factory):
    inst = smtpd_factory("message_size_limit = 20000")
    before = incoming(inst)
    c = start(inst)
    body = (b"y" * 98 + b"\r\n") * 300
    c.send(b"BDAT %d LAST\r\n" % len(body) + body)
    assert c.text() == "552 5.3.4 Error: message file too big"
    assert c.cmd("NOOP") == "250 2.0.0 Ok"
    c.cmd("QUIT")
    wait_for(lambda: incoming(inst) == before, 10, what="no queue file")


def test_bdat_malformed_disconnects(smtpd_factory):
    inst = smtpd_factory()
    c = start(inst)
    assert c.cmd("BDAT 1 LAST junk") == "521 5.5.4 Syntax: BDAT count [LAST]"
    assert c.closed()
    wait_log(inst, "malformed BDAT command syntax from ")
