"""Side by side with Debian's Postfix 3.7: the same SMTP session against
both servers gives the same replies, the same Received: header and the
same "disconnect from" counters, once queue IDs and dates are replaced
by placeholders.  Needs Debian's Postfix and root (Postfix's master
only runs as root)."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import wait_for
from test_smtpd_common import (smtpd_factory, SmtpClient, queue_file,  # noqa: F401
                               content_lines, maillog, queued_id)

POSTFIX = Path("/usr/sbin/postfix")
POSTCAT = Path("/usr/sbin/postcat")
MASTER_DIST = Path("/usr/share/postfix/master.cf.dist")

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


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), 1):
            return True
    except OSError:
        return False


@pytest.fixture
def postfix_server():
    """A private Debian Postfix instance; qmgr and pickup are disabled so
    that messages stay in incoming/. Yields (port, config_dir, maillog)."""
    if os.getuid() != 0:
        pytest.skip("Debian's Postfix needs root to start")
    if not POSTFIX.exists() or not MASTER_DIST.exists():
        pytest.skip("Debian's Postfix is not installed")
    root = Path(tempfile.mkdtemp(prefix="postfix-ref-"))
    root.chmod(0o755)
    etc, queue, data = root / "etc", root / "queue", root / "data"
    for d in (etc, queue, data):
        d.mkdir()
    shutil.chown(data, "postfix")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = root / "maillog"
    (etc / "main.cf").write_text(
        COMMON +
        f"queue_directory = {queue}\n"
        f"data_directory = {data}\n"
        f"maillog_file = {log}\n"
        f"maillog_file_prefixes = {root}\n"
        "inet_interfaces = 127.0.0.1\n"
        "inet_protocols = ipv4\n"
        "master_service_disable = qmgr.unix pickup.unix\n")
    (etc / "master.cf").write_text(
        MASTER_DIST.read_text().replace("\nsmtp      inet",
                                        f"\n127.0.0.1:{port} inet", 1))
    env = dict(os.environ, MAIL_CONFIG=str(etc))
    r = subprocess.run([str(POSTFIX), "-c", str(etc), "start"], env=env,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip("Debian's Postfix did not start: " + r.stderr)
    try:
        wait_for(lambda: listening(port), 20, what="Postfix to listen")
        yield port, etc, log
    finally:
        subprocess.run([str(POSTFIX), "-c", str(etc), "stop"], env=env,
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


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
