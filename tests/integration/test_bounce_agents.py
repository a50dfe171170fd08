"""error(8), retry and discard(8): delivery requests as qmgr sends them
(attr0 over private/error, private/retry, private/discard), against a
queue file received over SMTP and moved to active/ by the test. The log
lines, the queue file's recipient records and the bounce/defer logs show
the result; a bounce flush then turns the error agent's bounce into a DSN.
"""
import re
import time

import pytest

from postern_test_util import maillog, wait_log, wait_log_re
from test_bounce import (attr0, flush, instance, notification, rcpt_offsets,  # noqa: F401
                         read_attrs, receive, service, start, stopper,
                         dsn_fields)

LOG_RE = (r"{qid}: to=<{rcpt}>, relay=none, delay=[0-9.]+, "
          r"delays=[0-9.]+/[0-9.]+/0/[0-9.]+, dsn={dsn}, "
          r"status={status} \({reason}\)")


def deliver(instance, svc, qid, rcpts, nexthop, sender="alice@example.org",
            **override):
    """One delivery request; the agent's final reply as a dict."""
    offs = rcpt_offsets(instance, qid)
    now = "%.6f" % time.time()
    s = service(instance, svc)
    assert read_attrs(s) == {"status": "0"}
    req = dict(flags=0, queue_name="active", queue_id=qid,
               offset=offs[rcpts[0]][0] + 1, data_size=10, nexthop=nexthop,
               encoding="7bit", smtputf8=0, sender=sender, dsn_envid="",
               dsn_ret=0, arrival_time=now, active_time=now,
               dispatch_time=now, log_client_name="localhost",
               log_client_address="127.0.0.1", log_client_port="25",
               log_helo_name="client.example", log_protocol="ESMTP",
               sasl_method="", sasl_username="", rewrite_context="remote",
               rcpt_count=len(rcpts))
    req.update(override)
    data = attr0(**req)[:-1]        # the recipients follow before the end
    for r in rcpts:
        data += attr0(orig_rcpt="", rcpt=r, rcpt_offset=offs[r][0],
                      dsn_orcpt="", dsn_notify=0)[:-1]
    s.sendall(data + b"\0")
    reply = read_attrs(s)
    s.close()
    return reply


def test_error_bounces_every_recipient_with_nexthop_text(instance):
    start(instance)
    qid = receive(instance, "alice@example.org",
                  ["bob@example.com", "carol@example.com"])
    reply = deliver(instance, "error", qid,
                    ["bob@example.com", "carol@example.com"],
                    "5.1.1 no mail here")
    assert reply == {"status": "0", "dead": "0"}
    for r in ("bob@example.com", "carol@example.com"):
        wait_log(instance, f"{qid}: to=<{r}>")
        wait_log_re(instance, LOG_RE.format(
            qid=qid, rcpt=re.escape(r), dsn=r"5\.1\.1", status="bounced",
            reason="no mail here"))
    assert {t for _, t in rcpt_offsets(instance, qid).values()} == {"D"}
    assert len(list((instance.queue_dir / "bounce").rglob(qid))) == 1

    assert flush(instance, "bounce", qid, "alice@example.org") == 0
    _, sender, rcpts, msg = notification(instance, qid)
    assert sender == [b""] and rcpts == ["alice@example.org"]
    _, per_rcpt = dsn_fields(msg)
    assert [(r["Final-Recipient"], r["Status"]) for r in per_rcpt] == [
        ("rfc822; bob@example.com", "5.1.1"),
        ("rfc822; carol@example.com", "5.1.1")]


def test_error_without_code_uses_5_0_0(instance):
    start(instance)
    qid = receive(instance, "alice@example.org", ["bob@example.com"])
    deliver(instance, "error", qid, ["bob@example.com"], "mail for this "
            "domain is refused")
    wait_log_re(instance, LOG_RE.format(
        qid=qid, rcpt="bob@example.com", dsn=r"5\.0\.0", status="bounced",
        reason="mail for this domain is refused"))


def test_retry_defers_instead(instance):
    start(instance)
    qid = receive(instance, "alice@example.org", ["bob@example.com"])
    reply = deliver(instance, "retry", qid, ["bob@example.com"],
                    "4.3.2 try again later")
    assert reply["status"] == "1"
    wait_log_re(instance, LOG_RE.format(
        qid=qid, rcpt="bob@example.com", dsn=r"4\.3\.2", status="deferred",
        reason="try again later"))
    assert rcpt_offsets(instance, qid)["bob@example.com"][1] == "R"
    assert len(list((instance.queue_dir / "defer").rglob(qid))) == 1
    assert not list((instance.queue_dir / "bounce").rglob(qid))


def test_discard_marks_recipients_sent(instance):
    start(instance)
    qid = receive(instance, "alice@example.org",
                  ["bob@example.com", "carol@example.com"])
    reply = deliver(instance, "discard", qid,
                    ["bob@example.com", "carol@example.com"], "")
    assert reply == {"status": "0", "dead": "0"}
    wait_log_re(instance, LOG_RE.format(
        qid=qid, rcpt="carol@example.com", dsn=r"2\.0\.0", status="sent",
        reason="discarded"))
    assert {t for _, t in rcpt_offsets(instance, qid).values()} == {"D"}


def test_malformed_request_changes_nothing(instance):
    start(instance)
    qid = receive(instance, "alice@example.org", ["bob@example.com"])
    # A truncated request.
    s = service(instance, "error")
    assert read_attrs(s) == {"status": "0"}
    s.sendall(attr0(flags=0, queue_name="active", queue_id=qid)[:-1])
    s.shutdown(1)
    assert s.recv(100) == b""
    s.close()
    wait_log(instance, "delivery request: premature end of input")
    # A complete request whose queue ID would leave the queue directory.
    with pytest.raises(AssertionError, match="peer closed"):
        deliver(instance, "error", qid, ["bob@example.com"], "5.0.0 x",
                queue_id="../active/" + qid)
    wait_log(instance, "malformed delivery request: bad queue ID")
    assert rcpt_offsets(instance, qid)["bob@example.com"][1] == "R"
    assert "status=bounced" not in maillog(instance)
