"""Local submission: sendmail(1) -> postdrop(1) -> maildrop/ -> pickup(8)
-> cleanup(8) -> incoming/.

The instance runs without qmgr, so that every message stays in incoming/
where the test reads its queue file; pickup and cleanup run under master.
"""
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess

import pytest

from conftest import wait_for
from postern_test_util import (attrs, content_lines, decode_records,
                               find_queue_file, maillog, start_instance,
                               wait_log_re)


def no_qmgr(inst):
    """master.cf without qmgr: queued mail stays in incoming/."""
    lines = []
    skip = False
    for line in (inst.config_dir / "master.cf").read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            skip = line.split()[0] == "qmgr"
        if not skip:
            lines.append(line)
    inst.write_master_cf("\n".join(lines) + "\n")


@pytest.fixture
def running(instance):
    no_qmgr(instance)
    instance.append_main_cf("local_recipient_maps =")
    start_instance(instance)
    yield instance
    instance.run("postfix", "stop")
    print("maillog (last 60 lines):\n" +
          "\n".join(maillog(instance).splitlines()[-60:]))


def sendmail(inst, *args, input="Subject: test\n\nbody\n", env=None,
             via_env=False, **kw):
    """Run sendmail with -C (default) or MAIL_CONFIG only."""
    argv = [inst.postern.sbin("sendmail")]
    if not via_env:
        argv += ["-C", str(inst.config_dir)]
    argv += list(args)
    e = dict(os.environ, MAIL_CONFIG=str(inst.config_dir))
    if not via_env:
        e.pop("MAIL_CONFIG")
    if env:
        e.update(env)
    return subprocess.run([str(a) for a in argv], input=input.encode()
                          if isinstance(input, str) else input,
                          capture_output=True, env=e, timeout=60, **kw)


def picked_up(inst, sender, seen=()):
    """Wait for pickup's "ID: uid=N from=<sender>" line; (id, uid)."""
    pattern = re.compile(r"pickup\[\d+\]: ([0-9A-Za-z]+): uid=(\d+) "
                         r"from=<" + re.escape(sender) + ">")

    def found():
        for line in maillog(inst).splitlines():
            m = pattern.search(line)
            if m and m.group(1) not in seen:
                return m.group(1), int(m.group(2))
        return None
    return wait_for(found, 20, what=f"pickup to log from=<{sender}>")


def queued(inst, qid):
    """The records of a complete queue file, wherever it is now."""
    def complete():
        path = find_queue_file(inst, qid)
        if path is None or "maildrop" in path.parts:
            return None
        if stat.S_IMODE(path.stat().st_mode) != 0o700:
            return None
        return path
    path = wait_for(complete, 20, what=f"queue file {qid}")
    return decode_records(path.read_bytes())


def envelope(records, rtype):
    out = []
    for t, data in records:
        if t == "M":
            break
        if t == rtype:
            out.append(data.decode())
    return out


def recipients(records):
    return [d.decode() for t, d in records if t == "R"]


def maildrop_files(inst):
    d = inst.queue_dir / "maildrop"
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_sendmail_with_C_queues_sender_and_recipient(running):
    r = sendmail(running, "-f", "a@b.example", "c@d.example")
    assert r.returncode == 0, r.stderr
    qid, uid = picked_up(running, "a@b.example")
    assert uid == os.getuid()
    recs = queued(running, qid)
    assert envelope(recs, "S") == ["a@b.example"]
    assert recipients(recs) == ["c@d.example"]
    assert attrs(recs)["rewrite_context"] == "local"
    lines = content_lines(recs)
    # pickup's Received: header comes first, then the message.
    assert lines[0].startswith(b"Received: by postern.test (postern, from "
                               b"userid %d)" % os.getuid())
    assert lines[1].startswith(b"\tid " + qid.encode() + b"; ")
    assert b"Subject: test" in lines
    assert lines[-1] == b"body"
    assert maildrop_files(running) == []


