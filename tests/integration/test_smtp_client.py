"""smtp(8) and lmtp(8), the outbound delivery client (issue 5).

Mail is submitted to the instance's smtpd and relayed through
`relayhost = [127.0.0.1]:PORT` (or transport_maps) to a scriptable sink
(smtp_sink.py) that records every command, every recv() chunk and every
connection, so the tests check what a remote server would see: the
content byte for byte with dot-stuffing, PIPELINING, SIZE, DSN
parameters, 8BITMIME downgrade, HELO fallback, connection reuse; and
what the operator sees: Postfix-shaped log lines for sent, deferred and
bounced recipients, timeouts, LMTP per-recipient replies over TCP and
UNIX-domain sockets.

No fixed sleeps: everything waits on a condition with a deadline."""
import re
import socket

import pytest

from conftest import wait_for
from postern_test_util import (SmtpClient, maillog, queued_id,  # noqa: F401
                               smtpd_factory, wait_log_re)
from smtp_sink import Sink

HOLD_DELIVERY = False
SENDER = "sender@postern.test"
REMOTE = "remote.example"
TIMEOUT = 30

SENT_RE = (r"\w+/smtp\[\d+\]: (?P<id>[0-9A-F]+): to=<{rcpt}>, "
           r"relay=127\.0\.0\.1\[127\.0\.0\.1\]:{port}, delay=[0-9.]+, "
           r"delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=2\.0\.0, "
           r"status=sent \(250 2\.0\.0 Ok: queued as SINK\d+\)")


@pytest.fixture
def sinks(instance):
    started = []

    def make(**kw):
        s = Sink(**kw).start()
        started.append(s)
        return s
    yield make
    for s in started:
        s.stop()
    # Shown by pytest when the test failed.
    print(maillog(instance))


def start(smtpd_factory, instance, sink, extra="", relay=True):
    conf = "maillog_file_compatibility = yes\n" if False else ""
    if relay:
        conf += f"relayhost = [127.0.0.1]:{sink.port}\n"
    # The instance's own mail goes to the sink; bounces to the sender
    # stay local (postern.test is in mydestination).
    conf += "smtp_tls_security_level = none\n" + extra
    return smtpd_factory(conf, hold=False)


def submit(instance, rcpts, body=None, sender=SENDER, mail_params="",
           rcpt_params="", subject="test"):
    """Send one message through the instance's smtpd; returns queue id."""
    if body is None:
        body = f"Subject: {subject}\r\n\r\nhello\r\n"
    c = SmtpClient(instance.port("smtp"))
    assert c.reply()[0] == 220
    assert c.cmd("EHLO client.test").startswith("250")
    r = c.cmd(f"MAIL FROM:<{sender}>{mail_params}")
    assert r.startswith("250"), r
    for rcpt in rcpts:
        r = c.cmd(f"RCPT TO:<{rcpt}>{rcpt_params}")
        assert r.startswith("250"), r
    assert c.cmd("DATA").startswith("354")
    data = body if isinstance(body, bytes) else body.encode()
    # Dot-stuff for the trip to smtpd.
    data = re.sub(rb"(?m)^\.", b"..", data)
    c.send(data + b".\r\n")
    r = c.text()
    assert r.startswith("250"), r
    c.cmd("QUIT")
    c.close()
    return queued_id(r)


def log_line(instance, qid, rcpt, status, timeout=TIMEOUT):
    return wait_log_re(instance, rf"{qid}: to=<{re.escape(rcpt)}>, .*"
                       rf"status={status} ", timeout)


def test_plain_delivery_log_line_and_content(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink)
    body = ("Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n"
            "middle . dot\r\n.\r\nlast\r\n")
    qid = submit(instance, [f"a@{REMOTE}"], body)
    line = wait_log_re(instance, SENT_RE.format(rcpt=re.escape(f"a@{REMOTE}"),
                                                port=sink.port), TIMEOUT)
    assert qid in line
    msg = sink.messages[0]
    assert msg.mail_from == SENDER
    assert [r for r, _ in msg.rcpts] == [f"a@{REMOTE}"]
    # The content arrives byte for byte (after the Received: header that
    # smtpd added), with dot-stuffing undone by the sink.
    assert b"\r\nSubject: dots\r\n" in msg.data
    assert msg.data.endswith(b"\r\n\r\n.leading dot\r\n"
                             b"..two dots\r\nmiddle . dot\r\n.\r\nlast\r\n")
    # On the wire, the lines starting with "." were stuffed.
    wire = b"".join(c for _, c in sink.chunks)
    assert b"\r\n..leading dot\r\n...two dots\r\n" in wire
    assert b"\r\n..\r\nlast\r\n.\r\n" in wire
    # The EHLO name is myhostname.
    assert sink.commands[0][1] == b"EHLO postern.test"


