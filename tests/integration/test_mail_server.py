"""The daemon skeleton (lib/global/mail_server.c and its kinds) under a fake
master: the test is the parent, holding the read end of the status pipe
(child fd 3) and the listening sockets (child fds 4..), as master_proto.h
describes.  The daemons are small test programs from tests/daemons/ (built
in $POSTERN_BUILDDIR, default the source tree), linked against the same
skeleton as smtpd and cleanup.

Logging: the instance sets maillog_file and runs no postlog service, so
daemons append to the maillog themselves (the fallback of postlog_client).
"""
import fcntl
import os
import pwd
import re
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

from conftest import SRCDIR, wait_for

BUILDDIR = Path(os.environ.get("POSTERN_BUILDDIR", str(SRCDIR)))
STATUS = struct.Struct("=iIi")         # MASTER_STATUS: pid, gen, avail
TAKEN, AVAIL = 0, 1
GEN = 4242


def daemon_path(name):
    path = BUILDDIR / "tests" / "daemons" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run make at {BUILDDIR}")
    return path


def is_root():
    return os.geteuid() == 0


def maillog(instance):
    try:
        return instance.maillog.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def inet_listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


def unix_listener(path, kind=socket.SOCK_STREAM):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    s = socket.socket(socket.AF_UNIX, kind)
    s.bind(str(path))
    if kind == socket.SOCK_STREAM:
        s.listen(16)
    os.chmod(path, 0o666)
    return s


class FakeMaster:
    """Starts one daemon the way master(8) does and reads its status pipe."""

    count = 0

    def __init__(self, instance, program, args, listeners=(), stdin=None,
                 stdout=None, env=None, status=True):
        FakeMaster.count += 1
        self.instance = instance
        self.stderr_path = instance.root / f"stderr-{FakeMaster.count}"
        self.records = []
        self.consumed = 0
        self._buf = b""
        fds = []
        status_w = None
        if status:
            self.status_r, status_w = os.pipe()
            fds.append(status_w)
        else:
            self.status_r = None
        fds += [ls if isinstance(ls, int) else ls.fileno() for ls in listeners]

        def place_fds():
            # Move everything out of the way first, then to 3, 4, ...
            tmp = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100 + i)
                   for i, fd in enumerate(fds)]
            for i, fd in enumerate(tmp):
                os.dup2(fd, 3 + i)
                os.close(fd)

        full_env = {k: v for k, v in os.environ.items()
                    if k in ("PATH", "LANG", "TZ")}
        full_env["MAIL_CONFIG"] = str(instance.config_dir)
        full_env["MASTER_GEN"] = str(GEN)
        if env:
            full_env.update(env)
        with open(self.stderr_path, "wb") as err:
            self.proc = instance.spawn(
                [program, *args], preexec_fn=place_fds, close_fds=False,
                env=full_env, stdin=stdin if stdin is not None else
                subprocess.DEVNULL,
                stdout=stdout if stdout is not None else subprocess.DEVNULL,
                stderr=err)
        if status_w is not None:
            os.close(status_w)
            os.set_blocking(self.status_r, False)

    @property
    def pid(self):
        return self.proc.pid

    def stderr(self):
        return self.stderr_path.read_text(errors="replace")

    def _read_status(self):
        try:
            data = os.read(self.status_r, 4096)
        except BlockingIOError:
            data = b""
        self._buf += data
        while len(self._buf) >= STATUS.size:
            self.records.append(STATUS.unpack(self._buf[:STATUS.size]))
            self._buf = self._buf[STATUS.size:]

    def expect_status(self, avail, what=""):
        """Wait for the next status record and check it."""
        want = self.consumed + 1

        def got():
            self._read_status()
            return len(self.records) >= want
        wait_for(got, 10, what=f"status record {avail} {what}")
        self.consumed = want
        pid, gen, got_avail = self.records[want - 1]
        assert (pid, gen, got_avail) == (self.proc.pid, GEN, avail), \
            self.records
        return self.records[want - 1]

    def no_new_status(self):
        """The number of records received so far."""
        self._read_status()
        return len(self.records)

    def close_status(self):
        os.close(self.status_r)
        self.status_r = None

    def wait_exit(self, timeout=10, what="daemon exit"):
        wait_for(lambda: self.proc.poll() is not None, timeout, what=what)
        return self.proc.returncode

    def alive(self):
        return self.proc.poll() is None


