"""postcat(1): -q ID in any queue, -e/-h/-b sections, -o offsets, and
refusal of anything that is not a queue ID."""
import re
import time

import pytest

from test_postqueue import make_queue, qinst, qpath, submit

assert qinst  # the fixture, imported for this module's tests

BODY = ("Subject: postcat test\r\nX-Long: a\r\n folded\r\n\r\n"
        "first body line\r\nSubject: not a header\r\n")


@pytest.fixture
def msg(qinst):
    qid = submit(qinst.port("smtp"), "alice@example.com",
                 ["bob@example.org", "carol@example.net"], BODY)
    return qinst, qid


def test_whole_file(msg):
    inst, qid = msg
    r = inst.run("postcat", "-q", qid)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    name = f"incoming/{qid}"
    marks = [ln for ln in out if ln.startswith("***")]
    assert marks == [f"*** ENVELOPE RECORDS {name} ***",
                     f"*** MESSAGE CONTENTS {name} ***",
                     f"*** HEADER EXTRACTED {name} ***",
                     f"*** MESSAGE FILE END {name} ***"]
    env = out[1:out.index(f"*** MESSAGE CONTENTS {name} ***")]
    assert re.fullmatch(r"message_size: +\d+ +\d+ +2", env[0])
    stamp = time.strftime("%a %b %e", time.localtime())
    assert env[1].startswith(f"message_arrival_time: {stamp} ")
    assert "sender: alice@example.com" in env
    assert env.index("recipient: bob@example.org") < \
        env.index("recipient: carol@example.net")
    content = out[out.index(f"*** MESSAGE CONTENTS {name} ***") + 1:
                  out.index(f"*** HEADER EXTRACTED {name} ***")]
    assert content[content.index("X-Long: a") + 1] == " folded"
    assert content[-3:] == ["", "first body line", "Subject: not a header"]


def test_sections(msg):
    inst, qid = msg
    head = inst.run("postcat", "-h", "-q", qid).stdout.splitlines()
    body = inst.run("postcat", "-bq", qid).stdout.splitlines()
    both = inst.run("postcat", "-hbq", qid).stdout.splitlines()
    env = inst.run("postcat", "-eq", qid).stdout.splitlines()
    assert "Subject: postcat test" in head
    assert head[head.index("X-Long: a") + 1] == " folded"
    assert "" not in head and "first body line" not in head
    assert body == ["", "first body line", "Subject: not a header"]
    assert both == head + body
    assert not any(ln.startswith("***") for ln in head + body)
    assert "sender: alice@example.com" in env
    assert env[-3:] == [f"*** MESSAGE CONTENTS incoming/{qid} ***",
                        f"*** HEADER EXTRACTED incoming/{qid} ***",
                        f"*** MESSAGE FILE END incoming/{qid} ***"]
    assert "first body line" not in env


def test_offsets(msg):
    inst, qid = msg
    out = inst.run("postcat", "-o", "-e", "-q", qid).stdout.splitlines()
    assert re.fullmatch(r" {8}0 message_size: .*", out[1])
    offsets = [int(ln[:9]) for ln in out if not ln.startswith("***")]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)


def test_every_queue_is_searched(qinst):
    ids = make_queue(qinst.port("smtp"), qinst.queue_dir)
    for queue, qid in ids.items():
        r = qinst.run("postcat", "-eq", qid)
        assert r.returncode == 0, r.stderr
        name = str(qpath(qinst.queue_dir, queue, qid)
                   .relative_to(qinst.queue_dir))
        assert r.stdout.startswith(f"*** ENVELOPE RECORDS {name} ***\n")
    assert f"deferred/{ids['deferred'][0]}/" in \
        qinst.run("postcat", "-eq", ids["deferred"]).stdout


def test_file_argument_and_stdin(msg):
    inst, qid = msg
    path = qpath(inst.queue_dir, "incoming", qid)
    r = inst.run("postcat", "-e", str(path))
    assert r.stdout.startswith(f"*** ENVELOPE RECORDS {path} ***\n")
    r = inst.run("postcat", "-e", input=path.read_bytes().decode("latin-1"))
    assert r.stdout.startswith("*** ENVELOPE RECORDS stdin ***\n")


@pytest.mark.parametrize("bad", ["../../../etc/passwd", "x/y", "ABC.DEF",
                                 "-", ""])
def test_invalid_ids_are_refused(qinst, bad):
    r = qinst.run("postcat", "-q", bad)
    assert r.returncode == 1
    assert f"postcat: fatal: bad mail queue ID: {bad}" in r.stderr
    assert r.stdout == ""


def test_missing_message(qinst):
    r = qinst.run("postcat", "-q", "ABCDE1")
    assert r.returncode == 1
    assert "open queue file ABCDE1: No such file or directory" in r.stderr


def test_damaged_file_is_reported(msg, tmp_path):
    inst, qid = msg
    data = qpath(inst.queue_dir, "incoming", qid).read_bytes()
    cut = tmp_path / "cut"
    cut.write_bytes(data[:len(data) // 2])
    r = inst.run("postcat", str(cut))
    assert r.returncode == 1
    assert f"postcat: warning: {cut}:" in r.stderr
    assert "*** ENVELOPE RECORDS" in r.stdout
