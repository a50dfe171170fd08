"""Side by side with Debian's Postfix 3.7: the same SMTP session against
both servers gives the same replies, the same Received: header and the
same "disconnect from" counters, once queue IDs and dates are replaced
by placeholders.  Needs Debian's Postfix and root (Postfix's master
only runs as root)."""
import re
import subprocess
from pathlib import Path

import pytest

from conftest import postfix_instance, wait_for
from postern_test_util import (smtpd_factory, SmtpClient, queue_file,  # noqa: F401
                               content_lines, maillog, queued_id)

POSTCAT = Path("/usr/sbin/postcat")

COMMON = ("compatibility_level = 3.6\n"
          "myhostname = mx.test\n"
          "mydestination = $myhostname\n"
          "mail_name = Postfix\n"
          "mynetworks = 127.0.0.0/8\n"
          "smtputf8_enable = yes\n"
          "message_size_limit = 10240000\n"
          "smtpd_error_sleep_time = 0\n"
          "smtpd_hard_error_limit = 100\n"
          "local_recipient_maps =\n"
          "alias_maps =\n")


@pytest.fixture
def postfix_server():
    """A private Debian Postfix instance with COMMON; qmgr and pickup are
    disabled so that messages stay in incoming/. Yields (port,
    config_dir, maillog)."""
    with postfix_instance(COMMON, prefix="postfix-ref-") as pf:
        yield pf


SESSION = [
    "EHLO client.example",
    "MAIL FROM:<a@example.com> FOO=bar",
    "MAIL FROM:<a@example.com> BODY=BINARYMIME",
    "MAIL FROM:<a@example.com> SIZE=abc",
    "MAIL FROM:<a@example.com> SIZE=99999999",
    "MAIL FROM:<a@example.com> SIZE=99999999999999999999999",
    "MAIL FROM:<a@example.com> RET=FOO",
    "MAIL FROM:<a@example.com> ENVID=a+2",
    "MAIL FROM:<a@example.com> SMTPUTF8=yes",
    "MAIL FROM:<a@b",
    "MAIL TO:<a@example.com>",
    "RCPT TO:<u@mx.test>",
    "DATA",
    "MAIL FROM:<a@example.com> BODY=8BITMIME RET=HDRS ENVID=x+2By",
    "MAIL FROM:<a@example.com>",
    "RCPT",
    "RCPT TO:<>",
    "RCPT TO:<u@mx.test> NOTIFY=NEVER,SUCCESS",
    "RCPT TO:<u@mx.test> ORCPT=foo",
    "RCPT TO:<u@mx.test> SIZE=1",
    "DATA",
    "RCPT TO:<u@mx.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;u+40mx.test",
    "DATA x",
    "RSET x",
    "VRFY",
    "VRFY user",
    "NOOP",
    "FOO",
    "RSET",
    "BDAT 5\r\n12345",
    "BDAT 3 LAST\r\nabc",
    "MAIL FROM:<a@example.com>",
    "RCPT TO:<u@mx.test>",
    "BDAT 6\r\nab\r\ncd",
    "DATA",
    "BDAT 4 LAST\r\nef\r\n",
    "MAIL FROM:<a@example.com>",
    "RCPT TO:<u@mx.test>",
    "DATA",
    "Subject: compare\r\n\r\nbody\r\n..dot\r\n.",
    "QUIT",
]


def run_session(port):
    c = SmtpClient(port)
    replies = [c.text()]
    for command in SESSION:
        if command.startswith("BDAT"):
            c.send(command)     # the chunk ends the command
            replies.append(c.text())
        else:
            replies.append(c.cmd(command))
    c.close()
    return replies


def normalize(text):
    text = re.sub(r"queued as [0-9A-F]+", "queued as QID", text)
    text = re.sub(r"id [0-9A-F]+", "id QID", text)
    text = re.sub(r"\w{3}, [ \d]\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4} "
                  r"\(\w+\)", "DATE", text)
    return text


def disconnect_line(text):
    lines = [line for line in text.splitlines()
             if "disconnect from" in line and " ehlo=" in line]
    assert lines, text
    return lines[-1].split(": ", 1)[1]


def test_same_replies_header_and_counters_as_postfix(smtpd_factory,
                                                      postfix_server):
    pf_port, pf_etc, pf_log = postfix_server
    inst = smtpd_factory(COMMON + "smtpd_peername_lookup = no\n")
    ours = run_session(inst.port("smtp"))
    theirs = run_session(pf_port)
    assert len(ours) == len(theirs) == len(SESSION) + 1
    for command, a, b in zip(["(greeting)"] + SESSION, ours, theirs):
        assert normalize(a) == normalize(b), command

    # The Received: header of the last message.
    qid = queued_id(ours[-2])
    our_header = [line.decode() for line in
                  content_lines(queue_file(inst, qid))[:3]]
    pf_qid = queued_id(theirs[-2])
    out = subprocess.run([str(POSTCAT), "-c", str(pf_etc), "-q", pf_qid],
                         capture_output=True, text=True, timeout=30).stdout
    body = out.split("*** MESSAGE CONTENTS", 1)[1].splitlines()[1:4]
    assert [normalize(x) for x in our_header] == [normalize(x) for x in body]

    # The counters in the "disconnect from" line.
    wait_for(lambda: " ehlo=" in maillog(inst), 10, what="our disconnect")
    wait_for(lambda: pf_log.exists() and " ehlo=" in pf_log.read_text(), 10,
             what="Postfix's disconnect")
    assert disconnect_line(maillog(inst)) == \
        disconnect_line(pf_log.read_text())
