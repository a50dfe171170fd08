"""postsuper(1): -d, -h, -H, -r (by ID, from standard input, ALL, per
queue), -s and -p, on an instance without qmgr and pickup so that files
stay where the tests put them."""
import json
import os
import shutil
import re
import smtplib
import stat
import subprocess
import time

import pytest

from conftest import wait_for
from postern_test_util import (content_lines, decode_records, maillog,
                               queued_id, start_instance, wait_log)
from test_postqueue import make_queue, qinst, qpath, submit

assert qinst  # the fixture, imported for this module's tests


def said(r):
    """stderr lines, without warnings about main.cf itself."""
    return [ln for ln in r.stderr.splitlines() if "main.cf, line" not in ln]


def listing(inst):
    r = inst.run("postqueue", "-j")
    assert r.returncode == 0, r.stderr
    return {m["queue_id"]: m["queue_name"]
            for m in map(json.loads, r.stdout.splitlines())}


def test_delete_one_message_and_its_logs(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    qid = ids["deferred"]
    log = qpath(qinst.queue_dir, "defer", qid)
    assert log.exists()
    r = qinst.run("postsuper", "-d", qid)
    assert r.returncode == 0, r.stderr
    assert said(r) == [f"postsuper: {qid}: removed",
                                     "postsuper: Deleted: 1 message"]
    assert not qpath(qinst.queue_dir, "deferred", qid).exists()
    assert not log.exists()
    assert qid not in listing(qinst)
    assert len(listing(qinst)) == 3
    wait_log(qinst, "postsuper[")
    wait_log(qinst, f"{qid}: removed")


def test_delete_ids_from_standard_input(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    text = f"{ids['active']}\n../../etc/passwd\n\n{ids['hold']}\n"
    r = qinst.run("postsuper", "-d", "-", input=text)
    assert r.returncode == 0, r.stderr
    assert "postsuper: warning: invalid mail queue id: ../../etc/passwd" \
        in r.stderr
    assert "postsuper: Deleted: 2 messages" in r.stderr
    assert sorted(listing(qinst).values()) == ["deferred", "incoming"]


def test_delete_all_and_all_in_one_queue(qinst):
    make_queue(qinst.port("smtp"), qinst.queue_dir)
    r = qinst.run("postsuper", "-d", "ALL", "deferred")
    assert r.returncode == 0, r.stderr
    # No line per message with ALL, as Postfix.
    assert said(r) == ["postsuper: Deleted: 1 message"]
    assert sorted(listing(qinst).values()) == ["active", "hold", "incoming"]
    r = qinst.run("postsuper", "-d", "ALL")
    assert said(r) == ["postsuper: Deleted: 3 messages"]
    assert listing(qinst) == {}
    assert qinst.run("postqueue", "-p").stdout == "Mail queue is empty\n"


def test_bad_ids_and_queue_names_are_refused(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    for bad in ("../incoming/" + ids["incoming"], "all", "ABC DEF"):
        r = qinst.run("postsuper", "-d", bad)
        assert r.returncode == 0
        assert f"warning: invalid mail queue id: {bad}" in r.stderr
        assert "Deleted: 0 messages" in r.stderr
    r = qinst.run("postsuper", "-d", ids["incoming"], "bogus")
    assert r.returncode == 1
    assert "postsuper: fatal: invalid directory name: bogus" in r.stderr
    assert len(listing(qinst)) == 4


def test_delete_in_named_queue_only(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    r = qinst.run("postsuper", "-d", ids["hold"], "deferred")
    assert "Deleted: 0 messages" in r.stderr
    assert listing(qinst)[ids["hold"]] == "hold"


def test_hold_and_release(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    qid = ids["incoming"]
    r = qinst.run("postsuper", "-h", qid)
    assert r.returncode == 0, r.stderr
    assert said(r) == [f"postsuper: {qid}: placed on hold",
                                     "postsuper: Placed on hold: 1 message"]
    assert qpath(qinst.queue_dir, "hold", qid).exists()
    assert qinst.run("postqueue", "-p").stdout.count("!") == 2
    r = qinst.run("postsuper", "-H", qid)
    assert said(r) == [
        f"postsuper: {qid}: released from hold",
        "postsuper: Released from hold: 1 message"]
    # Released mail goes to the (hashed) deferred queue, as with Postfix.
    assert qpath(qinst.queue_dir, "deferred", qid).exists()
    r = qinst.run("postsuper", "-h", "ALL")
    assert said(r) == ["postsuper: Placed on hold: 3 messages"]
    assert set(listing(qinst).values()) == {"hold"}
    r = qinst.run("postsuper", "-H", "ALL")
    assert said(r) == ["postsuper: Released from hold: 4 messages"]
    assert set(listing(qinst).values()) == {"deferred"}


def test_requeue_moves_to_maildrop_and_drops_logs(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    qid = ids["deferred"]
    r = qinst.run("postsuper", "-r", qid)
    assert r.returncode == 0, r.stderr
    assert said(r) == [f"postsuper: {qid}: requeued",
                                     "postsuper: Requeued: 1 message"]
    assert qpath(qinst.queue_dir, "maildrop", qid).exists()
    assert not qpath(qinst.queue_dir, "defer", qid).exists()
    assert listing(qinst)[qid] == "maildrop"
    r = qinst.run("postsuper", "-r", "ALL")
    assert said(r) == ["postsuper: Requeued: 3 messages"]
    assert set(listing(qinst).values()) == {"maildrop"}


def test_message_that_vanished_is_not_counted(qinst):
    qid = submit(qinst.port("smtp"), "s@example.com", ["r@example.org"])
    os.unlink(qpath(qinst.queue_dir, "incoming", qid))
    for op in ("-d", "-h", "-r"):
        r = qinst.run("postsuper", op, qid)
        assert r.returncode == 0, r.stderr
        assert ": 0 messages" in r.stderr


def test_symlink_is_not_followed(qinst, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    qid = submit(qinst.port("smtp"), "s@example.com", ["r@example.org"])
    path = qpath(qinst.queue_dir, "incoming", qid)
    os.unlink(path)
    os.symlink(victim, path)
    r = qinst.run("postsuper", "-h", qid)
    assert r.returncode == 0, r.stderr
    # The link itself moves (rename never follows it); the target stays.
    assert victim.read_text() == "keep me"
    assert os.path.islink(qpath(qinst.queue_dir, "hold", qid))
    r = qinst.run("postsuper", "-d", qid)
    assert victim.read_text() == "keep me"


def test_structure_check_moves_misplaced_files(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    qid = ids["deferred"]
    right = qpath(qinst.queue_dir, "deferred", qid)
    wrong = qinst.queue_dir / "deferred" / qid
    os.rename(right, wrong)
    # A hash directory that hash_queue_depth = 1 does not use.
    deep = right.parent / "0"
    deep.mkdir()
    # Temporary files a crashed cleanup left behind: old and new.
    old = qinst.queue_dir / "incoming" / "cleanup.123.4"
    new = qinst.queue_dir / "incoming" / "cleanup.123.5"
    for p in (old, new):
        p.write_text("")
    past = time.time() - 2 * 86400
    os.utime(old, (past, past))
    r = qinst.run("postsuper", "-s")
    assert r.returncode == 0, r.stderr
    assert right.exists() and not wrong.exists()
    assert f"{qid}: moved to deferred/{qid[0]}/{qid}" in r.stderr
    assert not deep.exists()
    assert not old.exists() and new.exists()
    assert listing(qinst)[qid] == "deferred"


def test_reserved_for_the_queue_owner(qinst):
    if os.getuid() != 0:
        pytest.skip("needs another user than the queue owner")
    # A copy inside the instance: nobody may not reach the installed
    # prefix (CI builds in a 0700 directory).
    postsuper = qinst.root / "postsuper-copy"
    shutil.copy(qinst.postern.sbin("postsuper"), postsuper)
    postsuper.chmod(0o755)
    r = subprocess.run([str(postsuper), "-d", "ALL"],
                       capture_output=True, text=True, user="nobody",
                       env={"MAIL_CONFIG": str(qinst.config_dir)})
    assert r.returncode == 1
    assert "use of this command is reserved for the superuser" in r.stderr


def test_root_acts_as_mail_owner(qinst):
    """Files postsuper creates (hash directories) belong to mail_owner."""
    if os.getuid() != 0:
        pytest.skip("needs root")
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    deferred = qinst.queue_dir / "deferred"
    for d in deferred.iterdir():
        for f in d.iterdir():
            os.rename(f, qinst.queue_dir / "hold" / f.name)
        d.rmdir()
    r = qinst.run("postsuper", "-H", ids["deferred"])
    assert r.returncode == 0, r.stderr
    hashdir = qpath(qinst.queue_dir, "deferred", ids["deferred"]).parent
    assert hashdir.stat().st_uid == deferred.stat().st_uid != 0
    # The defer log stays with a released message.
    assert qpath(qinst.queue_dir, "defer", ids["deferred"]).exists()


# ---- requeue through pickup(8) ---------------------------------------------

@pytest.fixture
def pinst(instance):
    """A running instance with pickup but without qmgr: requeued mail
    comes back to incoming/ and stays there."""
    text = (instance.config_dir / "master.cf").read_text()
    keep = [ln for ln in text.splitlines() if not re.match(r"qmgr\s", ln)]
    instance.write_master_cf("\n".join(keep) + "\n")
    start_instance(instance)
    yield instance
    instance.run("postfix", "stop")


def complete_file(inst, qid):
    """The path of the complete (mode 0700) queue file qid in incoming/."""
    def ready():
        p = inst.queue_dir / "incoming" / qid
        try:
            return p if stat.S_IMODE(p.stat().st_mode) == 0o700 else None
        except FileNotFoundError:
            return None
    return wait_for(ready, 20, what=f"queue file incoming/{qid}")


def record_offsets(data):
    """[(offset, type letter, data)] of a queue-file image."""
    out = []
    i = 0
    while i < len(data):
        start = i
        i += 1
        length = shift = 0
        while True:
            b = data[i]
            i += 1
            length |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        out.append((start, chr(data[start]), data[i:i + length]))
        i += length
    return out


def requeued_as(inst, old):
    """pickup's "NEW: uid=N from=<...> orig_id=OLD" line: NEW."""
    pattern = re.compile(r"pickup\[\d+\]: ([0-9A-Za-z]+): uid=(\d+) "
                         r"from=<[^>]*> orig_id=" + old + r"$", re.M)

    def found():
        m = pattern.search(maillog(inst))
        return m.group(1) if m else None
    return wait_for(found, 20, what=f"pickup to requeue {old}")


def dsn_submit(port):
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.ehlo("client.test")
        code, msg = s.mail("sender@example.com", ["RET=HDRS", "ENVID=env-42"])
        assert code == 250, msg
        for rcpt, opts in (
                ("one@example.org", ["NOTIFY=SUCCESS,FAILURE",
                                     "ORCPT=rfc822;orig-one@example.org"]),
                ("two@example.org", ["NOTIFY=NEVER"]),
                ("three@example.org", [])):
            code, msg = s.rcpt(rcpt, opts)
            assert code == 250, msg
        code, msg = s.data("From: sender@example.com\r\n"
                           "Subject: requeue me\r\n\r\nline 1\r\n"
                           + "x" * 3000 + "\r\n")
        assert code == 250, msg
        return queued_id(msg.decode())


def without_own(records):
    """What pickup should carry over: all but cleanup's SIZE and TIME."""
    return [(t, d) for t, d in records if t not in ("C", "T")]


def test_requeue_gives_new_id_with_same_envelope_and_content(pinst):
    qid = dsn_submit(pinst.port("smtp"))
    path = complete_file(pinst, qid)
    before = decode_records(path.read_bytes())
    assert [d for t, d in before if t == "n"] == [b"SUCCESS,FAILURE",
                                                  b"NEVER"]
    r = pinst.run("postsuper", "-r", qid)
    assert r.returncode == 0, r.stderr
    new = requeued_as(pinst, qid)
    assert new != qid
    after = decode_records(complete_file(pinst, new).read_bytes())
    assert after[0][0] == "C" and after[1][0] == "T"
    assert without_own(after) == without_own(before)
    assert content_lines(after) == content_lines(before)
    assert not any(b"Received: by" in ln and b"from userid" in ln
                   for ln in content_lines(after))
    assert not (pinst.queue_dir / "incoming" / qid).exists()
    assert list((pinst.queue_dir / "maildrop").iterdir()) == []
    assert list((pinst.queue_dir / "corrupt").iterdir()) == []
    assert "forged or malformed" not in maillog(pinst)


def test_requeue_drops_delivered_recipient_and_its_details(pinst):
    qid = dsn_submit(pinst.port("smtp"))
    path = complete_file(pinst, qid)
    data = bytearray(path.read_bytes())
    recs = record_offsets(bytes(data))
    # Mark one@example.org delivered, as qmgr does: R becomes D in place.
    off = [o for o, t, d in recs if t == "R" and d == b"one@example.org"]
    assert len(off) == 1
    with open(path, "r+b") as f:
        f.seek(off[0])
        f.write(b"D")
    r = pinst.run("postsuper", "-r", qid)
    assert r.returncode == 0, r.stderr
    after = decode_records(
        complete_file(pinst, requeued_as(pinst, qid)).read_bytes())
    assert [d for t, d in after if t == "R"] == [b"two@example.org",
                                                 b"three@example.org"]
    assert not any(t == "D" for t, d in after)
    # one@'s ORCPT, DSN_ORCPT and NOTIFY went with it; two@'s stayed.
    assert [d for t, d in after if t == "n"] == [b"NEVER"]
    assert not any(b"orig-one" in d for t, d in after)
    assert [d for t, d in after if t == "i"] == [b"env-42"]
    assert [d for t, d in after if t == "r"] == [b"HDRS"]
    assert list((pinst.queue_dir / "corrupt").iterdir()) == []


def test_malformed_requeued_file_goes_to_corrupt(pinst):
    qid = submit(pinst.port("smtp"), "bad@example.com", ["r@example.org"])
    path = complete_file(pinst, qid)
    data = path.read_bytes()
    last = record_offsets(data)[-1]
    assert last[1] == "E"
    with open(path, "r+b") as f:
        f.truncate(last[0])
    r = pinst.run("postsuper", "-r", qid)
    assert r.returncode == 0, r.stderr
    wait_for(lambda: (pinst.queue_dir / "corrupt" / qid).exists(), 20,
             what="the file in corrupt/")
    wait_log(pinst, f"{qid}: uid=")
    assert "forged or malformed maildrop file" in maillog(pinst)
    assert "from=<bad@example.com>" not in maillog(pinst)


def test_requeue_keeps_extracted_recipients(pinst):
    """sendmail -t recipients live after the content; they come back."""
    r = subprocess.run(
        [str(pinst.postern.sbin("sendmail")), "-C", str(pinst.config_dir),
         "-t", "-f", "ext@example.com"],
        input=b"To: to@example.org\nCc: cc@example.org\nSubject: t\n\nbody\n",
        capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    qid = wait_for(lambda: re.search(
        r"pickup\[\d+\]: ([0-9A-Za-z]+): uid=\d+ from=<ext@example\.com>$",
        maillog(pinst), re.M), 20, what="pickup").group(1)
    before = decode_records(complete_file(pinst, qid).read_bytes())
    tail = before[[t for t, d in before].index("X"):]
    assert [d for t, d in tail if t == "R"] == [b"to@example.org",
                                                b"cc@example.org"]
    r = pinst.run("postsuper", "-r", qid)
    assert r.returncode == 0, r.stderr
    after = decode_records(
        complete_file(pinst, requeued_as(pinst, qid)).read_bytes())
    assert without_own(after) == without_own(before)
    assert list((pinst.queue_dir / "corrupt").iterdir()) == []