class Client:
    """A line-oriented client of msrv_single/msrv_multi."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(10)
        self.f = sock.makefile("rwb")

    @classmethod
    def inet(cls, listener):
        return cls(socket.create_connection(listener.getsockname(),
                                            timeout=10))

    @classmethod
    def unix(cls, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(str(path))
        return cls(s)

    def line(self):
        return self.f.readline().decode().rstrip("\r\n")

    def cmd(self, text):
        self.f.write(text.encode() + b"\r\n")
        self.f.flush()
        return self.line()

    def close(self):
        self.f.close()
        self.sock.close()


def info_fields(line):
    return dict(kv.split("=", 1) for kv in line.split())


def single(instance, *args, listener=None, **kw):
    listener = listener or inet_listener()
    m = FakeMaster(instance, daemon_path("msrv_single"),
                   ["-n", "test", "-t", "inet", *args], [listener], **kw)
    return m, listener


# ---- single_server ---------------------------------------------------------

def test_status_records_before_during_and_after_a_connection(instance):
    m, ls = single(instance)
    m.expect_status(AVAIL, "after start-up")
    c = Client.inet(ls)
    banner = info_fields(c.line())
    assert int(banner["pid"]) == m.pid
    m.expect_status(TAKEN, "while a client is connected")
    assert c.cmd("echo still here") == "still here"
    assert m.no_new_status() == 2
    c.cmd("quit")
    m.expect_status(AVAIL, "after the connection")
    c.close()
    # Served one client; still waiting for the next one.
    c = Client.inet(ls)
    assert info_fields(c.line())["use"] == "2"
    c.close()
    m.expect_status(TAKEN)
    m.expect_status(AVAIL)
    assert m.alive()


def test_exits_after_max_use_connections(instance):
    m, ls = single(instance, "-o", "max_use=2")
    m.expect_status(AVAIL)
    for _ in range(2):
        c = Client.inet(ls)
        assert c.line().startswith("pid=")
        c.cmd("quit")
        c.close()
    assert m.wait_exit(what="exit after max_use=2") == 0


def test_exits_after_max_idle_seconds(instance):
    m, ls = single(instance, "-o", "max_idle=1")
    m.expect_status(AVAIL)
    assert m.wait_exit(10, "exit after max_idle=1s") == 0


def test_max_idle_timer_restarts_after_each_connection(instance):
    m, ls = single(instance, "-o", "max_idle=2")
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    c.line()
    m.expect_status(TAKEN)
    # A session longer than max_idle does not end the process.
    t0 = time.monotonic()
    wait_for(lambda: c.cmd("echo x") == "x" and time.monotonic() - t0 > 3,
             10, what="a session longer than max_idle")
    c.cmd("quit")
    c.close()
    m.expect_status(AVAIL)
    assert m.alive()
    assert m.wait_exit(10, "idle exit after the session") == 0


def test_exits_when_master_goes_away(instance):
    m, ls = single(instance)
    m.expect_status(AVAIL)
    m.close_status()
    assert m.wait_exit(what="exit after the status pipe closed") == 0


def test_finishes_the_current_connection_when_master_goes_away(instance):
    m, ls = single(instance)
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    c.line()
    m.expect_status(TAKEN)
    m.close_status()
    # Still serving this client...
    assert c.cmd("echo one more") == "one more"
    assert m.alive()
    c.cmd("quit")
    c.close()
    # ...then gone.
    assert m.wait_exit(what="exit after the last connection") == 0


def test_processes_share_one_listener(instance):
    ls = inet_listener()
    m1, _ = single(instance, listener=ls)
    m2, _ = single(instance, listener=ls)
    m1.expect_status(AVAIL)
    m2.expect_status(AVAIL)
    c1 = Client.inet(ls)
    p1 = int(info_fields(c1.line())["pid"])
    c2 = Client.inet(ls)
    p2 = int(info_fields(c2.line())["pid"])
    assert {p1, p2} == {m1.pid, m2.pid}
    for c in (c1, c2):
        c.cmd("quit")
        c.close()


def test_o_overrides_and_service_name_are_visible(instance):
    m, ls = single(instance, "-o", "smtpd_banner=hello from -o",
                   "-o", "syslog_name=postfix/$service_name",
                   "-o", "max_use=50")
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    banner = info_fields(c.line())
    assert banner["service"] == "test"
    assert c.cmd("param smtpd_banner") == "hello from -o"
    assert c.cmd("param max_use") == "50"
    assert c.cmd("param service_name") == "test"
    assert c.cmd("log logged with the -o syslog_name") == "ok"
    c.cmd("quit")
    c.close()
    wait_for(lambda: re.search(
        r"^\w{3} [ 0-9]\d \d\d:\d\d:\d\d postern postfix/test/msrv_single"
        rf"\[{m.pid}\]: logged with the -o syslog_name$",
        maillog(instance), re.M), what="the log line with the -o ident")


def test_master_cf_arguments_reach_the_service(instance):
    m, ls = single(instance, "-o", "max_use=3", "first", "second")
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    assert info_fields(c.line())["args"] == "first,second"
    c.close()


def test_unknown_option_is_fatal_with_usage(instance):
    m = FakeMaster(instance, daemon_path("msrv_single"),
                   ["-n", "test", "-t", "inet", "-x"], [inet_listener()])
    assert m.wait_exit() == 1
    assert "usage:" in m.stderr()
    assert m.no_new_status() == 0


def test_bad_o_option_is_fatal(instance):
    m, ls = single(instance, "-o", "no_equals_sign")
    assert m.wait_exit() == 1
    assert "no_equals_sign" in maillog(instance) + m.stderr()


def test_pass_type_serves_the_received_descriptor(instance):
    path = instance.queue_dir / "pass" / "test"
    ls = unix_listener(path)
    m = FakeMaster(instance, daemon_path("msrv_single"),
                   ["-n", "test", "-t", "pass"], [ls])
    m.expect_status(AVAIL)
    ours, theirs = socket.socketpair()
    carrier = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    carrier.connect(str(path))
    socket.send_fds(carrier, [b"x"], [theirs.fileno()])
    carrier.close()
    theirs.close()
    c = Client(ours)
    assert int(info_fields(c.line())["pid"]) == m.pid
    m.expect_status(TAKEN)
    assert c.cmd("echo over a passed descriptor") == "over a passed descriptor"
    c.cmd("quit")
    c.close()
    m.expect_status(AVAIL)


def test_unix_listener_and_mail_connect(instance):
    ls = unix_listener(instance.queue_dir / "private" / "test")
    m = FakeMaster(instance, daemon_path("msrv_single"),
                   ["-n", "test", "-t", "unix"], [ls])
    m.expect_status(AVAIL)
    r = subprocess.run([daemon_path("msrv_client"), "connect", "private",
                        "test", "echo via mail_connect", "param service_name"],
                       cwd=instance.queue_dir, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    # First reply line is the banner (sent before our first line).
    assert lines[0].startswith(f"pid={m.pid} ")
    assert lines[1] == "via mail_connect"


def test_mail_connect_reports_why_it_failed(instance):
    (instance.queue_dir / "private").mkdir(exist_ok=True)
    r = subprocess.run([daemon_path("msrv_client"), "connect", "private",
                        "nothere", "x"], cwd=instance.queue_dir,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "private/nothere" in r.stdout
    assert "No such file or directory" in r.stdout


def test_unsupported_transport_type_is_fatal(instance):
    m = FakeMaster(instance, daemon_path("msrv_single"),
                   ["-n", "test", "-t", "fifo"], [inet_listener()])
    assert m.wait_exit() == 1
    assert "unsupported transport type" in maillog(instance)


def test_debug_flag_also_logs_to_stderr(instance):
    m, ls = single(instance, "-d")
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    c.line()
    assert c.cmd("warn to both") == "ok"
    c.close()
    wait_for(lambda: "msrv_single: warning: to both" in m.stderr(),
             what="the warning on stderr")
    assert re.search(rf"msrv_single\[{m.pid}\]: warning: to both$",
                     maillog(instance), re.M)


def test_without_debug_flag_stderr_stays_quiet(instance):
    m, ls = single(instance)
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    c.line()
    assert c.cmd("warn only to the log") == "ok"
    c.close()
    wait_for(lambda: "only to the log" in maillog(instance), what="log line")
    assert "only to the log" not in m.stderr()


def test_sigterm_ends_the_daemon_at_once(instance):
    m, ls = single(instance)
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    c.line()
    m.expect_status(TAKEN)
    m.proc.terminate()
    assert m.wait_exit() == -15
    c.close()


# ---- stand-alone -----------------------------------------------------------

def test_standalone_serves_stdin_and_stdout_pipes(instance):
    r = subprocess.run([daemon_path("msrv_single"), "-S", "-o",
                        "smtpd_banner=standalone"],
                       input="param smtpd_banner\necho bye\nquit\n",
                       capture_output=True, text=True, timeout=30,
                       env={**os.environ,
                            "MAIL_CONFIG": str(instance.config_dir)})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    info = info_fields(lines[0])
    # No privilege change and no chroot: our own ids, the queue directory.
    assert int(info["uid"]) == os.getuid()
    assert info["cwd"] == str(instance.queue_dir)
    assert lines[1:] == ["standalone", "bye"]


def test_standalone_on_a_socket(instance):
    ours, theirs = socket.socketpair()
    p = instance.spawn([daemon_path("msrv_single"), "-S"],
                       stdin=theirs, stdout=theirs,
                       env={**os.environ,
                            "MAIL_CONFIG": str(instance.config_dir)})
    theirs.close()
    c = Client(ours)
    assert int(info_fields(c.line())["pid"]) == p.pid
    assert c.cmd("echo on a socket") == "on a socket"
    c.cmd("quit")
    assert p.wait(timeout=10) == 0
    c.close()


def test_standalone_logs_to_stderr_too(instance):
    r = subprocess.run([daemon_path("msrv_single"), "-S"],
                       input="warn careful\nquit\n", capture_output=True,
                       text=True, timeout=30,
                       env={**os.environ,
                            "MAIL_CONFIG": str(instance.config_dir)})
    assert r.returncode == 0
    assert "msrv_single: warning: careful" in r.stderr
    assert re.search(r"postfix/msrv_single\[\d+\]: warning: careful$",
                     maillog(instance), re.M)


# ---- privileges and chroot -------------------------------------------------

def test_unpriv_switches_to_mail_owner(instance):
    m, ls = single(instance, "-u")
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    info = info_fields(c.line())
    c.close()
    if is_root():
        pw = pwd.getpwnam(instance.user)
        assert (int(info["uid"]), int(info["euid"])) == (pw.pw_uid, pw.pw_uid)
        assert (int(info["gid"]), int(info["egid"])) == (pw.pw_gid, pw.pw_gid)
        # Supplementary groups dropped: only the mail_owner's group.
        assert info["groups"] == str(pw.pw_gid)
        status = Path(f"/proc/{m.pid}/status").read_text()
        assert re.search(rf"^Uid:\s+{pw.pw_uid}\s+{pw.pw_uid}\s+{pw.pw_uid}",
                         status, re.M)
    else:
        # Not root: the ids stay what they were, nothing is attempted.
        assert int(info["uid"]) == os.getuid()
        assert int(info["gid"]) == os.getgid()


def test_without_unpriv_a_root_daemon_keeps_root(instance):
    if not is_root():
        pytest.skip("needs root: checks that root is kept without -u")
    m, ls = single(instance)
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    assert info_fields(c.line())["uid"] == "0"
    c.close()


def test_root_mail_owner_is_fatal(instance):
    instance.append_main_cf("mail_owner = root")
    m, ls = single(instance, "-u")
    assert m.wait_exit() == 1
    assert ("fatal: file " + str(instance.config_dir / "main.cf") +
            ": parameter mail_owner: user root has privileged user ID"
            in maillog(instance))
    assert m.no_new_status() == 0


def test_missing_mail_owner_is_fatal(instance):
    instance.append_main_cf("mail_owner = no-such-user-postern")
    m, ls = single(instance, "-u")
    assert m.wait_exit() == 1
    assert ("parameter mail_owner: unknown user name value: "
            "no-such-user-postern" in maillog(instance))


def test_chroot_to_the_queue_directory(instance):
    if not is_root():
        pytest.skip("chroot needs root; without root -c is ignored")
    m, ls = single(instance, "-c", "-u")
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    info = info_fields(c.line())
    assert info["precwd"] == str(instance.queue_dir)   # PRE_INIT: outside
    assert info["cwd"] == "/"                          # service: inside
    assert os.readlink(f"/proc/{m.pid}/root") == str(instance.queue_dir)
    assert int(info["uid"]) == pwd.getpwnam(instance.user).pw_uid
    # Logging still works after the chroot (file opened before it).
    assert c.cmd("log after chroot") == "ok"
    c.close()
    wait_for(lambda: f"msrv_single[{m.pid}]: after chroot" in
             maillog(instance), what="log line from the chrooted daemon")


def test_chroot_is_skipped_without_root(instance):
    if is_root():
        pytest.skip("runs as root: the chroot test covers -c")
    m, ls = single(instance, "-c")
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    assert info_fields(c.line())["cwd"] == str(instance.queue_dir)
    c.close()


# ---- multi_server ----------------------------------------------------------

def multi(instance, *args):
    ls = inet_listener()
    return FakeMaster(instance, daemon_path("msrv_multi"),
                      ["-n", "multi", "-t", "inet", *args], [ls]), ls


def test_multi_server_serves_clients_concurrently(instance):
    m, ls = multi(instance)
    m.expect_status(AVAIL)
    c1 = Client.inet(ls)
    c2 = Client.inet(ls)
    assert c1.cmd("echo a") == f"a pid={m.pid}"
    assert c2.cmd("echo b") == f"b pid={m.pid}"
    assert c1.cmd("echo c") == f"c pid={m.pid}"
    assert c2.cmd("bye") == "bye"
    assert c2.f.read() == b""           # disconnected by the service
    assert c1.cmd("echo d") == f"d pid={m.pid}"
    c1.close()
    c2.close()
    assert m.alive()


def test_multi_server_pipelined_requests(instance):
    m, ls = multi(instance)
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    c.f.write(b"echo 1\r\necho 2\r\necho 3\r\n")
    c.f.flush()
    assert [c.line() for _ in range(3)] == \
        [f"{i} pid={m.pid}" for i in (1, 2, 3)]
    c.close()


def test_multi_server_max_use_counts_connections(instance):
    m, ls = multi(instance, "-o", "max_use=2")
    m.expect_status(AVAIL)
    c1 = Client.inet(ls)
    c1.cmd("echo 1")
    c2 = Client.inet(ls)
    c2.cmd("echo 2")
    # Full: busy for master, but the open clients are still served.
    m.expect_status(TAKEN, "after max_use connections")
    assert c1.cmd("echo 3") == f"3 pid={m.pid}"
    c1.close()
    assert c2.cmd("echo 4") == f"4 pid={m.pid}"
    c2.close()
    assert m.wait_exit(what="exit after the last client") == 0


def test_multi_server_idle_and_master_exit(instance):
    m, ls = multi(instance, "-o", "max_idle=1")
    m.expect_status(AVAIL)
    assert m.wait_exit(what="idle exit") == 0
    m, ls = multi(instance)
    m.expect_status(AVAIL)
    c = Client.inet(ls)
    c.cmd("echo x")
    m.close_status()
    assert c.cmd("echo y") == f"y pid={m.pid}"
    c.close()
    assert m.wait_exit(what="exit once master and clients are gone") == 0


# ---- trigger_server --------------------------------------------------------

def trigger_log(instance, pid, text):
    return f"msrv_trigger[{pid}]: trigger: {text}" in maillog(instance)


def test_trigger_server_fifo_and_mail_trigger(instance):
    pub = instance.queue_dir / "public"
    pub.mkdir()
    fifo = pub / "trig"
    os.mkfifo(fifo, 0o622)
    # Opened read-only, as a careless master might: no EOF spinning.
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    m = FakeMaster(instance, daemon_path("msrv_trigger"),
                   ["-n", "trig", "-t", "fifo"], [fd])
    os.close(fd)
    m.expect_status(AVAIL)
    r = subprocess.run([daemon_path("msrv_client"), "trigger", "public",
                        "trig", "I"], cwd=instance.queue_dir,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout
    wait_for(lambda: trigger_log(instance, m.pid, "I"), what="fifo trigger")
    m.expect_status(TAKEN)
    m.expect_status(AVAIL)
    with open(fifo, "wb", buffering=0) as f:
        f.write(b"W")
    wait_for(lambda: trigger_log(instance, m.pid, "W"), what="second trigger")
    # Idle in between: no busy loop on the fifo's end of file.
    cpu = sum(int(x) for x in
              Path(f"/proc/{m.pid}/stat").read_text().split()[13:15])
    assert cpu < 100, f"{cpu} ticks of CPU"


def test_trigger_server_unix_socket_and_max_use(instance):
    path = instance.queue_dir / "public" / "trig"
    ls = unix_listener(path)
    m = FakeMaster(instance, daemon_path("msrv_trigger"),
                   ["-n", "trig", "-t", "unix", "-o", "max_use=2"], [ls])
    m.expect_status(AVAIL)
    for text in ("D", "A"):
        r = subprocess.run([daemon_path("msrv_client"), "trigger", "public",
                            "trig", text], cwd=instance.queue_dir,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stdout
        wait_for(lambda: trigger_log(instance, m.pid, text),
                 what=f"trigger {text}")
    assert m.wait_exit(what="exit after max_use triggers") == 0


def test_mail_trigger_without_listener_fails_quietly(instance):
    (instance.queue_dir / "public").mkdir()
    os.mkfifo(instance.queue_dir / "public" / "nobody", 0o622)
    for name in ("nobody", "missing"):
        r = subprocess.run([daemon_path("msrv_client"), "trigger", "public",
                            name, "W"], cwd=instance.queue_dir,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 1
        assert r.stdout.startswith("trigger failed:")


def test_trigger_server_timers_and_solitary(instance):
    ls = unix_listener(instance.queue_dir / "public" / "trig")
    m = FakeMaster(instance, daemon_path("msrv_trigger"),
                   ["-n", "trig", "-t", "unix", "-o", "max_idle=1",
                    "-o", "max_use=1", "solitary", "tick=100"], [ls])
    m.expect_status(AVAIL)
    # Ticks keep coming well past max_idle: resident daemons ignore it.
    wait_for(lambda: f"msrv_trigger[{m.pid}]: tick 25" in maillog(instance),
             what="25 timer ticks")
    r = subprocess.run([daemon_path("msrv_client"), "trigger", "public",
                        "trig", "I"], cwd=instance.queue_dir,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    wait_for(lambda: trigger_log(instance, m.pid, "I"), what="trigger")
    wait_for(lambda: f"msrv_trigger[{m.pid}]: tick 30" in maillog(instance),
             what="ticks after max_use triggers")
    assert m.alive()
    m.close_status()
    assert m.wait_exit() == 0


def test_trigger_server_standalone_reads_stdin(instance):
    r = subprocess.run([daemon_path("msrv_trigger"), "-S"], input="Ix",
                       capture_output=True, text=True, timeout=30,
                       env={**os.environ,
                            "MAIL_CONFIG": str(instance.config_dir)})
    assert r.returncode == 0, r.stderr
    assert "msrv_trigger: trigger: Ix" in r.stderr


def test_multi_server_standalone(instance):
    r = subprocess.run([daemon_path("msrv_multi"), "-S"],
                       input="echo 1\necho 2\nbye\necho never\n",
                       capture_output=True, text=True, timeout=30,
                       env={**os.environ,
                            "MAIL_CONFIG": str(instance.config_dir)})
    assert r.returncode == 0, r.stderr
    # text=True turns CR LF into LF; nothing after "bye" is answered.
    assert re.fullmatch(r"1 pid=\d+\n2 pid=\d+\nbye\n", r.stdout)
