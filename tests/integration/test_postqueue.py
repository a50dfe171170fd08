"""postqueue(1) -p/-j/-f/-i and the showq(8) service behind it.

The instance runs without qmgr and pickup, so mail submitted over SMTP
stays in incoming/; the other queue states are made by moving files as
the queue layout says (hash_queue_names = deferred, defer; depth 1) and by
writing defer logs in bounce(8)'s format.
"""
import json
import os
import re
import smtplib
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import postfix_instance, wait_for
from postern_test_util import queued_id, start_instance

HEADER = ("-Queue ID-  --Size-- ----Arrival Time---- "
          "-Sender/Recipient-------")
REASON = "connect to example.org[192.0.2.1]:25: Connection refused"


# ---- helpers (the same in test_postsuper.py and test_postcat.py) ----------

@pytest.fixture
def qinst(instance):
    """A running instance without qmgr and pickup."""
    text = (instance.config_dir / "master.cf").read_text()
    keep = [ln for ln in text.splitlines()
            if not re.match(r"(qmgr|pickup)\s", ln)]
    instance.write_master_cf("\n".join(keep) + "\n")
    start_instance(instance)
    yield instance
    instance.run("postfix", "stop")


def submit(port, sender, rcpts, body="Subject: test\r\n\r\nhello\r\n"):
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.ehlo("client.test")
        s.mail(sender)
        for r in rcpts:
            code, msg = s.rcpt(r)
            assert code == 250, msg
        code, msg = s.data(body)
        assert code == 250, msg
        return queued_id(msg.decode())


def qpath(queue_dir, queue, qid):
    """Where a file lives: deferred and defer are hashed one level."""
    if queue in ("deferred", "defer"):
        return Path(queue_dir) / queue / qid[0] / qid
    return Path(queue_dir) / queue / qid


def place(queue_dir, path, data=None, src=None):
    """Move src to path (or write data there), creating a hash directory
    owned like the queue directory above it."""
    parent = path.parent
    if not parent.exists():
        parent.mkdir(mode=0o700)
        st = parent.parent.stat()
        os.chown(parent, st.st_uid, st.st_gid)
    if src is not None:
        os.rename(src, path)
    else:
        path.write_text(data)
        st = parent.stat()
        os.chown(path, st.st_uid, st.st_gid)


def move(queue_dir, qid, old, new):
    place(queue_dir, qpath(queue_dir, new, qid),
          src=qpath(queue_dir, old, qid))


def defer_log(queue_dir, qid, reasons, postfix_format=False):
    """A defer log: bounce(8)'s format, or Postfix's for comparisons."""
    text = ""
    for rcpt, reason in reasons:
        if postfix_format:
            text += (f"recipient={rcpt}\noffset=0\nstatus=4.4.1\n"
                     f"action=delayed\nreason={reason}\n\n")
        else:
            text += (f"orig_rcpt={rcpt}\nrcpt={rcpt}\noffset=0\n"
                     f"dsn_orcpt=\ndsn_notify=0\nstatus=4.4.1\n"
                     f"action=delayed\nreason={reason}\ndtype=\ndtext=\n"
                     f"mtype=\nmname=\n\n")
    place(queue_dir, qpath(queue_dir, "defer", qid), data=text)


def make_queue(port, queue_dir, postfix_format=False):
    """One message in each of active, incoming, deferred and hold."""
    ids = {}
    ids["active"] = submit(port, "act@example.com", ["a1@example.org"])
    ids["incoming"] = submit(port, "", ["n1@example.org", "n2@example.org"])
    ids["deferred"] = submit(port, "def@example.com",
                             ["d1@example.org", "d2@example.org",
                              "d3@example.org"])
    ids["hold"] = submit(port, "hold@example.com", ["h1@example.org"])
    move(queue_dir, ids["active"], "incoming", "active")
    move(queue_dir, ids["deferred"], "incoming", "deferred")
    move(queue_dir, ids["hold"], "incoming", "hold")
    defer_log(queue_dir, ids["deferred"],
              [("d1@example.org", REASON), ("d2@example.org", REASON)],
              postfix_format)
    return ids


# ---- listing -------------------------------------------------------------

