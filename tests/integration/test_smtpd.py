"""smtpd(8): greeting, EHLO, the commands and their replies, queueing,
the Received header, log lines and privileges.  The instance runs
through master (postfix start/stop)."""
import os
import pwd
import re
import smtplib

from conftest import wait_for
from postern_test_util import (smtpd_factory, connect, queue_file,  # noqa: F401
                               content_lines, attrs, queued_id, wait_log, wait_log_re,
                               maillog, smtpd_pids)

EHLO_ORDER = ["PIPELINING", "SIZE", "VRFY", "ETRN", "ENHANCEDSTATUSCODES",
              "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"]


def ehlo_keywords(text):
    return [line[4:] for line in text.splitlines()[1:]]


def test_greeting_and_ehlo_keywords_in_postfix_order(smtpd_factory):
    inst = smtpd_factory("smtputf8_enable = yes\nmessage_size_limit = 20480000")
    c = smtplib.SMTP("127.0.0.1", inst.port("smtp"))
    code, msg = c.ehlo("client.example")
    assert code == 250
    lines = msg.decode().splitlines()
    assert lines[0] == "postern.test"
    words = [w.split()[0] for w in lines[1:]]
    assert words == EHLO_ORDER
    assert "SIZE 20480000" in lines
    c.quit()
    raw = connect(inst)
    raw.close()


def test_banner_helo_and_discarded_keywords(smtpd_factory):
    inst = smtpd_factory("smtpd_banner = $myhostname ESMTP ready\n"
                         "disable_vrfy_command = yes\n"
                         "smtpd_discard_ehlo_keywords = dsn, chunking, etrn\n"
                         "message_size_limit = 0")
    c = connect(inst)
    c.close()
    from postern_test_util import SmtpClient
    c = SmtpClient(inst.port("smtp"))
    assert c.reply() == (220, ["220 postern.test ESMTP ready"])
    assert c.cmd("HELO client.example") == "250 postern.test"
    keywords = ehlo_keywords(c.cmd("EHLO client.example"))
    assert keywords == ["PIPELINING", "SIZE", "ENHANCEDSTATUSCODES",
                        "8BITMIME"]
    assert c.cmd("VRFY u") == "502 5.5.1 VRFY command is disabled"
    assert c.cmd("MAIL FROM:<a@example.com> RET=FULL") == \
        "555 5.5.4 Unsupported option: RET=FULL"
    assert c.cmd("QUIT") == "221 2.0.0 Bye"
    wait_log(inst, "discarding EHLO keywords: dsn, chunking, etrn")


