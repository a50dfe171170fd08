"""XCLIENT and XFORWARD for smtpd_authorized_xclient_hosts and
smtpd_authorized_xforward_hosts; a relay attempt from a client outside
mynetworks (made with XCLIENT) is refused."""
from postern_test_util import (smtpd_factory, connect, queue_file,  # noqa: F401
                               attrs, content_lines, queued_id, wait_log)

XCLIENT_KEYWORD = ("250-XCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN "
                   "DESTADDR DESTPORT")
AUTHORIZED = ("smtpd_authorized_xclient_hosts = 127.0.0.1\n"
              "smtpd_authorized_xforward_hosts = 127.0.0.1\n"
              "smtpd_peername_lookup = no\n"
              "mynetworks = 127.0.0.0/8")


def test_xclient_replaces_the_client_identity(smtpd_factory):
    inst = smtpd_factory(AUTHORIZED)
    c = connect(inst)
    assert XCLIENT_KEYWORD in c.cmd("EHLO client.example").splitlines()
    assert c.cmd("XCLIENT ADDR=192.0.2.1 NAME=spike.example PORT=4711 "
                 "HELO=spike+2Eexample PROTO=ESMTP") == \
        "220 postern.test ESMTP postern"
    # A new session: the new client is not authorized for XCLIENT.
    ehlo = c.cmd("EHLO spike.example").splitlines()
    assert XCLIENT_KEYWORD not in ehlo
    assert c.cmd("MAIL FROM:<a@example.com>") == "250 2.1.0 Ok"
    assert c.cmd("RCPT TO:<u@postern.test>") == "250 2.1.5 Ok"
    c.cmd("DATA")
    qid = queued_id(c.cmd("x\r\n."))
    assert c.cmd("XCLIENT ADDR=192.0.2.2") == \
        "550 5.7.0 Error: insufficient authorization"
    c.cmd("QUIT")
    recs = queue_file(inst, qid)
    a = attrs(recs)
    assert a["client_address"] == "192.0.2.1"
    assert a["client_name"] == "spike.example"
    assert a["client_port"] == "4711"
    assert a["rewrite_context"] == "remote"
    assert content_lines(recs)[0] == \
        b"Received: from spike.example (spike.example [192.0.2.1])"
    wait_log(inst, f"{qid}: client=spike.example[192.0.2.1]")
    wait_log(inst, "disconnect from spike.example[192.0.2.1] ehlo=2 "
             "xclient=1/2 mail=1 rcpt=1 data=1 quit=1 commands=7/8")


def test_relay_attempt_from_outside_mynetworks_is_refused(smtpd_factory):
    inst = smtpd_factory(AUTHORIZED)
    c = connect(inst)
    c.cmd("EHLO client.example")
    assert c.cmd("XCLIENT ADDR=192.0.2.1").startswith("220 ")
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<spammer@example.com>")
    assert c.cmd("RCPT TO:<victim@remote.example>") == \
        "554 5.7.1 <victim@remote.example>: Relay access denied"
    assert c.cmd("DATA") == "554 5.5.1 Error: no valid recipients"
    c.cmd("QUIT")
    wait_log(inst, "NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1 "
             "<victim@remote.example>: Relay access denied; "
             "from=<spammer@example.com> to=<victim@remote.example> "
             "proto=ESMTP helo=<client.example>")


def test_xclient_errors(smtpd_factory):
    inst = smtpd_factory(AUTHORIZED + "\nsmtpd_hard_error_limit = 100\n"
                         "smtpd_error_sleep_time = 0")
    c = connect(inst)
    c.cmd("EHLO client.example")
    for command, want in [
            ("XCLIENT", "501 5.5.4 Syntax: XCLIENT attribute=value..."),
            ("XCLIENT FOO=bar", "501 5.5.4 Bad XCLIENT attribute name: FOO"),
            ("XCLIENT ADDR", "501 5.5.4 Error: attribute=value expected"),
            ("XCLIENT ADDR=bad", "501 5.5.4 Bad ADDR syntax: bad"),
            ("XCLIENT ADDR=[TEMPUNAVAIL]",
             "501 5.5.4 Bad ADDR syntax: [TEMPUNAVAIL]"),
            ("XCLIENT PORT=99999", "501 5.5.4 Bad PORT syntax: 99999"),
            ("XCLIENT PROTO=FOO", "501 5.5.4 Bad PROTO syntax: FOO"),
            ("XCLIENT NAME=a+2", "501 5.5.4 Bad NAME syntax: a+2"),
            ("MAIL FROM:<a@example.com>", "250 2.1.0 Ok"),
            ("XCLIENT ADDR=192.0.2.1",
             "503 5.5.1 Error: MAIL transaction in progress"),
            ("RSET", "250 2.0.0 Ok")]:
        assert c.cmd(command) == want, command
    # [UNAVAILABLE] and IPv6 forms are accepted.
    assert c.cmd("XCLIENT NAME=[UNAVAILABLE] ADDR=IPV6:2001:db8::1 "
                 "PORT=[UNAVAILABLE]").startswith("220 ")
    c.cmd("QUIT")
    wait_log(inst, "disconnect from unknown[2001:db8::1] ")


def test_xclient_session_must_not_pipeline_before_ehlo(smtpd_factory):
    inst = smtpd_factory(AUTHORIZED)
    c = connect(inst)
    c.cmd("EHLO client.example")
    assert c.cmd("XCLIENT ADDR=192.0.2.1").startswith("220 ")
    c.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<u@postern.test>\r\n")
    assert c.text() == "554 5.5.0 Error: SMTP protocol synchronization"


def test_xforward_attributes_reach_the_queue_file(smtpd_factory):
    inst = smtpd_factory(AUTHORIZED)
    c = connect(inst)
    assert "250-XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT" in \
        c.cmd("EHLO client.example").splitlines()
    assert c.cmd("XFORWARD NAME=orig.example ADDR=10.1.2.3 PORT=123 "
                 "PROTO=ESMTP HELO=orig-helo IDENT=ABC123 "
                 "SOURCE=REMOTE") == "250 2.0.0 Ok"
    assert c.cmd("XFORWARD FOO=bar") == \
        "501 5.5.4 Bad XFORWARD attribute name: FOO"
    c.cmd("MAIL FROM:<a@example.com>")
    assert c.cmd("XFORWARD NAME=x.example") == \
        "503 5.5.1 Error: MAIL transaction in progress"
    c.cmd("RCPT TO:<u@postern.test>")
    c.cmd("DATA")
    qid = queued_id(c.cmd("x\r\n."))
    c.cmd("QUIT")
    recs = queue_file(inst, qid)
    a = attrs(recs)
    assert a["log_client_name"] == "orig.example"
    assert a["log_client_address"] == "10.1.2.3"
    assert a["log_client_port"] == "123"
    assert a["log_helo_name"] == "orig-helo"
    assert a["log_protocol"] == "ESMTP"
    assert a["rewrite_context"] == "remote"
    # The real client stays the client.
    assert a["client_address"] == "127.0.0.1"
    assert a["helo_name"] == "client.example"
    wait_log(inst, f"{qid}: client=unknown[127.0.0.1], orig_queue_id=ABC123, "
             "orig_client=orig.example[10.1.2.3]")


def test_xforward_unauthorized(smtpd_factory):
    inst = smtpd_factory()
    c = connect(inst)
    ehlo = c.cmd("EHLO client.example")
    assert "XFORWARD" not in ehlo and "XCLIENT" not in ehlo
    assert c.cmd("XFORWARD NAME=a.example") == \
        "550 5.7.0 Error: insufficient authorization"
    c.cmd("QUIT")
