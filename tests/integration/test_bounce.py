"""bounce(8), error(8) and discard(8): per-message logs and RFC 3464
delivery status notifications.

The instance runs without qmgr and pickup, so nothing moves mail but the
test: a message is received over SMTP (it stays in incoming/), moved to
active/ by hand, and the test then speaks the protocols qmgr would speak
(attr0 over private/bounce, private/error, ...), written out below.
"""
import email
import email.policy
import os
import re
import smtplib
import socket

import pytest

from conftest import wait_for
from postern_test_util import (content_lines, decode_records, maillog,
                               start_instance, wait_log, wait_log_re)

NOTIFY_NEVER, NOTIFY_SUCCESS, NOTIFY_FAILURE, NOTIFY_DELAY = 1, 2, 4, 8
RET_FULL, RET_HDRS = 1, 2


def attr0(**attrs):
    out = b""
    for name, value in attrs.items():
        out += name.encode() + b"\0" + str(value).encode() + b"\0"
    return out + b"\0"


def read_attrs(sock):
    """One attr0 reply as a dict."""
    buf = b""
    while True:
        parts = buf.split(b"\0")
        # name, value pairs then an empty name: the end marker.
        i = 0
        while i + 1 < len(parts) and parts[i] != b"":
            i += 2
        if i < len(parts) - 1 and parts[i] == b"":
            return {parts[j].decode(): parts[j + 1].decode()
                    for j in range(0, i, 2)}
        chunk = sock.recv(4096)
        assert chunk, f"peer closed after {buf!r}"
        buf += chunk