def test_mail_config_environment_and_default_sender(running):
    r = sendmail(running, "c@d.example", via_env=True)
    assert r.returncode == 0, r.stderr
    login = pwd.getpwuid(os.getuid()).pw_name
    qid, _ = picked_up(running, login)
    recs = queued(running, qid)
    # A bare login name, qualified later (trivial-rewrite) or as it is.
    assert envelope(recs, "S")[0] in (login, f"{login}@postern.test") or \
        envelope(recs, "S")[0].startswith(login + "@")
    assert recipients(recs)[0].startswith("c@d.example")


def test_lone_dot_ends_message_unless_i(running):
    msg = "Subject: dots\n\nbefore\n.\nafter\n"
    assert sendmail(running, "-f", "dot1@x.example", "r@y.example",
                    input=msg).returncode == 0
    assert sendmail(running, "-f", "dot2@x.example", "-i", "r@y.example",
                    input=msg).returncode == 0
    assert sendmail(running, "-f", "dot3@x.example", "-oi", "r@y.example",
                    input=msg).returncode == 0
    first = content_lines(queued(running,
                                 picked_up(running, "dot1@x.example")[0]))
    assert first[-1] == b"before" and b"after" not in first
    for sender in ("dot2@x.example", "dot3@x.example"):
        lines = content_lines(queued(running, picked_up(running, sender)[0]))
        assert lines[-3:] == [b"before", b".", b"after"]


def test_crlf_input_and_long_lines(running):
    long = "x" * 5000
    msg = f"Subject: crlf\r\n\r\n{long}\r\nend\r\n"
    assert sendmail(running, "-f", "crlf@x.example", "r@y.example",
                    input=msg).returncode == 0
    lines = content_lines(queued(running,
                                 picked_up(running, "crlf@x.example")[0]))
    assert lines[-2:] == [long.encode(), b"end"]
    assert b"Subject: crlf" in lines


def test_dsn_options_become_dsn_records(running):
    r = sendmail(running, "-f", "dsn@x.example", "-N", "success,delay",
                 "-R", "hdrs", "-V", "env-42", "r1@y.example", "r2@y.example")
    assert r.returncode == 0, r.stderr
    recs = queued(running, picked_up(running, "dsn@x.example")[0])
    assert envelope(recs, "i") == ["env-42"]
    assert envelope(recs, "r") == ["HDRS"]
    assert envelope(recs, "n") == ["SUCCESS,DELAY", "SUCCESS,DELAY"]
    assert recipients(recs) == ["r1@y.example", "r2@y.example"]


def test_t_extracts_recipients_and_removes_bcc(running):
    msg = ("From: me@x.example\nTo: Tom <to@y.example>\n"
           "Cc: cc@y.example\nBcc: hidden@y.example\nSubject: t\n\nbody\n")
    r = sendmail(running, "-f", "t@x.example", "-t", input=msg)
    assert r.returncode == 0, r.stderr
    recs = queued(running, picked_up(running, "t@x.example")[0])
    assert sorted(recipients(recs)) == ["cc@y.example", "hidden@y.example",
                                        "to@y.example"]
    lines = content_lines(recs)
    assert not any(line.lower().startswith(b"bcc:") for line in lines)


def test_full_name_goes_into_from_header_when_missing(running):
    r = sendmail(running, "-f", "fn@x.example", "-F", "Fiona Name",
                 "r@y.example", input="Subject: no from\n\nbody\n")
    assert r.returncode == 0, r.stderr
    recs = queued(running, picked_up(running, "fn@x.example")[0])
    assert attrs(recs).get("full_name") == "Fiona Name"


def test_no_recipients_is_a_usage_error(instance):
    r = sendmail(instance, "-f", "a@b.example")
    assert r.returncode == 64
    assert b"no recipient" in r.stderr


def test_unknown_option_is_a_usage_error_ignored_ones_are_not(running):
    r = sendmail(running, "-Z", "r@y.example")
    assert r.returncode == 64 and b"invalid option" in r.stderr
    r = sendmail(running, "-f", "ign@x.example", "-oem", "-odi", "-om",
                 "-Am", "-G", "-U", "r@y.example")
    assert r.returncode == 0, r.stderr
    picked_up(running, "ign@x.example")


