"""Mail intake end to end (issue 3): `postfix start` runs an instance that
real SMTP clients submit to, every accepted message is a complete queue
file that survives SIGKILL of every process, daemons run with the right
privileges, Debian's stock master.cf is accepted, and `postfix stop`
leaves nothing behind.

The tests hold delivery (no qmgr in master.cf): accepted mail stays in
queue/incoming/QUEUEID.
Processes of an instance are found through /proc: MAIL_CONFIG=<config
dir> in the environment, the instance path in the command line, or
descent from the instance's master; a zombie counts as gone (PID 1 here
does not always reap)."""
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import POSTFIX_STOCK_MASTER, _run, wait_for
from postern_test_util import hold_delivery as util_hold_delivery
from postern_test_util import (content_lines, decode_records, describe,
                               instance_procs, master_pid, program,
                               read_or_none, still_alive)

SENDER = "a@postern.test"
RECIPIENT = "b@postern.test"
SMTP_SOURCE = Path("/usr/sbin/smtp-source")
QUEUED = re.compile(r"queued as ([0-9A-Za-z]+)")


# ---- queue files --------------------------------------------------------

def test_common_helpers_decode_records():
    # A NORMAL record of 300 bytes: 'N' 0xAC 0x02 + data (qfile.h).
    data = b"N\xac\x02" + b"x" * 300 + b"E\x00"
    assert decode_records(data) == [("N", b"x" * 300), ("E", b"")]
    assert content_lines([("M", b""), ("L", b"ab"), ("N", b"c"),
                          ("N", b""), ("X", b"")]) == [b"abc", b""]
    with pytest.raises(ValueError):
        decode_records(data[:-1] + b"\x05")


def incoming_files(inst):
    """{queue id: path} of every file under incoming/ (hashed or not)."""
    found = {}
    for dirpath, _, files in os.walk(inst.queue_dir / "incoming"):
        for f in files:
            found[f] = Path(dirpath) / f
    return found


def assert_complete(path):
    """The records of a queue file whose last record is an empty END."""
    data = path.read_bytes()
    recs = decode_records(data)
    assert recs, f"{path} is empty"
    assert recs[-1] == ("E", b""), \
        f"{path} does not end with an END record: last is {recs[-1]!r}"
    assert [t for t, _ in recs].count("E") == 1, f"{path}: END is not last"
    return recs


# ---- running an instance -------------------------------------------------

class Running:
    """Start/stop an instance through postfix -c DIR and remember every
    process seen, so that teardown can kill what stop left behind."""

    def __init__(self, inst, runas=None, sbin=None):
        self.inst = inst
        self.runas = runas      # argv prefix (setpriv ...) or None
        self.sbin = Path(sbin) if sbin else inst.postern.prefix / "sbin"
        self.seen = {}

    def postfix(self, *args, timeout=60, via_env=False):
        """Run postfix with -c DIR, or with MAIL_CONFIG=DIR (via_env)."""
        env = dict(os.environ)
        env.pop("MAIL_CONFIG", None)
        if via_env:
            env["MAIL_CONFIG"] = str(self.inst.config_dir)
            argv = [str(self.sbin / "postfix"), *args]
        else:
            argv = [str(self.sbin / "postfix"), "-c",
                    str(self.inst.config_dir), *args]
        if self.runas:
            argv = self.runas + argv
        return subprocess.run(argv, capture_output=True, text=True, env=env,
                              timeout=timeout)

    def log(self):
        return read_or_none(self.inst.maillog, "r") or ""

    def start(self):
        r = self.postfix("start")
        assert r.returncode == 0, \
            f"postfix start: exit {r.returncode}\n{r.stdout}{r.stderr}" \
            f"\nmaillog:\n{self.log()[-3000:]}"
        wait_for(self.banner, 20, what="the SMTP banner after postfix start")
        self.remember()
        return r

    def banner(self):
        try:
            with socket.create_connection(
                    ("127.0.0.1", self.inst.port("smtp")), timeout=5) as s:
                return s.recv(512).startswith(b"220")
        except OSError:
            return False

    def remember(self):
        procs = instance_procs(self.inst)
        self.seen.update(procs)
        return procs

    def stop(self):
        """postfix stop; asserts that no process of the instance is left
        once it returns."""
        self.remember()
        r = self.postfix("stop")
        assert r.returncode == 0, f"postfix stop: exit {r.returncode}\n" \
            f"{r.stdout}{r.stderr}"
        left = {**still_alive(self.seen), **instance_procs(self.inst)}
        assert not left, f"postfix stop returned with processes left: " \
            f"{describe(left)}"
        return r

    def kill_all(self):
        """SIGKILL every process of the instance, master first so that
        it respawns nothing; returns what was killed once all is gone."""
        killed = {}

        def kill_round():
            procs = {**self.remember(), **still_alive(self.seen)}
            masters = [pid for pid, p in procs.items()
                       if program(p) == "master"]
            for pid in masters + [p for p in procs if p not in masters]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            killed.update(procs)
            return not still_alive(killed) and not instance_procs(self.inst)
        wait_for(kill_round, 10, what="every process of the instance to die")
        return killed

    def cleanup(self):
        left = {**still_alive(self.seen), **instance_procs(self.inst)}
        if left:
            try:
                self.postfix("abort", timeout=20)
            except subprocess.TimeoutExpired:
                pass
            for pid in still_alive(left):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def hold_delivery(inst):
    """Held delivery (postern_test_util.hold_delivery); local recipients
    are not looked up: no user b exists here."""
    inst.append_main_cf("local_recipient_maps =")
    util_hold_delivery(inst)