def service(instance, name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(str(instance.queue_dir / "private" / name))
    return s


def bounce_request(instance, svc, **attrs):
    s = service(instance, svc)
    s.sendall(attr0(**attrs))
    reply = read_attrs(s)
    s.close()
    return int(reply["status"])


def append(instance, svc, qid, rcpt, offset, status="5.1.1",
           action="failed", reason="unknown user", notify=0, orcpt="",
           orig="", dtext="", mname=""):
    return bounce_request(
        instance, svc, nrequest="append", flags=0, queue_id=qid,
        orig_rcpt=orig, rcpt=rcpt, rcpt_offset=offset, dsn_orcpt=orcpt,
        dsn_notify=notify, status=status, action=action, reason=reason,
        dtype="smtp" if dtext else "", dtext=dtext,
        mtype="dns" if mname else "", mname=mname)


def flush(instance, svc, qid, sender, ret=0, envid="", request="flush"):
    return bounce_request(
        instance, svc, nrequest=request, flags=0, queue_name="active",
        queue_id=qid, encoding="", smtputf8=0, sender=sender,
        dsn_envid=envid, dsn_ret=ret)


def records_with_offsets(data):
    """[(offset, type, data)] of a queue file image."""
    out, i = [], 0
    while i < len(data):
        start, rtype = i, chr(data[i])
        i += 1
        length = shift = 0
        while True:
            b = data[i]
            i += 1
            length |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        out.append((start, rtype, data[i:i + length]))
        i += length
    return out


@pytest.fixture
def stopper():
    started = []
    yield started
    for inst in started:
        inst.run("postfix", "stop")


@pytest.fixture
def instance(instance, stopper):
    """The conftest instance, stopped at teardown when started."""
    stopper.append(instance)
    yield instance
    print(maillog(instance))    # shown when the test failed


def start(instance, extra=""):
    """The instance without qmgr and pickup: mail stays where we put it."""
    master = (instance.config_dir / "master.cf").read_text()
    kept = [line for line in master.splitlines()
            if not re.match(r"^(qmgr|pickup)\s", line)]
    instance.write_master_cf("\n".join(kept) + "\n")
    start_instance(instance, extra)


def receive(instance, sender, rcpts, body="Hello there.\n",
            subject="test message"):
    """One message over SMTP, moved from incoming/ to active/; its ID."""
    msg = (f"From: {sender or 'nobody@example.org'}\r\nTo: {rcpts[0]}\r\n"
           f"Subject: {subject}\r\nMessage-ID: <orig.1@example.org>\r\n\r\n"
           + body.replace("\n", "\r\n"))
    with smtplib.SMTP("127.0.0.1", instance.port("smtp"), timeout=30) as s:
        s.ehlo("client.example")
        code, _ = s.mail(sender)
        assert code == 250
        for r in rcpts:
            code, _ = s.rcpt(r)
            assert code == 250
        code, text = s.data(msg.encode())
        assert code == 250, text
    qid = text.decode().rsplit("queued as ", 1)[1].strip()
    src = instance.queue_dir / "incoming" / qid
    wait_for(src.exists, 10, what="the queue file")
    (instance.queue_dir / "active").mkdir(exist_ok=True)
    os.rename(src, instance.queue_dir / "active" / qid)
    return qid


def rcpt_offsets(instance, qid, queue="active"):
    data = (instance.queue_dir / queue / qid).read_bytes()
    return {d.decode(): (off, t) for off, t, d in records_with_offsets(data)
            if t in "RD"}


def incoming_ids(instance):
    d = instance.queue_dir / "incoming"
    return {p.name for p in d.iterdir() if p.is_file()
            and not p.name.startswith("cleanup")}


def notification(instance, qid, what="sender non-delivery notification"):
    """The queue ID, envelope and parsed message of the notification the
    log line "QID: WHAT: NEWID" names."""
    line = wait_log(instance, f"{qid}: {what}: ")
    newid = line.rsplit(": ", 1)[1].strip()
    path = instance.queue_dir / "incoming" / newid
    wait_for(path.exists, 10, what="the notification's queue file")
    recs = decode_records(path.read_bytes())
    sender = [d for t, d in recs if t == "S"]
    rcpts = [d.decode() for t, d in recs if t == "R"]
    msg = email.message_from_bytes(b"\n".join(content_lines(recs)) + b"\n",
                                   policy=email.policy.compat32)
    return newid, sender, rcpts, msg


def dsn_fields(msg):
    """(per-message fields, [per-recipient fields]) of the report."""
    parts = msg.get_payload()
    status = parts[1]
    assert status.get_content_type() == "message/delivery-status"
    groups = status.get_payload()
    return groups[0], groups[1:]


def test_bounce_sends_rfc3464_report_to_sender(instance):
    start(instance)
    qid = receive(instance, "alice@example.org",
                  ["bob@example.com", "carol@example.com"])
    offs = rcpt_offsets(instance, qid)
    assert append(instance, "bounce", qid, "bob@example.com",
                  offs["bob@example.com"][0], reason="unknown user: bob",
                  orcpt="rfc822;Bob@Example.com",
                  dtext="550 5.1.1 <bob@example.com>: no such user",
                  mname="mx.example.com") == 0
    assert append(instance, "bounce", qid, "carol@example.com",
                  offs["carol@example.com"][0], status="5.2.2",
                  reason="mailbox full") == 0
    logs = list((instance.queue_dir / "bounce").rglob(qid))
    assert len(logs) == 1
    before = incoming_ids(instance)

    assert flush(instance, "bounce", qid, "alice@example.org",
                 envid="ENV-42") == 0
    newid, sender, rcpts, msg = notification(instance, qid)
    assert newid not in before
    assert sender == [b""]
    assert rcpts == ["alice@example.org"]
    assert not list((instance.queue_dir / "bounce").rglob(qid))

    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "delivery-status"
    assert msg["Subject"] == "Undelivered Mail Returned to Sender"
    assert msg["From"] == "MAILER-DAEMON@postern.test (Mail Delivery System)"
    assert msg["To"] == "alice@example.org"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["MIME-Version"] == "1.0"
    assert msg["Date"] and msg["Message-Id"]
    parts = msg.get_payload()
    assert [p.get_content_type() for p in parts] == [
        "text/plain", "message/delivery-status", "message/rfc822"]
    text = parts[0].get_payload()
    assert "<bob@example.com>: unknown user: bob" in text
    assert "<carol@example.com>: mailbox full" in text

    per_msg, per_rcpt = dsn_fields(msg)
    assert per_msg["Reporting-MTA"] == "dns; postern.test"
    assert per_msg["X-Postern-Queue-ID"] == qid
    assert per_msg["Original-Envelope-Id"] == "ENV-42"
    assert per_msg["Arrival-Date"]
    assert [r["Final-Recipient"] for r in per_rcpt] == [
        "rfc822; bob@example.com", "rfc822; carol@example.com"]
    bob, carol = per_rcpt
    assert bob["Original-Recipient"] == "rfc822; Bob@Example.com"
    assert bob["Action"] == "failed" and bob["Status"] == "5.1.1"
    assert bob["Remote-MTA"] == "dns; mx.example.com"
    assert bob["Diagnostic-Code"] == \
        "smtp; 550 5.1.1 <bob@example.com>: no such user"
    assert carol["Status"] == "5.2.2" and carol["Original-Recipient"] is None

    # The whole original message comes back (RET not given, small).
    orig = parts[2].get_payload()[0]
    assert orig["Subject"] == "test message"
    assert orig.get_payload().strip() == "Hello there."


def test_bounce_ret_hdrs_returns_headers_only(instance):
    start(instance)
    qid = receive(instance, "alice@example.org", ["bob@example.com"])
    off = rcpt_offsets(instance, qid)["bob@example.com"][0]
    assert append(instance, "bounce", qid, "bob@example.com", off) == 0
    assert flush(instance, "bounce", qid, "alice@example.org",
                 ret=RET_HDRS) == 0
    _, _, _, msg = notification(instance, qid)
    part = msg.get_payload()[2]
    assert part.get_content_type() == "text/rfc822-headers"
    assert "Subject: test message" in part.get_payload()
    assert "Hello there." not in part.get_payload()


def test_bounce_size_limit_returns_headers_only(instance):
    start(instance, "bounce_size_limit = 1000")
    qid = receive(instance, "alice@example.org", ["bob@example.com"],
                  body="x" * 70 + "\n" * 1 + ("y" * 70 + "\n") * 40)
    off = rcpt_offsets(instance, qid)["bob@example.com"][0]
    assert append(instance, "bounce", qid, "bob@example.com", off) == 0
    assert flush(instance, "bounce", qid, "alice@example.org") == 0
    _, _, _, msg = notification(instance, qid)
    assert msg.get_payload()[2].get_content_type() == "text/rfc822-headers"


def test_notify_never_suppresses_the_report(instance):
    start(instance)
    qid = receive(instance, "alice@example.org",
                  ["bob@example.com", "carol@example.com"])
    offs = rcpt_offsets(instance, qid)
    assert append(instance, "bounce", qid, "bob@example.com",
                  offs["bob@example.com"][0], notify=NOTIFY_NEVER) == 0
    assert append(instance, "bounce", qid, "carol@example.com",
                  offs["carol@example.com"][0],
                  notify=NOTIFY_SUCCESS | NOTIFY_DELAY) == 0
    before = incoming_ids(instance)
    assert flush(instance, "bounce", qid, "alice@example.org") == 0
    assert incoming_ids(instance) == before
    assert "non-delivery notification" not in maillog(instance)
    assert not list((instance.queue_dir / "bounce").rglob(qid))


def test_notify_failure_only_reports_that_recipient(instance):
    start(instance)
    qid = receive(instance, "alice@example.org",
                  ["bob@example.com", "carol@example.com"])
    offs = rcpt_offsets(instance, qid)
    append(instance, "bounce", qid, "bob@example.com",
           offs["bob@example.com"][0], notify=NOTIFY_NEVER)
    append(instance, "bounce", qid, "carol@example.com",
           offs["carol@example.com"][0], notify=NOTIFY_FAILURE)
    assert flush(instance, "bounce", qid, "alice@example.org") == 0
    _, _, _, msg = notification(instance, qid)
    _, per_rcpt = dsn_fields(msg)
    assert [r["Final-Recipient"] for r in per_rcpt] == [
        "rfc822; carol@example.com"]


def test_null_sender_never_gets_a_bounce(instance):
    start(instance)
    qid = receive(instance, "", ["bob@example.com"])
    off = rcpt_offsets(instance, qid)["bob@example.com"][0]
    assert append(instance, "bounce", qid, "bob@example.com", off) == 0
    before = incoming_ids(instance)
    assert flush(instance, "bounce", qid, "") == 0
    wait_log(instance, f"{qid}: undeliverable mail from the null sender "
             "discarded")
    assert incoming_ids(instance) == before


def test_null_sender_bounce_goes_to_postmaster_with_2bounce(instance):
    start(instance, "notify_classes = 2bounce")
    qid = receive(instance, "", ["bob@example.com"])
    off = rcpt_offsets(instance, qid)["bob@example.com"][0]
    assert append(instance, "bounce", qid, "bob@example.com", off) == 0
    assert flush(instance, "bounce", qid, "") == 0
    _, sender, rcpts, msg = notification(
        instance, qid, "postmaster non-delivery notification")
    assert sender == [b"double-bounce"] or \
        sender[0].startswith(b"double-bounce@")
    assert rcpts[0].startswith("postmaster")
    assert msg.get_content_type() == "multipart/report"


def test_notify_classes_bounce_copies_headers_to_postmaster(instance):
    start(instance, "notify_classes = bounce")
    qid = receive(instance, "alice@example.org", ["bob@example.com"])
    off = rcpt_offsets(instance, qid)["bob@example.com"][0]
    append(instance, "bounce", qid, "bob@example.com", off)
    assert flush(instance, "bounce", qid, "alice@example.org") == 0
    notification(instance, qid)
    _, sender, rcpts, msg = notification(
        instance, qid, "postmaster non-delivery notification")
    assert rcpts[0].startswith("postmaster")
    assert msg.get_payload()[2].get_content_type() == "text/rfc822-headers"


def test_defer_warn_keeps_log_and_flush_expires(instance):
    start(instance)
    qid = receive(instance, "alice@example.org", ["bob@example.com"])
    off = rcpt_offsets(instance, qid)["bob@example.com"][0]
    assert append(instance, "defer", qid, "bob@example.com", off,
                  status="4.4.1", action="delayed",
                  reason="connect to mx.example.com: Connection refused") == 0
    # defer/ is hashed (hash_queue_names = deferred, defer).
    logs = list((instance.queue_dir / "defer").rglob(qid))
    assert len(logs) == 1 and logs[0].parent.name == qid[0]

    assert flush(instance, "defer", qid, "alice@example.org",
                 request="warn") == 0
    _, _, rcpts, msg = notification(instance, qid,
                                    "sender delay notification")
    assert rcpts == ["alice@example.org"]
    assert msg["Subject"] == "Delayed Mail (still being retried)"
    _, per_rcpt = dsn_fields(msg)
    assert per_rcpt[0]["Action"] == "delayed"
    assert per_rcpt[0]["Status"] == "4.4.1"
    assert msg.get_payload()[2].get_content_type() == "text/rfc822-headers"
    assert list((instance.queue_dir / "defer").rglob(qid))

    # Expiry: the deferred recipients are reported as failed.
    assert flush(instance, "defer", qid, "alice@example.org") == 0
    _, _, _, msg = notification(instance, qid)
    _, per_rcpt = dsn_fields(msg)
    assert per_rcpt[0]["Action"] == "failed"
    assert not list((instance.queue_dir / "defer").rglob(qid))


def test_trace_flush_reports_success_only_for_notify_success(instance):
    start(instance)
    qid = receive(instance, "alice@example.org",
                  ["bob@example.com", "carol@example.com"])
    offs = rcpt_offsets(instance, qid)
    append(instance, "trace", qid, "bob@example.com",
           offs["bob@example.com"][0], status="2.0.0", action="delivered",
           reason="delivered to maildir", notify=NOTIFY_SUCCESS)
    assert flush(instance, "trace", qid, "alice@example.org") == 0
    _, _, _, msg = notification(instance, qid,
                                "sender delivery status notification")
    assert msg["Subject"] == "Successful Mail Delivery Report"
    _, per_rcpt = dsn_fields(msg)
    assert [(r["Final-Recipient"], r["Action"]) for r in per_rcpt] == [
        ("rfc822; bob@example.com", "delivered")]


def test_append_refuses_bad_values(instance):
    start(instance)
    qid = receive(instance, "alice@example.org", ["bob@example.com"])
    off = rcpt_offsets(instance, qid)["bob@example.com"][0]
    assert append(instance, "bounce", qid, "bob@example.com", off,
                  reason="two\nlines") != 0
    assert append(instance, "bounce", qid, "bob@example.com", off,
                  status="bogus") != 0
    assert bounce_request(instance, "bounce", nrequest="append", flags=0,
                          queue_id="../../etc") != 0
    assert not list((instance.queue_dir / "bounce").rglob(qid))


def test_flush_without_log_is_a_no_op(instance):
    start(instance)
    qid = receive(instance, "alice@example.org", ["bob@example.com"])
    before = incoming_ids(instance)
    assert flush(instance, "bounce", qid, "alice@example.org") == 0
    assert incoming_ids(instance) == before