def test_command_replies_carry_enhanced_status_codes(smtpd_factory):
    inst = smtpd_factory("smtpd_hard_error_limit = 100\n"
                         "smtpd_error_sleep_time = 0\n"
                         "smtpd_peername_lookup = no")
    c = connect(inst)
    script = [
        ("FOO", "500 5.5.2 Error: command not recognized"),
        ("HELP", "500 5.5.2 Error: command not recognized"),
        ("HELO", "501 5.5.4 Syntax: HELO hostname"),
        ("EHLO", "501 5.5.4 Syntax: EHLO hostname"),
        ("RCPT TO:<a@postern.test>", "503 5.5.1 Error: need MAIL command"),
        ("DATA", "503 5.5.1 Error: need RCPT command"),
        ("EHLO client.example", None),
        ("MAIL", "501 5.5.4 Syntax: MAIL FROM:<address>"),
        ("MAIL TO:<a@b>", "501 5.5.4 Syntax: MAIL FROM:<address>"),
        ("MAIL FROM:<a@b", "501 5.1.7 Bad sender address syntax"),
        ("MAIL FROM:<a@b> FOO=bar", "555 5.5.4 Unsupported option: FOO=bar"),
        ("MAIL FROM:<a@b> BODY=BINARYMIME",
         "555 5.5.4 Unsupported option: BODY=BINARYMIME"),
        ("MAIL FROM:<a@b> SIZE=abc", "501 5.5.4 Bad message size syntax"),
        ("MAIL FROM:<a@b> RET=FOO", "501 5.5.4 Bad RET parameter syntax"),
        ("MAIL FROM:<a@b> ENVID=a+2", "501 5.5.4 Bad ENVID parameter syntax"),
        ("MAIL FROM:<a@b> SIZE=1 SIZE=2", "555 5.5.4 Duplicate option: SIZE"),
        ("MAIL FROM:<a@b> BODY=8BITMIME RET=HDRS ENVID=x+2By", "250 2.1.0 Ok"),
        ("MAIL FROM:<c@d>", "503 5.5.1 Error: nested MAIL command"),
        ("RCPT", "501 5.5.4 Syntax: RCPT TO:<address>"),
        ("RCPT TO:<>", "501 5.1.3 Bad recipient address syntax"),
        ("RCPT TO:<u@postern.test> NOTIFY=NEVER,SUCCESS",
         "501 5.5.4 Error: Bad NOTIFY parameter syntax"),
        ("RCPT TO:<u@postern.test> ORCPT=foo",
         "501 5.5.4 Error: Bad ORCPT parameter syntax"),
        ("RCPT TO:<u@postern.test> SIZE=1", "555 5.5.4 Unsupported option: SIZE=1"),
        ("RCPT TO:<\u00e9@postern.test>",
         "553 5.6.7 Must declare SMTPUTF8 to send unicode address"),
        ("DATA x", "501 5.5.4 Syntax: DATA"),
        ("RSET x", "501 5.5.4 Syntax: RSET"),
        ("ETRN postern.test", "503 5.5.1 Error: MAIL transaction in progress"),
        ("RSET", "250 2.0.0 Ok"),
        ("ETRN", "501 5.5.4 Syntax: ETRN domain"),
        # relay_domains (and so fast_flush_domains) holds $mydestination;
        # there is no flush service to run the queue.
        ("ETRN postern.test", "458 4.3.0 Unable to queue messages"),
        ("ETRN other.example", "459 4.7.1 <other.example>: service unavailable"),
        ("VRFY", "501 5.5.4 Syntax: VRFY address [SMTPUTF8]"),
        ("VRFY user", "252 2.0.0 user"),
        ("NOOP anything", "250 2.0.0 Ok"),
        ("XCLIENT ADDR=192.0.2.1", "550 5.7.0 Error: insufficient authorization"),
        ("XFORWARD ADDR=192.0.2.1", "550 5.7.0 Error: insufficient authorization"),
        ("BDAT", "521 5.5.4 Syntax: BDAT count [LAST]"),
    ]
    for command, want in script:
        got = c.cmd(command)
        if want is not None:
            assert got == want, command
            assert re.match(r"^\d{3} [245]\.\d{1,3}\.\d{1,3} ", got), got
    assert c.closed()
    line = wait_log(inst, "disconnect from unknown[127.0.0.1] helo=")
    assert re.search(r" helo=0/1 ehlo=1/2 xclient=0/1 xforward=0/1 "
                     r"mail=1/\d+ rcpt=0/\d+ data=0/\d+ bdat=0/1 "
                     r"rset=1/2 noop=1 vrfy=1/2 etrn=0/4 unknown=0/2 "
                     r"commands=\d+/\d+$", line), line


def test_helo_resets_transaction_and_mail_before_helo(smtpd_factory):
    inst = smtpd_factory()
    c = connect(inst)
    assert c.cmd("MAIL FROM:<a@example.com>") == "250 2.1.0 Ok"
    assert c.cmd("EHLO client.example").startswith("250-postern.test")
    # The transaction is gone: a new MAIL is not nested.
    assert c.cmd("MAIL FROM:<a@example.com>") == "250 2.1.0 Ok"
    assert c.cmd("HELO client.example") == "250 postern.test"
    assert c.cmd("RCPT TO:<u@postern.test>") == \
        "503 5.5.1 Error: need MAIL command"
    c.cmd("QUIT")


def test_helo_required(smtpd_factory):
    inst = smtpd_factory("smtpd_helo_required = yes")
    c = connect(inst)
    assert c.cmd("MAIL FROM:<a@example.com>") == \
        "503 5.5.1 Error: send HELO/EHLO first"
    c.cmd("HELO x")
    assert c.cmd("MAIL FROM:<a@example.com>") == "250 2.1.0 Ok"
    c.cmd("QUIT")