def test_pipelining_sends_mail_rcpt_data_in_one_write(smtpd_factory, instance,
                                                      sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"a@{REMOTE}", f"b@{REMOTE}"])
    log_line(instance, qid, f"b@{REMOTE}", "sent")
    chunk = [c for _, c in sink.chunks if c.startswith(b"MAIL FROM")][0]
    assert re.match(rb"MAIL FROM:<[^>]+>[^\r]*\r\nRCPT TO:<a@remote\.example>"
                    rb"[^\r]*\r\nRCPT TO:<b@remote\.example>[^\r]*\r\n"
                    rb"DATA\r\n$", chunk), chunk


def test_lockstep_without_pipelining(smtpd_factory, instance, sinks):
    sink = sinks(ehlo=["8BITMIME"])
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"a@{REMOTE}", f"b@{REMOTE}"])
    log_line(instance, qid, f"b@{REMOTE}", "sent")
    chunk = [c for _, c in sink.chunks if c.startswith(b"MAIL FROM")][0]
    assert b"RCPT" not in chunk


def test_size_limit_refused_before_data(smtpd_factory, instance, sinks):
    sink = sinks(ehlo=["PIPELINING", "SIZE 100"])
    start(smtpd_factory, instance, sink)
    body = "Subject: big\r\n\r\n" + "x" * 500 + "\r\n"
    qid = submit(instance, [f"a@{REMOTE}"], body)
    line = log_line(instance, qid, f"a@{REMOTE}", "bounced")
    assert re.search(r"dsn=5\.3\.4, status=bounced \(message size \d+ "
                     r"exceeds size limit 100 of server "
                     r"127\.0\.0\.1\[127\.0\.0\.1\]\)", line), line
    assert b"MAIL" not in sink.verbs() and b"DATA" not in sink.verbs()


def test_size_parameter_sent(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert re.search(r"SIZE=\d+", sink.messages[0].mail_params)


def test_rcpt_4xx_deferred_5xx_bounced_mixed(smtpd_factory, instance, sinks):
    def rcpt(addr, params):
        if addr.startswith("soft"):
            return "450 4.2.0 <%s>: mailbox busy" % addr
        if addr.startswith("hard"):
            return "550 5.1.1 <%s>: user unknown" % addr
        return None
    sink = sinks(rcpt_reply=rcpt)
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"ok@{REMOTE}", f"soft@{REMOTE}",
                            f"hard@{REMOTE}"])
    sent = log_line(instance, qid, f"ok@{REMOTE}", "sent")
    soft = log_line(instance, qid, f"soft@{REMOTE}", "deferred")
    hard = log_line(instance, qid, f"hard@{REMOTE}", "bounced")
    assert "dsn=2.0.0" in sent
    assert (f"dsn=4.2.0, status=deferred (host 127.0.0.1[127.0.0.1] said: "
            f"450 4.2.0 <soft@{REMOTE}>: mailbox busy (in reply to RCPT TO "
            f"command))") in soft
    assert (f"dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: "
            f"550 5.1.1 <hard@{REMOTE}>: user unknown (in reply to RCPT TO "
            f"command))") in hard
    # Only the accepted recipient got the message.
    assert [r for r, _ in sink.messages[0].rcpts] == [f"ok@{REMOTE}"]
    # The bounce reaches the sender (a local recipient here): its
    # delivery is logged by the local agent.
    wait_log_re(instance, r"\w+/bounce\[\d+\]: " + qid +
                r": sender non-delivery notification", TIMEOUT)


def test_data_reply_applies_to_all_accepted(smtpd_factory, instance, sinks):
    sink = sinks(data_reply=lambda m: "554 5.7.1 spam detected")
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"a@{REMOTE}", f"b@{REMOTE}"])
    for r in ("a", "b"):
        line = log_line(instance, qid, f"{r}@{REMOTE}", "bounced")
        assert ("said: 554 5.7.1 spam detected (in reply to end of DATA "
                "command)") in line