@pytest.fixture
def running(instance):
    hold_delivery(instance)
    run = Running(instance)
    yield run
    run.cleanup()
    # pytest shows this only when the test failed.
    print("maillog (last 60 lines):\n" +
          "\n".join(run.log().splitlines()[-60:]))


def message(subject, body_lines, extra_headers=()):
    headers = [f"From: <{SENDER}>", f"To: <{RECIPIENT}>",
               f"Subject: {subject}",
               "Date: Thu, 1 Feb 2024 10:00:00 +0000",
               f"Message-ID: <{subject.replace(' ', '.')}@postern.test>",
               *extra_headers]
    return headers, list(body_lines)


def send(port, headers, body, sender=SENDER, rcpts=(RECIPIENT,), quit=True):
    """Submit with smtplib; returns (queue id, open SMTP object or None)."""
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    s.ehlo("client.postern.test")
    code, resp = s.mail(sender)
    assert code == 250, (code, resp)
    for r in rcpts:
        code, resp = s.rcpt(r)
        assert code == 250, (code, resp)
    code, resp = s.data("\r\n".join(headers + [""] + body) + "\r\n")
    assert code == 250, (code, resp)
    resp = resp.decode()
    assert resp.startswith("2.0.0"), resp
    m = QUEUED.search(resp)
    assert m, f"no queue ID in the 250 reply: {resp!r}"
    if quit:
        s.quit()
        return m.group(1), None
    return m.group(1), s


def wait_queue_file(inst, qid):
    return wait_for(lambda: incoming_files(inst).get(qid), 5,
                    what=f"queue file incoming/{qid}")


def check_message_file(path, headers, body, sender=SENDER,
                       rcpts=(RECIPIENT,)):
    recs = assert_complete(path)
    senders = [d for t, d in recs if t == "S"]
    assert senders == [sender.encode()], senders
    got = [d for t, d in recs if t == "R"]
    assert sorted(got) == sorted(r.encode() for r in rcpts), got
    lines = content_lines(recs)
    assert b"" in lines, f"no header/body separator in {lines[:20]!r}"
    sep = lines.index(b"")
    assert lines[sep + 1:] == [b.encode() for b in body], \
        "the body in the queue file differs from the body sent"
    for h in headers:
        if h.startswith(("Subject:", "X-")):
            assert h.encode() in lines[:sep], f"header {h!r} missing"
    return recs


# ---- 1. Done when: real clients submit, stop leaves nothing ------------

def test_postfix_start_accepts_smtplib_and_stop_leaves_no_process(running):
    inst = running.inst
    running.start()
    r = running.postfix("status")
    assert r.returncode == 0, f"status while running: {r.stdout}{r.stderr}"
    headers, body = message("smtplib e2e", ["hello from smtplib", "bye"])
    qid, _ = send(inst.port("smtp"), headers, body)
    check_message_file(wait_queue_file(inst, qid), headers, body)
    # A second client stays connected across stop: stop must still end
    # every process (the busy smtpd included) before it returns.
    idle = smtplib.SMTP("127.0.0.1", inst.port("smtp"), timeout=30)
    idle.ehlo("idle.postern.test")
    running.remember()
    assert any(program(p) == "smtpd" for p in running.seen.values()), \
        f"no smtpd among {describe(running.seen)}"
    running.stop()
    idle.close()
    r = running.postfix("status")
    assert r.returncode != 0, "postfix status exits 0 after stop"