def test_message_is_queued_completely_before_250(smtpd_factory):
    inst = smtpd_factory()
    s = smtplib.SMTP("127.0.0.1", inst.port("smtp"))
    s.ehlo("client.example")
    assert s.mail("sender@example.com", ["BODY=8BITMIME", "RET=HDRS",
                                         "ENVID=env+2Bid"])[0] == 250
    assert s.rcpt("user@postern.test", ["NOTIFY=SUCCESS,FAILURE",
                                        "ORCPT=rfc822;orig+40example.com"]
                  )[0] == 250
    code, resp = s.data(b"Subject: hello\r\n\r\nline one\r\n.dot line\r\n")
    assert code == 250
    text = resp.decode()
    assert text.startswith("2.0.0 Ok: queued as ")
    qid = queued_id(text)
    s.quit()
    data = (next(inst.queue_dir.rglob(qid))).read_bytes()
    # The file is complete: it ends with the END record.
    assert data.endswith(b"E\x00")
    recs = queue_file(inst, qid)
    assert ("S", b"sender@example.com") in recs
    assert ("R", b"user@postern.test") in recs
    assert ("O", b"user@postern.test") in recs
    assert ("o", b"rfc822;orig@example.com") in recs
    assert ("n", b"SUCCESS,FAILURE") in recs
    assert ("i", b"env+id") in recs
    assert ("r", b"HDRS") in recs
    a = attrs(recs)
    assert a["encoding"] == "8bit"
    assert a["helo_name"] == "client.example"
    assert a["protocol_name"] == "ESMTP"
    assert a["client_address"] == "127.0.0.1"
    lines = content_lines(recs)
    assert b"Subject: hello" in lines
    assert b"line one" in lines
    # Dot-stuffing was undone by smtplib's ".." and our unstuffing.
    assert b".dot line" in lines


def test_received_header_shape(smtpd_factory):
    inst = smtpd_factory("smtpd_peername_lookup = no")
    s = smtplib.SMTP("127.0.0.1", inst.port("smtp"))
    s.ehlo("client.example")
    s.mail("a@example.com")
    s.rcpt("u@postern.test")
    qid = queued_id(s.data(b"Subject: x\r\n\r\nbody\r\n")[1].decode())
    # Two recipients: no "for" clause.
    s.mail("a@example.com")
    s.rcpt("u@postern.test")
    s.rcpt("v@postern.test")
    qid2 = queued_id(s.data(b"Subject: y\r\n\r\nbody\r\n")[1].decode())
    s.quit()
    date = r"\w{3}, [ \d]\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4} \(\w+\)"
    lines = content_lines(queue_file(inst, qid))
    assert lines[0] == b"Received: from client.example (unknown [127.0.0.1])"
    assert lines[1] == f"\tby postern.test (postern) with ESMTP id {qid}".encode()
    assert re.fullmatch(r"\tfor <u@postern.test>; " + date, lines[2].decode())
    lines = content_lines(queue_file(inst, qid2))
    assert lines[1] == f"\tby postern.test (postern) with ESMTP id {qid2};".encode()
    assert re.fullmatch("\t" + date, lines[2].decode())


def test_received_protocol_smtp_and_utf8smtp(smtpd_factory):
    inst = smtpd_factory("smtputf8_enable = yes\nsmtpd_peername_lookup = no")
    c = connect(inst)
    c.cmd("HELO client.example")
    c.cmd("MAIL FROM:<a@example.com>")
    c.cmd("RCPT TO:<u@postern.test>")
    assert c.cmd("DATA").startswith("354 ")
    qid = queued_id(c.cmd("x\r\n."))
    c.cmd("EHLO client.example")
    assert c.cmd("MAIL FROM:<\u00fc@example.com> SMTPUTF8") == "250 2.1.0 Ok"
    assert c.cmd("RCPT TO:<\u00e9@postern.test>") == "250 2.1.5 Ok"
    assert c.cmd("DATA").startswith("354 ")
    qid2 = queued_id(c.cmd("x\r\n."))
    c.cmd("QUIT")
    assert b"with SMTP id" in content_lines(queue_file(inst, qid))[1]
    recs = queue_file(inst, qid2)
    assert b"with UTF8SMTP id" in content_lines(recs)[1]
    assert attrs(recs)["smtputf8"] == "yes"
    assert ("R", "\u00e9@postern.test".encode()) in recs


def test_log_lines_connect_client_disconnect(smtpd_factory):
    inst = smtpd_factory("smtpd_peername_lookup = no")
    c = connect(inst)
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<a@example.com>")
    c.cmd("RCPT TO:<u@postern.test>")
    c.cmd("DATA")
    qid = queued_id(c.cmd("hello\r\n."))
    c.cmd("QUIT")
    wait_log(inst, "connect from unknown[127.0.0.1]")
    assert re.search(r"smtpd\[\d+\]: " + qid + r": client=unknown\[127.0.0.1\]$",
                     wait_log(inst, qid + ": client="))
    line = wait_log(inst, "disconnect from unknown[127.0.0.1] ehlo=")
    assert line.endswith("disconnect from unknown[127.0.0.1] ehlo=1 mail=1 "
                         "rcpt=1 data=1 quit=1 commands=5")