def test_dsn_parameters_passed(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"a@{REMOTE}"],
                 mail_params=" RET=HDRS ENVID=env+2Bid",
                 rcpt_params=" NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig@x.test")
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    msg = sink.messages[0]
    assert "RET=HDRS" in msg.mail_params
    assert "ENVID=env+2Bid" in msg.mail_params
    params = msg.rcpts[0][1]
    assert "NOTIFY=SUCCESS,FAILURE" in params
    assert "ORCPT=rfc822;orig@x.test" in params


def test_success_notice_relayed_without_dsn(smtpd_factory, instance,
                                            sinks):
    # The next server cannot send the success notice: we do ("relayed").
    sink = sinks(ehlo=["PIPELINING"])
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"a@{REMOTE}"], rcpt_params=" NOTIFY=SUCCESS")
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    wait_log_re(instance, rf"{qid}: sender delivery status notification",
                TIMEOUT)


def test_success_notice_left_to_dsn_server(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"a@{REMOTE}"], rcpt_params=" NOTIFY=SUCCESS")
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    wait_log_re(instance, rf"{qid}: removed", TIMEOUT)
    assert f"{qid}: sender delivery status notification" not in \
        maillog(instance)
    assert "NOTIFY=SUCCESS" in sink.messages[0].rcpts[0][1]


def test_no_dsn_parameters_without_dsn(smtpd_factory, instance, sinks):
    sink = sinks(ehlo=["PIPELINING"])
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"a@{REMOTE}"], mail_params=" RET=HDRS",
                 rcpt_params=" NOTIFY=FAILURE")
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    msg = sink.messages[0]
    assert "RET" not in msg.mail_params
    assert "NOTIFY" not in msg.rcpts[0][1]


def test_8bit_downgraded_without_8bitmime(smtpd_factory, instance, sinks):
    sink = sinks(ehlo=["PIPELINING"])
    start(smtpd_factory, instance, sink)
    body = ("Subject: 8bit\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
            "caf\u00e9\r\n").encode()
    qid = submit(instance, [f"a@{REMOTE}"], body, mail_params=" BODY=8BITMIME")
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    msg = sink.messages[0]
    assert "BODY=" not in msg.mail_params
    assert b"Content-Transfer-Encoding: quoted-printable\r\n" in msg.data
    assert b"caf=C3=A9" in msg.data
    assert all(b < 0x80 for b in msg.data)