def test_mail_config_environment_instead_of_c(running):
    inst = running.inst
    r = running.postfix("start", via_env=True)
    assert r.returncode == 0, f"MAIL_CONFIG start: {r.stdout}{r.stderr}"
    wait_for(running.banner, 20, what="the SMTP banner")
    running.remember()
    assert running.postfix("status", via_env=True).returncode == 0
    headers, body = message("mail config", ["via MAIL_CONFIG"])
    qid, _ = send(inst.port("smtp"), headers, body)
    check_message_file(wait_queue_file(inst, qid), headers, body)
    r = running.postfix("stop", via_env=True)
    assert r.returncode == 0, f"MAIL_CONFIG stop: {r.stdout}{r.stderr}"
    left = {**still_alive(running.seen), **instance_procs(inst)}
    assert not left, f"processes left after stop: {describe(left)}"
    assert running.postfix("status", via_env=True).returncode != 0


def test_swaks_submits_with_and_without_pipelining(running):
    swaks = shutil.which("swaks")
    if not swaks:
        pytest.skip("swaks is not installed (apt-get install swaks; it is "
                    "in packages.txt)")
    inst = running.inst
    running.start()
    qids = []
    for extra in ([], ["--pipeline"]):
        r = _run([swaks, "--server", f"127.0.0.1:{inst.port('smtp')}",
                  "--from", SENDER, "--to", RECIPIENT,
                  "--helo", "swaks.postern.test",
                  "--header", "Subject: swaks e2e",
                  "--body", "hello from swaks\n.dot line\nend", *extra],
                 timeout=60)
        assert r.returncode == 0, f"swaks {extra}: exit {r.returncode}\n" \
            f"{r.stdout}{r.stderr}"
        m = re.search(r"<[-~]+ +250[ -]2\.0\.0 .*queued as ([0-9A-Za-z]+)",
                      r.stdout)
        assert m, f"no 250 queued reply in swaks output:\n{r.stdout}"
        qids.append(m.group(1))
    assert len(set(qids)) == 2, qids
    for qid in qids:
        recs = assert_complete(wait_queue_file(inst, qid))
        lines = content_lines(recs)
        body = lines[lines.index(b"") + 1:]
        while body and body[-1] == b"":
            body.pop()      # swaks ends the body with an empty line
        assert body == [b"hello from swaks", b".dot line", b"end"], body
        assert [d for t, d in recs if t == "R"] == [RECIPIENT.encode()]
    running.stop()


def test_smtp_source_parallel_sessions_all_queued(running):
    if not SMTP_SOURCE.exists():
        pytest.skip("Debian's smtp-source is not installed (apt-get install "
                    "postfix)")
    inst = running.inst
    running.start()
    r = _run([SMTP_SOURCE, "-s", "5", "-m", "20", "-c", "-f", SENDER,
              "-t", RECIPIENT, f"127.0.0.1:{inst.port('smtp')}"], timeout=120)
    assert r.returncode == 0 and not r.stderr.strip(), \
        f"smtp-source: exit {r.returncode}\n{r.stdout}{r.stderr}"
    files = incoming_files(inst)
    assert len(files) == 20, f"{len(files)} queue files for 20 messages"
    for path in files.values():
        recs = assert_complete(path)
        assert [d for t, d in recs if t == "S"] == [SENDER.encode()]
        assert [d for t, d in recs if t == "R"] == [RECIPIENT.encode()]
    # The same client, one connection for all messages (-d).
    r = _run([SMTP_SOURCE, "-d", "-s", "2", "-m", "10", "-f", SENDER,
              "-t", RECIPIENT, f"127.0.0.1:{inst.port('smtp')}"], timeout=120)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    assert len(incoming_files(inst)) == 30
    wait_for(lambda: re.search(r"disconnect from \S+\[127\.0\.0\.1\]"
                               r".* commands=", running.log()), 10,
             what="a Postfix-shaped disconnect line in the maillog")
    running.stop()


# ---- 2. Durability: SIGKILL everything right after 250 -----------------

