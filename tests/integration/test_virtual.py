"""virtual(8): delivery into virtual mailboxes, end to end.

A whole instance runs (master, smtpd, cleanup, trivial-rewrite, qmgr,
virtual); mail goes in through SMTP and is found in the Maildir or mbox
that virtual_mailbox_maps names under virtual_mailbox_base.  Under root
the mailboxes belong to uid/gid 5000 and the tests check that the files
were written as that user; as a normal user they are the user's own.
"""
import os
import re
import stat

import pytest

from conftest import wait_for
from postern_test_util import (smtpd_factory, connect, queued_id,  # noqa
                               wait_log, maillog)

# Mail is delivered here: qmgr stays in master.cf.
HOLD_DELIVERY = False

VUID = 5000 if os.getuid() == 0 else os.getuid()
VGID = 5000 if os.getuid() == 0 else os.getgid()


@pytest.fixture
def vmail(instance):
    base = instance.root / "vmail"
    base.mkdir()
    os.chown(base, VUID, VGID) if os.getuid() == 0 else None
    return base


def config(base, extra=""):
    return f"""local_recipient_maps =
virtual_mailbox_domains = vdomain.test
virtual_mailbox_base = {base}
virtual_mailbox_maps = texthash:{base.parent}/vmailbox
virtual_uid_maps = static:{VUID}
virtual_gid_maps = static:{VGID}
virtual_minimum_uid = 1
recipient_delimiter = +
{extra}"""


def write_maps(base, text="a@vdomain.test a/Maildir/\n"
               "b@vdomain.test b.mbox\n@vdomain.test catchall/\n"):
    (base.parent / "vmailbox").write_text(text)


def send(inst, rcpts, body="Subject: hi\r\n\r\nFrom me\r\nbody\r\n",
         sender="s@example.com"):
    c = connect(inst)
    c.cmd("EHLO client.example")
    assert c.cmd(f"MAIL FROM:<{sender}>").startswith("250")
    for r in rcpts:
        assert c.cmd(f"RCPT TO:<{r}>").startswith("250"), r
    assert c.cmd("DATA").startswith("354")
    qid = queued_id(c.cmd(body + "."))
    c.cmd("QUIT")
    return qid


def maildir_files(path):
    new = path / "new"
    return sorted(new.iterdir()) if new.is_dir() else []


def test_maildir_delivery(smtpd_factory, vmail):
    write_maps(vmail)
    inst = smtpd_factory(config(vmail))
    qid = send(inst, ["a@vdomain.test"])
    md = vmail / "a" / "Maildir"
    files = wait_for(lambda: maildir_files(md), 15, what="a maildir file")
    assert len(files) == 1
    assert re.fullmatch(r"\d+\.M\d+P\d+Q\d+V[0-9a-f]+I[0-9a-f]+\.postern\.test",
                        files[0].name), files[0].name
    data = files[0].read_bytes()
    lines = data.split(b"\n")
    assert lines[:3] == [b"Return-Path: <s@example.com>",
                         b"X-Original-To: a@vdomain.test",
                         b"Delivered-To: a@vdomain.test"]
    assert lines[3].startswith(b"Received: from client.example")
    # Maildir: no From_ quoting, no blank line added.
    assert data.endswith(b"\n\nFrom me\nbody\n")
    st = files[0].stat()
    assert (st.st_uid, st.st_gid) == (VUID, VGID)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert list((md / "tmp").iterdir()) == []
    assert (md / "cur").is_dir()
    line = wait_log(inst, f"{qid}: to=<a@vdomain.test>")
    assert "relay=virtual" in line and "dsn=2.0.0" in line
    assert "status=sent (delivered to maildir)" in line
    wait_log(inst, f"{qid}: removed")


def test_mbox_delivery_appends_quotes_and_locks(smtpd_factory, vmail):
    write_maps(vmail)
    inst = smtpd_factory(config(vmail))
    send(inst, ["b@vdomain.test"])
    mbox = vmail / "b.mbox"
    wait_for(lambda: mbox.exists() and mbox.stat().st_size > 0, 15,
             what="the mbox")
    wait_log(inst, "status=sent (delivered to mailbox)")
    send(inst, ["B@VDomain.test"], sender="")
    wait_for(lambda: maillog(inst).count("delivered to mailbox") == 2, 15,
             what="the second delivery")
    text = mbox.read_bytes()
    msgs = re.split(rb"(?m)^(?=From )", text)
    assert [m for m in msgs if m][0].startswith(b"From s@example.com  ")
    first, second = [m for m in msgs if m]
    assert re.match(rb"From s@example\.com  \w{3} \w{3} [ \d]\d "
                    rb"\d\d:\d\d:\d\d \d{4}\n", first)
    assert second.startswith(b"From MAILER-DAEMON  ")
    assert b"\nReturn-Path: <>\n" in second
    assert b"\nDelivered-To: b@vdomain.test\n" in second
    # ">From" quoting and a blank line after each message.
    assert first.endswith(b"\n\n>From me\nbody\n\n")
    assert not (vmail / "b.mbox.lock").exists()
    assert mbox.stat().st_uid == VUID