def test_bs_runs_an_smtp_session_on_stdin(running):
    p = subprocess.Popen([str(running.postern.sbin("sendmail")), "-C",
                          str(running.config_dir), "-bs"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        def reply():
            lines = []
            while True:
                line = p.stdout.readline().decode()
                assert line, "smtpd closed: " + "".join(lines)
                lines.append(line)
                if line[3:4] != "-":
                    return "".join(lines)

        def cmd(text):
            p.stdin.write(text.encode() + b"\r\n")
            p.stdin.flush()
            return reply()
        assert reply().startswith("220 ")
        assert cmd("HELO me").startswith("250")
        assert cmd("MAIL FROM:<bs@x.example>").startswith("250")
        assert cmd("RCPT TO:<r@y.example>").startswith("250")
        assert cmd("DATA").startswith("354")
        done = cmd("Subject: bs\r\n\r\nhi\r\n.")
        m = re.search(r"250 2\.0\.0 Ok: queued as (\S+)", done)
        assert m, done
        assert cmd("QUIT").startswith("221")
        assert p.wait(timeout=30) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    recs = queued(running, m.group(1))
    assert envelope(recs, "S") == ["bs@x.example"]
    assert recipients(recs) == ["r@y.example"]


def test_mailq_and_bp_run_postqueue(running):
    a = running.run("postqueue", "-p")
    b = sendmail(running, "-bp")
    mailq = subprocess.run([str(running.postern.sbin("mailq"))],
                           capture_output=True, timeout=60,
                           env=dict(os.environ,
                                    MAIL_CONFIG=str(running.config_dir)))
    assert b.returncode == a.returncode == mailq.returncode
    assert b.stdout.decode() == a.stdout == mailq.stdout.decode()


def test_newaliases_builds_alias_database(instance):
    aliases = instance.root / "aliases"
    aliases.write_text("postmaster: root\nfoo: bar\n")
    instance.append_main_cf(f"alias_database = hash:{aliases}\n"
                            f"alias_maps = hash:{aliases}\n")
    r = subprocess.run([str(instance.postern.sbin("newaliases"))],
                       capture_output=True, timeout=60,
                       env=dict(os.environ,
                                MAIL_CONFIG=str(instance.config_dir)))
    assert r.returncode == 0, r.stderr
    assert (instance.root / "aliases.db").exists()
    q = instance.run("postalias", "-q", "foo", f"hash:{aliases}")
    assert q.stdout.strip() == "bar"
    other = instance.root / "other"
    other.write_text("x: y\n")
    r = sendmail(instance, "-bi", f"-oAhash:{other}")
    assert r.returncode == 0, r.stderr
    assert (instance.root / "other.db").exists()


def test_postdrop_without_maildrop_directory_says_so(instance):
    r = sendmail(instance, "-f", "a@b.example", "r@y.example")
    assert r.returncode == 75
    assert b"maildrop" in r.stderr and b"postfix start" in r.stderr


def record(rtype, data):
    data = data.encode() if isinstance(data, str) else data
    out = bytearray(rtype.encode())
    n = len(data)
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            break
    return bytes(out) + data


def good_records(sender="forge@x.example"):
    return [("S", sender), ("A", "rewrite_context=local"),
            ("R", "r@y.example"), ("M", ""), ("N", "Subject: f"),
            ("N", ""), ("N", "body"), ("X", ""), ("E", "")]


def encode(recs):
    return b"".join(record(t, d) for t, d in recs)


@pytest.mark.parametrize("name,recs", [
    ("time record", [("T", "1700000000.000000")] + good_records()),
    ("foreign attribute", [("S", "forge@x.example"),
                           ("A", "client_address=192.0.2.1")]
     + good_records()[2:]),
    ("missing end", good_records()[:-1]),
    ("wrong order", [("R", "r@y.example")] + good_records()[:2]
     + [("N", "early")] + good_records()[3:]),
])
def test_postdrop_refuses_bad_input_and_leaves_nothing(running, name, recs):
    r = subprocess.run([str(running.postern.sbin("postdrop")), "-c",
                        str(running.config_dir)], input=encode(recs),
                       capture_output=True, timeout=60)
    assert r.returncode == 75, (name, r.stderr)
    assert b"malformed input" in r.stderr
    assert maildrop_files(running) == []


def trigger_pickup(inst):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(inst.queue_dir / "public" / "pickup"))
        s.sendall(b"W")


def drop_file(inst, name, data, owner_uid=None):
    path = inst.queue_dir / "maildrop" / name
    path.write_bytes(data)
    path.chmod(0o744)
    if owner_uid is not None:
        os.chown(path, owner_uid, -1)
    return path


@pytest.mark.parametrize("name,make", [
    ("time record", lambda uid: [("A", f"uid={uid}"),
                                 ("T", "1700000000.000000")] + good_records()),
    ("done record", lambda uid: [("A", f"uid={uid}"),
                                 ("D", "done@y.example")] + good_records()),
    ("no uid", lambda uid: good_records()),
    ("uid not the owner", lambda uid: [("A", f"uid={uid + 1}")]
     + good_records()),
    ("missing end", lambda uid: [("A", f"uid={uid}")] + good_records()[:-1]),
    ("trailing garbage", lambda uid: [("A", f"uid={uid}")] + good_records()
     + [("N", "more")]),
])
def test_pickup_refuses_forged_maildrop_file(running, name, make):
    uid = os.getuid()
    qid = "ABCDE1234"
    path = drop_file(running, qid, encode(make(uid)))
    trigger_pickup(running)
    line = wait_log_re(running, rf"pickup\[\d+\]: warning: {qid}: uid={uid}: "
                       r"forged or malformed maildrop file", 20)
    assert "moved to corrupt/" + qid in line or "removed" in line
    # The warning may be written just before the file is moved.
    wait_for(lambda: not path.exists(), 10, what=f"{path} to be moved away")
    assert not re.search(r"from=<forge@x\.example>", maillog(running))


def test_pickup_accepts_a_well_formed_file_dropped_directly(running):
    uid = os.getuid()
    drop_file(running, "BCDEF5678",
              encode([("A", f"uid={uid}")] + good_records("ok@x.example")))
    trigger_pickup(running)
    recs = queued(running, picked_up(running, "ok@x.example")[0])
    assert recipients(recs) == ["r@y.example"]


def root_only():
    if os.getuid() != 0:
        pytest.skip("set-gid behaviour needs root to set up")
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody")


@pytest.fixture
def setgid_commands(instance):
    """A copy of sendmail and postdrop in the instance, made set-gid by
    postfix set-permissions."""
    root_only()
    bindir = instance.root / "sbin"
    bindir.mkdir()
    for name in ("sendmail", "postdrop"):
        shutil.copy(instance.postern.sbin(name), bindir / name)
    bindir.chmod(0o755)
    instance.append_main_cf(f"command_directory = {bindir}")
    no_qmgr(instance)
    instance.append_main_cf("local_recipient_maps =")
    r = instance.run("postfix", "set-permissions")
    assert r.returncode == 0, r.stderr
    st = (bindir / "postdrop").stat()
    assert st.st_mode & 0o7777 == 0o2755
    assert st.st_gid == __import__("grp").getgrnam(instance.group).gr_gid
    start_instance(instance)
    yield bindir
    instance.run("postfix", "stop")


def test_setgid_postdrop_refuses_unlisted_config_for_other_users(
        instance, setgid_commands):
    nobody = pwd.getpwnam("nobody")
    env = dict(os.environ, MAIL_CONFIG=str(instance.config_dir))
    r = subprocess.run([str(setgid_commands / "sendmail"), "-f",
                        "nobody@x.example", "r@y.example"],
                       input=b"Subject: x\n\nbody\n", capture_output=True,
                       env=env, timeout=60, user=nobody.pw_uid,
                       group=nobody.pw_gid, extra_groups=[])
    assert r.returncode == 75, r.stderr
    assert b"unauthorized configuration directory" in r.stderr
    assert maildrop_files(instance) == []


def test_setgid_postdrop_works_for_root_with_any_config(
        instance, setgid_commands):
    env = dict(os.environ, MAIL_CONFIG=str(instance.config_dir))
    r = subprocess.run([str(setgid_commands / "sendmail"), "-f",
                        "root-sg@x.example", "r@y.example"],
                       input=b"Subject: x\n\nbody\n", capture_output=True,
                       env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    qid, uid = picked_up(instance, "root-sg@x.example")
    assert uid == 0
    queued(instance, qid)