def test_queue_file_survives_sigkill_of_every_process(running):
    inst = running.inst
    running.start()
    body = ["first line of the body",
            ".a line that starts with a dot",
            "..two dots",
            "",
            "x" * 900,
            "tab\there and trailing spaces   ",
            "last line"]
    headers, body = message("durability", body, ["X-Test: kill -9"])
    qid, conn = send(inst.port("smtp"), headers, body, quit=False)
    killed = running.kill_all()
    conn.close()
    assert any(program(p) == "master" for p in killed.values()), \
        f"no master among the killed processes: {describe(killed)}"
    path = incoming_files(inst).get(qid)
    assert path, f"incoming/{qid} is missing after SIGKILL " \
        f"(incoming has {sorted(incoming_files(inst))})"
    check_message_file(path, headers, body)
    image = path.read_bytes()

    # Stale pid files do not count as a running instance.
    r = running.postfix("status")
    assert r.returncode != 0, "status says running after SIGKILL of all"
    running.start()
    headers2, body2 = message("after restart", ["second message"])
    qid2, _ = send(inst.port("smtp"), headers2, body2)
    assert qid2 != qid
    check_message_file(wait_queue_file(inst, qid2), headers2, body2)
    assert path.read_bytes() == image, "the first queue file changed"
    running.stop()
    assert path.read_bytes() == image


# ---- 3. Privileges --------------------------------------------------------

def open_session_with_message(inst):
    """Leave an SMTP session open after one message, so that an smtpd
    (and the cleanup it used) are alive; returns (qid, conn)."""
    headers, body = message("privileges", ["who am i"])
    return send(inst.port("smtp"), headers, body, quit=False)


def daemons_by_program(inst):
    procs = instance_procs(inst)
    by = {}
    for p in procs.values():
        by.setdefault(program(p), []).append(p)
    return procs, by


@pytest.mark.skipif(os.getuid() != 0, reason="needs root: daemons drop "
                    "from root to mail_owner")
def test_daemons_run_as_mail_owner_under_root(running):
    inst = running.inst
    pw = pwd.getpwnam("postfix")
    running.start()
    qid, conn = open_session_with_message(inst)
    try:
        procs, by = daemons_by_program(inst)
        running.seen.update(procs)
        for name in ("smtpd", "cleanup"):
            assert by.get(name), f"no {name} process: {describe(procs)}"
            for p in by[name]:
                assert p["exe"] == os.path.realpath(
                    inst.postern.libexec(name)), p["exe"]
                assert p["uids"] == [pw.pw_uid] * 4, \
                    f"{name} pid {p['pid']} uids {p['uids']}"
                assert p["gids"] == [pw.pw_gid] * 4, \
                    f"{name} pid {p['pid']} gids {p['gids']}"
                assert 0 not in p["groups"], \
                    f"{name} pid {p['pid']} kept root's group {p['groups']}"
        master = procs.get(master_pid(inst))
        assert master and program(master) == "master", \
            f"master.pid {master_pid(inst)} is no master: {describe(procs)}"
        for p in by["master"]:
            assert p["uids"][:2] == [0, 0], f"master runs as {p['uids']}"
        st = wait_queue_file(inst, qid).stat()
        assert (st.st_uid, st.st_mode & 0o077) == (pw.pw_uid, 0), \
            f"queue file owner {st.st_uid} mode {oct(st.st_mode)}"
    finally:
        conn.close()
    running.stop()


@pytest.mark.skipif(os.getuid() == 0, reason="the non-root case of a test "
                    "run as root is test_whole_instance_as_nobody")
def test_everything_runs_as_invoking_user(running):
    inst = running.inst
    running.start()
    qid, conn = open_session_with_message(inst)
    try:
        procs, by = daemons_by_program(inst)
        running.seen.update(procs)
        assert by.get("smtpd") and by.get("cleanup") and by.get("master"), \
            describe(procs)
        for p in procs.values():
            assert set(p["uids"]) == {os.getuid()}, describe({0: p})
        assert wait_queue_file(inst, qid).stat().st_uid == os.getuid()
    finally:
        conn.close()
    running.stop()