def test_8bit_passed_with_8bitmime(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink)
    body = ("Subject: 8bit\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            "caf\u00e9\r\n").encode()
    qid = submit(instance, [f"a@{REMOTE}"], body, mail_params=" BODY=8BITMIME")
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    msg = sink.messages[0]
    assert "BODY=8BITMIME" in msg.mail_params
    assert "caf\u00e9".encode() in msg.data


def test_smtputf8_passed_when_offered(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink, "smtputf8_enable = yes\n")
    rcpt = f"d\u00fcrst@{REMOTE}"
    qid = submit(instance, [rcpt], mail_params=" SMTPUTF8")
    log_line(instance, qid, rcpt, "sent")
    assert "SMTPUTF8" in sink.messages[0].mail_params
    assert sink.messages[0].rcpts[0][0] == rcpt


def test_smtputf8_required_but_not_offered(smtpd_factory, instance, sinks):
    sink = sinks(ehlo=["PIPELINING", "8BITMIME"])
    start(smtpd_factory, instance, sink, "smtputf8_enable = yes\n")
    rcpt = f"d\u00fcrst@{REMOTE}"
    qid = submit(instance, [rcpt], mail_params=" SMTPUTF8")
    line = log_line(instance, qid, rcpt, "bounced")
    assert ("dsn=5.6.7, status=bounced (SMTPUTF8 is required, but was not "
            "offered by host 127.0.0.1[127.0.0.1])") in line, line
    assert sink.messages == []


def test_smtputf8_ascii_envelope_sent_without(smtpd_factory, instance, sinks):
    sink = sinks(ehlo=["PIPELINING", "8BITMIME"])
    start(smtpd_factory, instance, sink, "smtputf8_enable = yes\n")
    qid = submit(instance, [f"a@{REMOTE}"], mail_params=" SMTPUTF8")
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert "SMTPUTF8" not in sink.messages[0].mail_params


def test_nexthop_list_and_fallback_relay(smtpd_factory, instance, sinks):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    sink = sinks()

    class Dead:
        port = dead
    start(smtpd_factory, instance, Dead,
          f"smtp_fallback_relay = [127.0.0.1]:{sink.port}\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert f"relay=127.0.0.1[127.0.0.1]:{sink.port}," in line
    # The failed attempt is logged on its own, as Postfix does.
    wait_log_re(instance, rf"smtp\[\d+\]: connect to 127\.0\.0\.1"
                rf"\[127\.0\.0\.1\]:{dead}: Connection refused", TIMEOUT)


def test_helo_fallback_when_ehlo_refused(smtpd_factory, instance, sinks):
    sink = sinks(helo_ok=False)
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    verbs = sink.verbs()
    assert verbs[:2] == [b"EHLO", b"HELO"]
    # Plain SMTP after HELO: no ESMTP parameters.
    assert sink.messages[0].mail_params == ""


def test_connection_refused_deferred(smtpd_factory, instance, sinks):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()          # nothing listens there now

    class Fake:
        pass
    fake = Fake()
    fake.port = port
    start(smtpd_factory, instance, fake)
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert (f"relay=none, " in line and "dsn=4.4.1, status=deferred "
            f"(connect to 127.0.0.1[127.0.0.1]:{port}: Connection refused)"
            in line), line


def test_greeting_refused_deferred(smtpd_factory, instance, sinks):
    sink = sinks(greeting="554 5.7.1 go away")
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert ("host 127.0.0.1[127.0.0.1] refused to talk to me: 554 5.7.1 "
            "go away") in line


def test_timeout_after_data_deferred(smtpd_factory, instance, sinks):
    sink = sinks(stall_after_data=True)
    start(smtpd_factory, instance, sink, "smtp_data_done_timeout = 2s\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert ("dsn=4.4.2, status=deferred (conversation with 127.0.0.1"
            "[127.0.0.1] timed out while sending end of data -- message may "
            "be sent more than once)") in line


def test_greeting_timeout_deferred(smtpd_factory, instance, sinks):
    sink = sinks(stall_greeting=True)
    start(smtpd_factory, instance, sink, "smtp_helo_timeout = 1s\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert ("dsn=4.4.2, status=deferred (conversation with 127.0.0.1"
            "[127.0.0.1] timed out while receiving the initial server "
            "greeting)") in line, line


def test_bind_address(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink, "smtp_bind_address = 127.0.0.5\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert sink.peers[0][0] == "127.0.0.5"


def test_lost_connection_deferred(smtpd_factory, instance, sinks):
    sink = sinks(data_init_reply=None,
                 mail_reply=lambda a, p: None)
    # A sink that closes the connection when it sees RCPT.
    sink.rcpt_reply = lambda a, p: (_ for _ in ()).throw(OSError("close"))
    start(smtpd_factory, instance, sink)
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert re.search(r"status=deferred \(lost connection with 127\.0\.0\.1"
                     r"\[127\.0\.0\.1\] while (sending MAIL FROM|sending RCPT "
                     r"TO)\)", line), line


def test_connection_reuse(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink,
          "smtp_connection_cache_time_limit = 10s\n")
    # One smtp process, so reuse happens inside it.
    _one_smtp_process(instance)
    ids = [submit(instance, [f"r{i}@{REMOTE}"]) for i in range(20)]
    for i, qid in enumerate(ids):
        log_line(instance, qid, f"r{i}@{REMOTE}", "sent")
    assert len(sink.messages) == 20
    assert sink.connections <= 2, sink.connections


def test_reused_connection_logs_conn_use(smtpd_factory, instance, sinks):
    # As Postfix: a cached connection's 2nd, 3rd ... use is logged as
    # "relay=host[addr]:port, conn_use=N, delay=..."; the first is not.
    sink = sinks()
    start(smtpd_factory, instance, sink,
          "smtp_connection_cache_time_limit = 10s\n")
    _one_smtp_process(instance)
    lines = []
    for i in range(3):
        # One at a time, so each delivery finds the connection cached.
        qid = submit(instance, [f"r{i}@{REMOTE}"])
        lines.append(log_line(instance, qid, f"r{i}@{REMOTE}", "sent"))
    assert sink.connections == 1
    relay = rf"relay=127\.0\.0\.1\[127\.0\.0\.1\]:{sink.port}"
    assert re.search(relay + r", delay=", lines[0]), lines[0]
    assert "conn_use" not in lines[0]
    for n, line in ((2, lines[1]), (3, lines[2])):
        assert re.search(relay + rf", conn_use={n}, delay=[0-9.]+, "
                         r"delays=[0-9./]+, dsn=2\.0\.0, status=sent "
                         r"\(250 [^)]*\)$", line), line
    # A plain-text delivery has no tls= suffix.
    assert all("tls=" not in line for line in lines)


def test_no_conn_use_when_cache_off(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink,
          "smtp_connection_cache_on_demand = no\n")
    for i in range(2):
        qid = submit(instance, [f"r{i}@{REMOTE}"])
        line = log_line(instance, qid, f"r{i}@{REMOTE}", "sent")
        assert "conn_use" not in line, line
    assert sink.connections == 2


def test_line_length_limit_zero_means_no_limit(smtpd_factory, instance,
                                               sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink, "smtp_line_length_limit = 0\n")
    long_line = "y" * 1900
    qid = submit(instance, [f"a@{REMOTE}"],
                 f"Subject: long\r\n\r\n{long_line}\r\nend\r\n")
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    # Sent as one line, not folded at 998 (the default).
    assert f"\r\n\r\n{long_line}\r\nend\r\n".encode() in \
        sink.messages[0].data
    assert "fatal" not in maillog(instance)


def test_line_length_limit_folds(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink, "smtp_line_length_limit = 100\n")
    qid = submit(instance, [f"a@{REMOTE}"],
                 "Subject: long\r\n\r\n" + "z" * 250 + "\r\n")
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert ("\r\n\r\n" + "z" * 100 + "\r\n " + "z" * 99 + "\r\n "
            + "z" * 51 + "\r\n").encode() in sink.messages[0].data


def test_proxy_interfaces_address_is_a_loop(smtpd_factory, instance,
                                           sinks):
    # A relay on port 25 at one of our proxy_interfaces addresses is this
    # machine: the mail bounces instead of going round (TEST-NET address,
    # never connected to).
    sink = sinks()
    start(smtpd_factory, instance, sink,
          "relayhost = [192.0.2.77]\nproxy_interfaces = 192.0.2.77\n",
          relay=False)
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "bounced")
    assert "relay=none, " in line
    assert line.endswith("dsn=5.4.6, status=bounced (mail for 192.0.2.77 "
                         "loops back to myself)"), line
    # (Every other test relays to [127.0.0.1]:PORT, one of our
    # inet_interfaces addresses: not port 25, so no loop, as in Postfix.)


def test_no_reuse_when_cache_off(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink,
          "smtp_connection_cache_on_demand = no\n")
    _one_smtp_process(instance)
    ids = [submit(instance, [f"r{i}@{REMOTE}"]) for i in range(20)]
    for i, qid in enumerate(ids):
        log_line(instance, qid, f"r{i}@{REMOTE}", "sent")
    assert sink.connections == 20


def test_reuse_count_limit(smtpd_factory, instance, sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink,
          "smtp_connection_cache_time_limit = 10s\n"
          "smtp_connection_reuse_count_limit = 4\n")
    _one_smtp_process(instance)
    ids = [submit(instance, [f"r{i}@{REMOTE}"]) for i in range(10)]
    for i, qid in enumerate(ids):
        log_line(instance, qid, f"r{i}@{REMOTE}", "sent")
    # Each connection carries at most 1 + 4 messages.
    per_conn = {}
    for m in sink.messages:
        per_conn[m.conn_no] = per_conn.get(m.conn_no, 0) + 1
    assert max(per_conn.values()) <= 5, per_conn
    assert len(per_conn) >= 2


def test_idle_cached_connection_closed_with_quit(smtpd_factory, instance,
                                                 sinks):
    sink = sinks()
    start(smtpd_factory, instance, sink,
          "smtp_connection_cache_time_limit = 1s\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    wait_for(lambda: b"QUIT" in sink.commands_of(1), TIMEOUT,
             what="QUIT on the idle cached connection")
    # The QUIT came from the idle timer, not right after the message.
    assert sink.commands_of(1)[-1] == b"QUIT"


def test_reused_connection_closed_by_server_retried(smtpd_factory, instance,
                                                    sinks):
    # The server closes each connection after one message; the client's
    # cached connection is then dead and delivery goes to a fresh one.
    sink = sinks(close_after=1)
    start(smtpd_factory, instance, sink,
          "smtp_connection_cache_time_limit = 10s\n")
    _one_smtp_process(instance)
    ids = [submit(instance, [f"r{i}@{REMOTE}"]) for i in range(3)]
    for i, qid in enumerate(ids):
        log_line(instance, qid, f"r{i}@{REMOTE}", "sent")
    assert sink.connections == 3
    assert "status=deferred" not in maillog(instance)


def _one_smtp_process(instance):
    """smtp maxproc 1 (postfix reload)."""
    mc = instance.config_dir / "master.cf"
    text = re.sub(r"(?m)^(smtp\s+unix\s+\S+\s+\S+\s+\S+\s+\S+\s+)\S+",
                  r"\g<1>1", mc.read_text())
    mc.write_text(text)
    r = instance.run("postfix", "reload")
    assert r.returncode == 0, r.stdout + r.stderr
    wait_log_re(instance, r"reload", TIMEOUT)


# -- LMTP ---------------------------------------------------------------

LMTP_DOMAIN = "lmtp.example"


def test_lmtp_per_recipient_replies(smtpd_factory, instance, sinks):
    sink = sinks(lmtp=True, ehlo=["PIPELINING", "ENHANCEDSTATUSCODES"],
                 data_reply=lambda m: ["250 2.0.0 <one> Saved",
                                       "452 4.2.2 <two> Mailbox full"])
    tm = instance.config_dir / "transport"
    tm.write_text(f"{LMTP_DOMAIN} lmtp:inet:127.0.0.1:{sink.port}\n")
    start(smtpd_factory, instance, sink,
          f"transport_maps = inline:{{{LMTP_DOMAIN}="
          f"lmtp:inet:127.0.0.1:{sink.port}}}\n", relay=False)
    qid = submit(instance, [f"one@{LMTP_DOMAIN}", f"two@{LMTP_DOMAIN}"])
    one = log_line(instance, qid, f"one@{LMTP_DOMAIN}", "sent")
    two = log_line(instance, qid, f"two@{LMTP_DOMAIN}", "deferred")
    assert re.search(rf"\w+/lmtp\[\d+\]: {qid}: to=<one@{LMTP_DOMAIN}>, "
                     rf"relay=127\.0\.0\.1\[127\.0\.0\.1\]:{sink.port}, .*"
                     r"dsn=2\.0\.0, status=sent \(250 2\.0\.0 <one> Saved\)",
                     one), one
    assert ("dsn=4.2.2, status=deferred (host 127.0.0.1[127.0.0.1] said: "
            "452 4.2.2 <two> Mailbox full (in reply to end of DATA "
            "command))") in two
    assert sink.commands[0][1] == b"LHLO postern.test"


def test_lmtp_unix_socket(smtpd_factory, instance, sinks):
    path = str(instance.root / "lmtp.sock")
    sink = sinks(lmtp=True, unix_path=path)
    start(smtpd_factory, instance, sink,
          f"transport_maps = inline:{{{LMTP_DOMAIN}=lmtp:unix:{path}}}\n",
          relay=False)
    qid = submit(instance, [f"u@{LMTP_DOMAIN}"])
    line = log_line(instance, qid, f"u@{LMTP_DOMAIN}", "sent")
    assert f"relay=postern.test[{path}]," in line, line
    assert sink.messages[0].rcpts[0][0] == f"u@{LMTP_DOMAIN}"


# -- Dovecot's LMTP server ---------------------------------------------

@pytest.mark.parametrize("how", ["unix", "inet"])
def test_lmtp_to_dovecot(smtpd_factory, instance, how):
    import peers
    with peers.dovecot(quota={"full@example.test": 10}) as dv:
        nexthop = dv.unix_nexthop if how == "unix" else dv.inet_nexthop
        smtpd_factory(f"transport_maps = inline:{{example.test={nexthop}}}\n"
                      "smtp_tls_security_level = none\n", hold=False)
        body = "Subject: to dovecot\r\n\r\n.dot line\r\nbody\r\n"
        qid = submit(instance, ["alice@example.test", "bob@example.test",
                                "full@example.test"], body)
        a = log_line(instance, qid, "alice@example.test", "sent")
        log_line(instance, qid, "bob@example.test", "sent")
        full = log_line(instance, qid, "full@example.test", "bounced")
        if how == "unix":
            assert f"relay=postern.test[{dv.socket}]," in a, a
        else:
            assert f"relay=127.0.0.1[127.0.0.1]:{dv.port}," in a, a
        assert re.search(r"\w+/lmtp\[\d+\]: ", a)
        # Dovecot's per-recipient reply after DATA.
        assert ("(in reply to end of DATA command)" in full
                and "dsn=5.2.2" in full), full
        for user in ("alice@example.test", "bob@example.test"):
            msg = dv.wait_mailbox(user)[0]
            assert msg.endswith(b"Subject: to dovecot\n\n.dot line\nbody\n") \
                or b"\n\n.dot line\nbody\n" in msg, msg
        assert dv.mailbox("full@example.test") == []