def test_extension_and_catchall(smtpd_factory, vmail):
    write_maps(vmail)
    inst = smtpd_factory(config(vmail))
    send(inst, ["a+tag@vdomain.test", "zed@vdomain.test"])
    wait_for(lambda: maildir_files(vmail / "a" / "Maildir"), 15,
             what="a+tag delivered to a")
    files = wait_for(lambda: maildir_files(vmail / "catchall"), 15,
                     what="the catch-all maildir")
    assert b"Delivered-To: zed@vdomain.test\n" in files[0].read_bytes()


def test_unknown_user_bounces(smtpd_factory, vmail):
    write_maps(vmail, "a@vdomain.test a/Maildir/\n")
    # smtpd would refuse the recipient; let it through to see the agent.
    inst = smtpd_factory(config(vmail, "smtpd_reject_unlisted_recipient = no"))
    qid = send(inst, ["nobody@vdomain.test"])
    line = wait_log(inst, f"{qid}: to=<nobody@vdomain.test>", 15)
    assert "dsn=5.1.1" in line
    assert 'status=bounced (unknown user: "nobody@vdomain.test")' in line


def test_smtpd_rejects_unknown_virtual_recipient(smtpd_factory, vmail):
    write_maps(vmail, "a@vdomain.test a/Maildir/\n")
    inst = smtpd_factory(config(vmail))
    c = connect(inst)
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<s@example.com>")
    assert c.cmd("RCPT TO:<nobody@vdomain.test>") == (
        "550 5.1.1 <nobody@vdomain.test>: Recipient address rejected: "
        "User unknown in virtual mailbox table")
    assert c.cmd("RCPT TO:<a@vdomain.test>").startswith("250")
    c.cmd("QUIT")


def test_uid_below_minimum_defers(smtpd_factory, vmail):
    write_maps(vmail)
    inst = smtpd_factory(config(vmail, f"virtual_minimum_uid = {VUID + 1}"))
    qid = send(inst, ["a@vdomain.test"])
    line = wait_log(inst, f"{qid}: to=<a@vdomain.test>", 15)
    assert "dsn=4.3.5" in line
    assert "status=deferred (mail system configuration error)" in line
    assert "below virtual_minimum_uid" in maillog(inst)
    assert not (vmail / "a").exists()


def test_mailbox_limit_bounces(smtpd_factory, vmail):
    write_maps(vmail)
    inst = smtpd_factory(config(vmail, "virtual_mailbox_limit = 200\n"
                                "message_size_limit = 100000"))
    qid = send(inst, ["b@vdomain.test"], body="Subject: big\r\n\r\n" +
               "x" * 500 + "\r\n")
    line = wait_log(inst, f"{qid}: to=<b@vdomain.test>", 15)
    assert "dsn=5.2.2" in line and "status=bounced" in line
    # Truncated back: nothing half-written stays in the mailbox.
    assert (vmail / "b.mbox").stat().st_size == 0


def test_unwritable_mailbox_defers_and_keeps_the_message(smtpd_factory,
                                                         vmail, instance):
    if os.getuid() != 0:
        pytest.skip("a non-root user may write its own read-only files")
    write_maps(vmail)
    (vmail / "b.mbox").write_bytes(b"")
    os.chown(vmail / "b.mbox", 0, 0)
    os.chmod(vmail / "b.mbox", 0o600)
    inst = smtpd_factory(config(vmail))
    qid = send(inst, ["b@vdomain.test"])
    line = wait_log(inst, f"{qid}: to=<b@vdomain.test>", 15)
    assert "dsn=4.2.0" in line and "status=deferred" in line
    assert "cannot update mailbox" in line
    assert (vmail / "b.mbox").stat().st_size == 0
    assert wait_for(lambda: list((instance.queue_dir / "deferred").rglob(qid)),
                    15, what="the deferred queue file")


def test_table_lookup_error_defers(smtpd_factory, vmail):
    inst = smtpd_factory(config(vmail, "smtpd_reject_unlisted_recipient = no")
                         .replace("texthash:", "hash:"))
    qid = send(inst, ["a@vdomain.test"])
    line = wait_log(inst, f"{qid}: to=<a@vdomain.test>", 15)
    assert "dsn=4.3.0" in line and "status=deferred" in line