def nobody_can_run(path):
    """True when user nobody can traverse to and execute path."""
    r = _run(["setpriv", "--reuid=nobody", "--regid=nogroup",
              "--clear-groups", "test", "-x", str(path)])
    return r.returncode == 0


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to become nobody")
def test_whole_instance_as_nobody(instance):
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is not installed")
    inst = instance
    hold_delivery(inst)
    prefix = inst.postern.prefix
    main = (inst.config_dir / "main.cf").read_text()
    if not nobody_can_run(prefix / "sbin" / "postfix"):
        # A parent of the prefix is closed to other users (CI clones into
        # a 0700 directory): run a copy inside the instance instead.
        prefix = inst.root / "prefix"
        shutil.copytree(inst.postern.prefix, prefix, symlinks=True)
        main = re.sub(r"(?m)^daemon_directory = .*$",
                      f"daemon_directory = {prefix}/libexec/postern", main)
        main = re.sub(r"(?m)^command_directory = .*$",
                      f"command_directory = {prefix}/sbin", main)
    pw = pwd.getpwnam("nobody")
    main = re.sub(r"(?m)^mail_owner = .*$", "mail_owner = nobody", main)
    main = re.sub(r"(?m)^setgid_group = .*$", "setgid_group = nogroup", main)
    inst.write_main_cf(main + "\nlocal_recipient_maps =\n")
    for dirpath, dirs, files in os.walk(inst.root):
        for name in [dirpath] + [os.path.join(dirpath, f)
                                 for f in dirs + files]:
            os.lchown(name, pw.pw_uid, pw.pw_gid)
    run = Running(inst, runas=["setpriv", "--reuid=nobody",
                               "--regid=nogroup", "--clear-groups"],
                  sbin=prefix / "sbin")
    try:
        run.start()
        qid, conn = open_session_with_message(inst)
        try:
            procs, by = daemons_by_program(inst)
            run.seen.update(procs)
            assert by.get("smtpd") and by.get("cleanup") and \
                by.get("master"), describe(procs)
            for p in procs.values():
                assert set(p["uids"]) == {pw.pw_uid}, \
                    f"not running as nobody: {describe({p['pid']: p})}"
            assert wait_queue_file(inst, qid).stat().st_uid == pw.pw_uid
            check_message_file(incoming_files(inst)[qid],
                               *message("privileges", ["who am i"]))
        finally:
            conn.close()
        run.stop()
    finally:
        run.cleanup()
        print("maillog (last 60 lines):\n" +
              "\n".join(run.log().splitlines()[-60:]))


# ---- 4. Debian's stock master.cf ------------------------------------------

def stock_master_cf(inst):
    lines = []
    for line in POSTFIX_STOCK_MASTER.read_text().splitlines():
        words = line.split()
        if words[:2] == ["smtp", "inet"]:
            line = line.replace("smtp", f"127.0.0.1:{inst.port('smtp')}", 1)
            words = line.split()
        if os.getuid() != 0 and words and not line[0].isspace() and \
                not line.startswith("#") and len(words) >= 5:
            # chroot needs root: the chroot column becomes n.
            words[4] = "n"
            line = " ".join(words)
        lines.append(line)
    return "\n".join(lines) + "\n"


def missing_unix_service(inst):
    """(service, socket path, program) of a unix service of the stock
    master.cf whose program postern does not have, or None."""
    for line in (inst.config_dir / "master.cf").read_text().splitlines():
        words = line.split()
        if len(words) < 8 or line[0].isspace() or line.startswith("#"):
            continue
        service, stype, private, prog = words[0], words[1], words[2], words[7]
        if stype != "unix" or inst.postern.libexec(prog).exists():
            continue
        sub = "public" if private == "n" else "private"
        return service, inst.queue_dir / sub / service, prog
    return None


def test_debian_stock_master_cf(running):
    if not POSTFIX_STOCK_MASTER.exists():
        pytest.skip(f"{POSTFIX_STOCK_MASTER} missing (apt-get install "
                    "postfix)")
    inst = running.inst
    inst.write_master_cf(stock_master_cf(inst))
    running.start()
    headers, body = message("stock master.cf", ["accepted with Debian's "
                                                 "master.cf"])
    qid, _ = send(inst.port("smtp"), headers, body)
    # With qmgr in master.cf the file may move on: cleanup's log line
    # says it was queued.
    wait_for(lambda: f"{qid}: message-id=" in running.log(), 10,
             what=f"cleanup's '{qid}: message-id=' log line")

    missing = missing_unix_service(inst)
    if missing:
        # Needing a service whose program does not exist is logged, and
        # the master stays up.
        service, sock_path, prog = missing
        wait_for(sock_path.exists, 10, what=f"socket {sock_path}")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(sock_path))
        wait_for(lambda: any(
            (prog in line or service in line) and
            re.search(r"warning|error|fatal", line)
            for line in running.log().splitlines()), 15,
            what=f"a master log line naming the missing program {prog}")
    r = running.postfix("status")
    assert r.returncode == 0, f"master went away: {r.stdout}{r.stderr}" \
        f"\n{running.log()[-3000:]}"
    qid2, _ = send(inst.port("smtp"), *message("still up", ["again"]))
    wait_for(lambda: f"{qid2}: message-id=" in running.log(), 10,
             what=f"cleanup's '{qid2}: message-id=' log line")
    running.stop()