def test_mailq_shows_every_queue_with_markers_and_reasons(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    r = qinst.run("postqueue", "-p")
    assert r.returncode == 0, r.stderr
    jr = qinst.run("postqueue", "-j")
    info = {m["queue_id"]: m for m in map(json.loads, jr.stdout.splitlines())}

    def first(qid, mark, sender):
        when = time.strftime("%a %b %e %H:%M:%S",
                             time.localtime(info[qid]["arrival_time"]))
        return f"{qid + mark:<11} {info[qid]['message_size']:>7} {when}  {sender}"

    rc = " " * 41
    expected = [
        HEADER,
        first(ids["active"], "*", "act@example.com"),
        rc + "a1@example.org", "",
        first(ids["incoming"], "", "MAILER-DAEMON"),
        rc + "n1@example.org", rc + "n2@example.org", "",
        first(ids["deferred"], "", "def@example.com"),
        f"({REASON})".rjust(78),
        rc + "d1@example.org", rc + "d2@example.org",
        "(reason unavailable)".rjust(78),
        rc + "d3@example.org", "",
        first(ids["hold"], "!", "hold@example.com"),
        rc + "h1@example.org", "",
        f"-- {sum(m['message_size'] for m in info.values()) // 1024} "
        f"Kbytes in 4 Requests.",
    ]
    assert r.stdout.splitlines() == expected


def _mask(text):
    """Queue IDs, sizes and dates out of a mailq listing; the rest kept."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^([0-9A-Za-z]+)([*!#]?) +(\d+) "
                     r"(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d)  (.*)$", line)
        if m:
            out.append(f"ID{m.group(2)} SIZE DATE  {m.group(5)}")
        else:
            out.append(re.sub(r"^-- \d+ Kbytes", "-- N Kbytes", line))
    return out


def test_mailq_matches_postfix(qinst):
    """The same queue through Debian's Postfix and postern."""
    make_queue(qinst.port("smtp"), qinst.queue_dir)
    ours = qinst.run("postqueue", "-p")
    with postfix_instance("myhostname = ref.test\nmydestination =\n"
                          "mynetworks = 127.0.0.0/8\n"
                          "compatibility_level = 3.6\n") as pf:
        make_queue(pf.port, pf.config_dir.parent / "queue",
                   postfix_format=True)
        theirs = subprocess.run(["/usr/sbin/postqueue", "-p"],
                                capture_output=True, text=True,
                                env=dict(os.environ,
                                         MAIL_CONFIG=str(pf.config_dir)))
    assert theirs.returncode == 0, theirs.stderr
    assert _mask(ours.stdout) == _mask(theirs.stdout)


def test_json_has_postfix_fields(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    r = qinst.run("postqueue", "-j")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 4
    msgs = {m["queue_name"]: m for m in map(json.loads, lines)}
    assert set(msgs) == {"active", "incoming", "deferred", "hold"}
    for name, m in msgs.items():
        assert list(m) == ["queue_name", "queue_id", "arrival_time",
                           "message_size", "forced_expire", "sender",
                           "recipients"]
        assert m["queue_id"] == ids[name]
        assert abs(m["arrival_time"] - time.time()) < 600
        assert isinstance(m["message_size"], int) and m["message_size"] > 0
        assert m["forced_expire"] is False
    assert msgs["incoming"]["sender"] == "MAILER-DAEMON"
    assert msgs["deferred"]["recipients"] == [
        {"address": "d1@example.org", "delay_reason": REASON},
        {"address": "d2@example.org", "delay_reason": REASON},
        {"address": "d3@example.org"}]


def test_empty_queue(qinst):
    r = qinst.run("postqueue", "-p")
    assert (r.returncode, r.stdout) == (0, "Mail queue is empty\n")
    r = qinst.run("postqueue", "-j")
    assert (r.returncode, r.stdout) == (0, "")


def test_delivered_recipients_are_not_listed(qinst):
    qid = submit(qinst.port("smtp"), "s@example.com",
                 ["x1@example.org", "x2@example.org"])
    path = qpath(qinst.queue_dir, "incoming", qid)
    data = path.read_bytes()
    # Mark x1 delivered the way agents do: its RCPT type byte becomes DONE.
    rec = b"R" + bytes([len(b"x1@example.org")]) + b"x1@example.org"
    assert data.count(rec) == 1
    path.write_bytes(data.replace(rec, b"D" + rec[1:]))
    m = json.loads(qinst.run("postqueue", "-j").stdout)
    assert m["recipients"] == [{"address": "x2@example.org"}]


def _showq_groups(queue_dir):
    """Read public/showq the way Prometheus exporters do: NUL-terminated
    strings, an empty key separating groups."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(str(Path(queue_dir) / "public" / "showq"))
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    fields = data.split(b"\0")
    assert fields[-1] == b""        # the stream ends with a NUL
    fields = fields[:-1]
    groups, cur, i = [], [], 0
    while i < len(fields):
        key = fields[i].decode()
        if key == "":
            groups.append(cur)
            cur = []
            i += 1
            continue
        cur.append((key, fields[i + 1].decode()))
        i += 2
    assert cur == []
    return groups


def test_showq_stream_for_exporters(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    groups = _showq_groups(qinst.queue_dir)
    assert groups[0] == [("protocol", "mail_queue_list_protocol")]
    assert groups[-1] == []
    msgs = groups[1:-1]
    assert [dict(g)["queue_name"] for g in msgs] == \
        ["active", "incoming", "deferred", "hold"]
    for g in msgs:
        keys = [k for k, _ in g]
        assert keys[:6] == ["queue_name", "queue_id", "time", "size",
                            "forced_expire", "sender"]
        assert keys[6:] == ["recipient", "reason"] * ((len(keys) - 6) // 2)
        assert int(dict(g)["size"]) > 0
    deferred = msgs[2]
    assert dict(deferred)["queue_id"] == ids["deferred"]
    assert deferred[6:] == [("recipient", "d1@example.org"), ("reason", REASON),
                            ("recipient", "d2@example.org"), ("reason", REASON),
                            ("recipient", "d3@example.org"), ("reason", "")]


def test_listing_without_the_mail_system(qinst):
    """Stopped: the queue owner (root, or the instance's user) still gets
    a listing, with Postfix's warning."""
    make_queue(qinst.port("smtp"), qinst.queue_dir)
    r = qinst.run("postfix", "stop")
    assert r.returncode == 0, r.stderr
    r = qinst.run("postqueue", "-p")
    assert r.returncode == 0, r.stderr
    assert "Mail system is down -- accessing queue directly" in r.stderr
    assert r.stdout.endswith("Kbytes in 4 Requests.\n")


# ---- flush ---------------------------------------------------------------

def _fake_qmgr(queue_dir):
    """A fifo in place of qmgr's, opened for reading."""
    fifo = Path(queue_dir) / "public" / "qmgr"
    os.mkfifo(fifo, 0o622)
    return os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)


def _read_fifo(fd):
    return wait_for(lambda: _try_read(fd), 10, what="a qmgr request")


def _try_read(fd):
    try:
        return os.read(fd, 100)
    except BlockingIOError:
        return None


def test_flush_wakes_qmgr(qinst):
    fd = _fake_qmgr(qinst.queue_dir)
    try:
        r = qinst.run("postqueue", "-f")
        assert r.returncode == 0, r.stderr
        assert _read_fifo(fd) == b"FADI"
    finally:
        os.close(fd)


def test_flush_without_qmgr_says_mail_system_is_down(qinst):
    r = qinst.run("postqueue", "-f")
    assert r.returncode == 69
    assert "Cannot flush mail queue - mail system is down" in r.stderr


def test_schedule_one_deferred_message(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    path = qpath(qinst.queue_dir, "deferred", ids["deferred"])
    later = time.time() + 3600
    os.utime(path, (later, later))
    fd = _fake_qmgr(qinst.queue_dir)
    try:
        r = qinst.run("postqueue", "-i", ids["deferred"])
        assert r.returncode == 0, r.stderr
        assert _read_fifo(fd) == b"FD"
    finally:
        os.close(fd)
    # qmgr retries a deferred file once its time stamp is not in the future.
    assert path.stat().st_mtime <= time.time() + 1


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ABC/DEF", "", "x" * 40])
def test_bad_queue_id_is_refused(qinst, bad):
    r = qinst.run("postqueue", "-i", bad)
    assert r.returncode != 0
    assert "bad mail queue ID" in r.stderr


def test_usage(qinst):
    r = qinst.run("postqueue", "-p", "-f")
    assert r.returncode != 0 and "usage" in r.stderr
    r = qinst.run("postqueue", "-s", "example.org")
    assert r.returncode == 69 and "fast flush" in r.stderr