def test_lost_connection_is_logged_with_the_command(smtpd_factory):
    inst = smtpd_factory("smtpd_peername_lookup = no")
    c = connect(inst)
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<a@example.com>")
    c.close()
    wait_log(inst, "lost connection after MAIL from unknown[127.0.0.1]")
    c = connect(inst)
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<a@example.com>")
    c.cmd("RCPT TO:<u@postern.test>")
    c.cmd("DATA")
    c.send("Subject: cut\r\n")
    c.close()
    wait_log(inst, "lost connection after DATA (")


def test_client_port_logging(smtpd_factory):
    inst = smtpd_factory("smtpd_peername_lookup = no\n"
                         "smtpd_client_port_logging = yes")
    c = connect(inst)
    port = c.sock.getsockname()[1]
    c.cmd("QUIT")
    wait_log(inst, f"connect from unknown[127.0.0.1]:{port}")


def test_smtpd_runs_as_mail_owner(smtpd_factory):
    """The smtpd process that serves a session runs as mail_owner (under
    root: "postfix"), with every uid of the process."""
    inst = smtpd_factory("smtpd_peername_lookup = no")
    c = connect(inst)
    c.cmd("EHLO client.example")
    wait_log(inst, "connect from unknown[127.0.0.1]")
    # The last one is ours (start-up probes the port first).
    line = [ln for ln in maillog(inst).splitlines()
            if "connect from unknown[127.0.0.1]" in ln][-1]
    pid = int(re.search(r"smtpd\[(\d+)\]", line).group(1))
    assert pid in smtpd_pids(inst)
    want = pwd.getpwnam(inst.user).pw_uid
    with open(f"/proc/{pid}/status") as f:
        uids = [ln.split()[1:] for ln in f if ln.startswith("Uid:")][0]
    assert [int(u) for u in uids] == [want] * 4, uids
    if os.getuid() == 0:
        assert want != 0
    c.cmd("QUIT")


def test_cleanup_unavailable_gives_451(smtpd_factory, instance):
    inst = smtpd_factory()
    # Take the cleanup socket away (as if the service were down).
    sock = inst.queue_dir / "public" / "cleanup"
    wait_for(sock.exists, 10, what="public/cleanup")
    sock.rename(inst.queue_dir / "public" / "cleanup.away")
    try:
        c = connect(inst)
        c.cmd("EHLO client.example")
        assert c.cmd("MAIL FROM:<a@example.com>") == "250 2.1.0 Ok"
        assert c.cmd("RCPT TO:<u@postern.test>") == \
            "451 4.3.0 Error: queue file write error"
        c.cmd("QUIT")
        wait_log(inst, "warning: connect to public/cleanup")
    finally:
        (inst.queue_dir / "public" / "cleanup.away").rename(sock)


def test_forbidden_command_disconnects(smtpd_factory):
    inst = smtpd_factory()
    c = connect(inst)
    assert c.cmd("GET / HTTP/1.0") == \
        "221 2.7.0 Error: I can break rules, too. Goodbye."
    assert c.closed()
    c = connect(inst)
    assert c.cmd("Subject: hello").startswith("221 2.7.0 ")
    wait_log(inst, "warning: non-SMTP command from")


def test_noop_commands(smtpd_factory):
    inst = smtpd_factory("smtpd_noop_commands = XYZZY")
    c = connect(inst)
    assert c.cmd("xyzzy") == "250 2.0.0 Ok"
    c.cmd("QUIT")


def test_peername_lookup_is_forward_confirmed(smtpd_factory):
    """The client name is the PTR name only when it resolves back to the
    client address; otherwise "unknown"."""
    import socket
    try:
        ptr = socket.gethostbyaddr("127.0.0.1")[0]
        addrs = {ai[4][0] for ai in socket.getaddrinfo(ptr, None)}
        want = ptr if "127.0.0.1" in addrs else "unknown"
    except OSError:
        want = "unknown"
    inst = smtpd_factory("smtpd_peername_lookup = yes")
    c = connect(inst)
    c.cmd("EHLO client.example")
    c.cmd("QUIT")
    wait_log(inst, f"disconnect from {want}[127.0.0.1] ehlo=1 quit=1")
