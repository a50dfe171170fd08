"""master(8): the supervisor, tested with fake daemons.

The daemons here are tests/integration/daemons/fake_daemon.py, linked into
a private daemon_directory under several names; they speak the child side
of lib/global/master_proto.h (status records on fd 3, listeners from fd 4)
and report what master gave them (argv, environment, generation).  master
itself is the installed one, started with -w (or in the foreground) and
stopped with signals.
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest

from conftest import POSTFIX_STOCK_MASTER, wait_for

FAKE_DAEMON = Path(__file__).resolve().parent / "daemons" / "fake_daemon.py"


def pid_alive(pid):
    """True while pid exists and is not a zombie (PID 1 here may not reap)."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return data[data.rindex(")") + 2] != "Z"


def procs_matching(text):
    """Live pids whose command line mentions text."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if text.encode() in cmdline and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


class Master:
    """One master process for an instance, with fake daemons."""

    def __init__(self, instance):
        self.instance = instance
        self.libexec = instance.root / "libexec"
        self.libexec.mkdir()
        self.files = instance.root / "files"
        self.files.mkdir()
        os.chmod(self.files, 0o777)
        for name in ("echo", "fail", "trigger"):
            shutil.copy(FAKE_DAEMON, self.libexec / name)
            os.chmod(self.libexec / name, 0o755)
        self.binary = instance.postern.libexec("master")
        self.pid = None
        self.set_main("daemon_directory", self.libexec)
        self.set_main("service_throttle_time", "2s")

    def set_main(self, name, value):
        """Set a main.cf parameter in place (no "overriding" warning)."""
        path = self.instance.config_dir / "main.cf"
        lines = [line for line in path.read_text().splitlines()
                 if not re.match(rf"{name}\s*=", line)]
        lines.append(f"{name} = {value}")
        path.write_text("\n".join(lines) + "\n")

    def file(self, name):
        return self.files / name

    def run(self, *args, timeout=60):
        return subprocess.run([str(self.binary), "-c",
                               str(self.instance.config_dir), *args],
                              capture_output=True, text=True,
                              timeout=timeout)

    def start(self, *args):
        r = self.run("-w", *args)
        assert r.returncode == 0, r.stderr
        self.pid = int(self.pid_file().read_text())
        wait_for(lambda: "daemon started" in self.log(), 10,
                 what="daemon started")
        return self.pid

    def pid_file(self):
        return self.instance.queue_dir / "pid" / "master.pid"

    def log(self):
        try:
            return self.instance.maillog.read_text()
        except FileNotFoundError:
            return ""

    def signal(self, sig):
        os.kill(self.pid, sig)

    def stop(self):
        if self.pid and pid_alive(self.pid):
            self.signal(signal.SIGTERM)
            wait_for(lambda: not pid_alive(self.pid), 20, what="master exit")

    def reload(self):
        count = self.log().count("reload -- version")
        self.signal(signal.SIGHUP)
        wait_for(lambda: self.log().count("reload -- version") > count, 10,
                 what="reload log line\n" + self.log())

    def started(self, name):
        """Processes that started, from the daemon's started=FILE."""
        try:
            return [line.split() for line in
                    self.file(name).read_text().splitlines()]
        except FileNotFoundError:
            return []

    def cleanup(self):
        try:
            self.stop()
        finally:
            for pid in procs_matching(str(self.instance.root)):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


@pytest.fixture
def master(instance):
    m = Master(instance)
    yield m
    m.cleanup()


class Client:
    """A line-oriented client of a fake daemon."""

    def __init__(self, sock, timeout=10):
        self.sock = sock
        self.sock.settimeout(timeout)
        self.f = sock.makefile("rwb", buffering=0)

    def line(self):
        data = self.f.readline()
        return data.decode().rstrip("\n")

    def hello(self):
        """(pid, gen) from the greeting."""
        words = self.line().split()
        assert words[0] == "hello", words
        return int(words[1]), int(words[2])

    def ask(self, text):
        self.f.write(text.encode() + b"\n")
        return self.line()

    def info(self):
        return json.loads(self.ask("info"))

    def silent(self, seconds):
        """Nothing arrives for this long (a bounded wait, not a sleep)."""
        readable, _, _ = select.select([self.sock], [], [], seconds)
        return not readable

    def close(self):
        self.f.close()
        self.sock.close()


def tcp(port, timeout=10):
    return Client(socket.create_connection(("127.0.0.1", port)), timeout)


def unix(path, timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(path))
    return Client(s, timeout)


def is_root():
    return os.getuid() == 0


# ---------------------------------------------------------------------------
# pid files, locks, -t, -w


def test_pid_file_lock_and_test_mode(master, instance):
    port = instance.port("echo")
    instance.write_master_cf(f"127.0.0.1:{port} inet n - n - 1 echo\n")
    assert master.run("-t").returncode == 0, "no master.pid: not running"
    pid = master.start()

    expected = f"{pid:>32}\n"
    assert master.pid_file().read_text() == expected
    lock = instance.data_dir / "master.lock"
    assert lock.read_text() == expected
    assert len(lock.read_bytes()) == 33
    if is_root():
        assert lock.stat().st_uid == pwd_uid(instance.user)
    assert re.search(rf"postfix/master\[{pid}\]: daemon started -- version "
                     rf"\S+, configuration {re.escape(str(instance.config_dir))}",
                     master.log())

    # A running master holds both locks; -t says so and a second refuses.
    assert master.run("-t").returncode == 1
    r = master.run("-w")
    assert r.returncode != 0
    assert "already running" in r.stderr
    assert f"master pid {pid}" in r.stderr
    assert pid_alive(pid)

    master.stop()
    assert "terminating on signal 15" in master.log()
    # As in Postfix the file stays, unlocked: -t sees no master.
    assert master.pid_file().exists()
    assert master.run("-t").returncode == 0


def pwd_uid(user):
    import pwd
    return pwd.getpwnam(user).pw_uid


def test_second_master_in_foreground_refused(master, instance):
    port = instance.port("echo")
    instance.write_master_cf(f"127.0.0.1:{port} inet n - n - 1 echo\n")
    master.start()
    r = master.run("-d", timeout=20)
    assert r.returncode == 1
    assert "the mail system is already running" in r.stderr


def test_wait_mode_reports_startup_error(master, instance):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    instance.write_master_cf(f"127.0.0.1:{port} inet n - n - 1 echo\n")
    r = master.run("-w")
    busy.close()
    assert r.returncode == 1
    assert "Address already in use" in r.stderr
    assert f"127.0.0.1:{port}" in r.stderr
    assert master.run("-t").returncode == 0, "the failed master is gone"


def test_option_conflicts(master, instance):
    r = master.run("-t", "-w")
    assert r.returncode == 1
    assert "cannot be used together" in r.stderr
    r = master.run("-i")
    assert r.returncode == 1
    assert "process ID 1" in r.stderr
    r = master.run("-x")
    assert r.returncode == 1
    assert "usage:" in r.stderr


@pytest.mark.skipif(not is_root(), reason="mail_owner is checked as root")
def test_root_mail_owner_refused(master, instance):
    instance.write_master_cf("")
    master.set_main("mail_owner", "root")
    r = master.run("-w")
    assert r.returncode == 1
    assert "mail_owner" in r.stderr
    master.set_main("mail_owner", "no-such-user-postern")
    r = master.run("-w")
    assert r.returncode == 1
    assert "no-such-user-postern" in r.stderr


def test_foreground_debug_and_stdout_logging(master, instance):
    """-d keeps master in the foreground; -s with maillog_file=/dev/stdout
    logs to standard output."""
    port = instance.port("echo")
    instance.write_master_cf(f"127.0.0.1:{port} inet n - n - 1 echo\n")
    master.set_main("maillog_file", "/dev/stdout")
    master.set_main("maillog_file_prefixes", "/dev/stdout")
    p = instance.spawn([master.binary, "-c", instance.config_dir, "-s"],
                       stdout=subprocess.PIPE, text=True)
    for line in p.stdout:
        if "daemon started" in line:
            break
    assert re.search(rf"postfix/master\[{p.pid}\]: daemon started", line)
    c = tcp(port)
    assert c.hello()[0] != p.pid
    c.close()
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=20) == 0
    assert "terminating on signal 15" in p.stdout.read()


def test_exit_time_option(master, instance):
    port = instance.port("echo")
    instance.write_master_cf(f"127.0.0.1:{port} inet n - n - 1 echo\n")
    pid = master.start("-e", "1")
    wait_for(lambda: not pid_alive(pid), 10, what="master exit after -e 1")
    assert "master exit time has arrived" in master.log()
    assert master.run("-t").returncode == 0


@pytest.mark.skipif(not is_root() or shutil.which("unshare") is None,
                    reason="a PID namespace needs root and unshare(1)")
def test_init_mode_as_pid_1(master, instance):
    port = instance.port("echo")
    instance.write_master_cf(f"127.0.0.1:{port} inet n - n - 1 echo\n")
    p = instance.spawn(["unshare", "--pid", "--fork", "--kill-child",
                        master.binary, "-i", "-c", instance.config_dir])
    wait_for(lambda: "postfix/master[1]: daemon started" in master.log(), 10,
             what="master running as pid 1")
    c = tcp(port)
    c.hello()
    c.close()
    # unshare passes no signals on: signal master by its outer pid.
    outer = int(Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text()
                .split()[0])
    os.kill(outer, signal.SIGTERM)
    assert p.wait(timeout=20) == 0
    assert "postfix/master[1]: terminating on signal 15" in master.log()


# ---------------------------------------------------------------------------
# spawning and the status protocol


def test_spawn_on_demand_up_to_maxproc(master, instance):
    port = instance.port("echo")
    started = master.file("started")
    instance.write_master_cf(
        f"127.0.0.1:{port} inet n - n - 2 echo started={started}\n")
    master.start()
    assert master.started("started") == [], "nothing runs before a client"

    c1, c2, c3 = tcp(port), tcp(port), tcp(port)
    p1, gen = c1.hello()
    p2, _ = c2.hello()
    assert p1 != p2
    assert c1.ask("one") == f"echo one {p1}"
    # Both processes are busy and maxproc is 2: the third client waits.
    assert c3.silent(1.5)
    assert len(master.started("started")) == 2
    assert f'service "127.0.0.1:{port}" (inet) has reached its process ' \
           f'limit "2"' in master.log()

    # c1 leaves: its process reports available again and takes c3.
    c1.close()
    p3, _ = c3.hello()
    assert p3 == p1
    assert c3.ask("three") == f"echo three {p1}"
    assert len(master.started("started")) == 2
    c2.close()
    c3.close()


def test_idle_process_is_reused_and_max_use_respawns(master, instance):
    port = instance.port("echo")
    instance.write_master_cf(
        f"127.0.0.1:{port} inet n - n - 3 echo uses=2 "
        f"started={master.file('started')}\n")
    master.start()
    pids = []
    for _ in range(4):
        c = tcp(port)
        pids.append(c.hello()[0])
        c.close()
        # The daemon reports available before the next client comes.
    assert pids[0] == pids[1], "an available process serves the next client"
    assert pids[2] == pids[3] != pids[0], "uses=2: a new process after two"
    wait_for(lambda: not pid_alive(pids[0]), 10, what="first process exit")
    assert "warning" not in master.log(), "exit status 0 is not logged"


def test_child_gets_master_proto_argv_env_fds(master, instance):
    instance.write_master_cf(
        "argtest unix - n y - - echo -o foo=bar -o syslog_name=x/$service_name\n"
        "pubtest unix n - n - - echo\n")
    master.start("-v")
    path = instance.queue_dir / "private" / "argtest"
    c = unix(path)
    pid, gen = c.hello()
    info = c.info()
    # Nothing of master's leaks: locks, log, event loop, other listeners.
    fds = {int(fd): os.readlink(f"/proc/{pid}/fd/{fd}")
           for fd in os.listdir(f"/proc/{pid}/fd")}
    c.close()
    assert fds[0] == fds[1] == fds[2] == "/dev/null"
    assert fds[3].startswith("pipe:") and fds[4].startswith("socket:")
    leaked = [t for t in fds.values()
              if "master.pid" in t or "master.lock" in t or "eventpoll" in t
              or t == str(instance.maillog)]
    assert leaked == []
    assert sum(t.startswith("pipe:") for t in fds.values()) == 1
    assert info["argv"][1:] == [
        "-n", "argtest", "-t", "unix", "-s", "1", "-c", "-v",
        "-o", "foo=bar", "-o", "syslog_name=x/$service_name"]
    env = info["env"]
    assert env["MAIL_CONFIG"] == str(instance.config_dir)
    assert env["MASTER_GEN"] == str(gen)
    assert env["MAIL_LOGTAG"] == "postfix"
    assert "PATH" not in env and "HOME" not in env
    assert 3 in info["fds"] and 4 in info["fds"]

    # unpriv "-" means y: -u; public class socket.
    c = unix(instance.queue_dir / "public" / "pubtest")
    c.hello()
    argv = c.info()["argv"]
    c.close()
    assert argv[1:] == ["-n", "pubtest", "-t", "unix", "-s", "1", "-u", "-v"]

    for sock in (path, instance.queue_dir / "public" / "pubtest"):
        st = sock.stat()
        assert stat.S_ISSOCK(st.st_mode)
        assert stat.S_IMODE(st.st_mode) == 0o666
        if is_root():
            assert st.st_uid == pwd_uid(instance.user)


def test_inet_service_without_host_uses_inet_interfaces(master, instance):
    port = instance.port("bare")
    instance.write_master_cf(f"{port} inet n - n - 1 echo\n")
    master.start()
    c = tcp(port)
    pid, _ = c.hello()
    info = c.info()
    c.close()
    assert info["argv"][1:7] == ["-n", str(port), "-t", "inet", "-s", "1"]
    # inet_interfaces = 127.0.0.1: nothing listens on 127.0.0.2.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", port), timeout=5)


def test_known_tcp_ports_and_service_disable(master, instance):
    port, off = instance.port("named"), instance.port("off")
    master.set_main("known_tcp_ports", f"lmtp=24, postern-test={port}")
    master.set_main("master_service_disable", "!keep/unix, unix")
    instance.write_master_cf(
        "127.0.0.1:postern-test inet n - n - 1 echo\n"
        f"127.0.0.1:{off} inet n - n - 1 echo\n"
        "keep unix - - n - 1 echo\n"
        "dropped unix - - n - 1 echo\n")
    master.set_main("master_service_disable", f"127.0.0.1:{off}/inet, "
                    "!keep/unix, unix")
    master.start()
    c = tcp(port)
    c.hello()
    assert c.info()["argv"][1:3] == ["-n", "127.0.0.1:postern-test"]
    c.close()
    assert connect_refused(off)
    assert (instance.queue_dir / "private" / "keep").exists()
    assert not (instance.queue_dir / "private" / "dropped").exists()


# ---------------------------------------------------------------------------
# failures: exit status, throttling, missing programs


def test_startup_failure_is_logged_and_throttled(master, instance):
    port = instance.port("bad")
    started = master.file("started")
    instance.write_master_cf(
        f"127.0.0.1:{port} inet n - n - 1 fail fail=1 started={started}\n")
    master.start()
    c = tcp(port, timeout=30)
    path = master.libexec / "fail"
    exit_re = rf"warning: process {re.escape(str(path))} pid (\d+) exit status 1"
    throttle = f"warning: {path}: bad command startup -- throttling"
    wait_for(lambda: throttle in master.log(), 10, what="throttling line")
    throttled_at = time.monotonic()
    first = master.started("started")
    assert len(first) == 1
    assert re.search(exit_re, master.log()).group(1) == first[0][0]

    # service_throttle_time = 2s: the client is still waiting, and the
    # service is tried again only after that time.
    wait_for(lambda: len(master.started("started")) >= 2, 15,
             what="a new attempt after the throttle time")
    assert time.monotonic() - throttled_at >= 1.5
    c.close()
    assert pid_alive(master.pid)


def test_crash_after_start_is_logged_not_throttled(master, instance):
    port = instance.port("echo")
    instance.write_master_cf(f"127.0.0.1:{port} inet n - n - 1 echo\n")
    master.start()
    c = tcp(port)
    pid, _ = c.hello()
    os.kill(pid, signal.SIGKILL)
    path = master.libexec / "echo"
    wait_for(lambda: f"warning: process {path} pid {pid} killed by signal 9"
             in master.log(), 10, what="killed by signal line")
    c.close()
    # It had reported in: no throttling, the next client is served at once.
    c = tcp(port)
    assert c.hello()[0] != pid
    c.close()
    assert "bad command startup" not in master.log()


def test_missing_program_logged_once_master_stays_up(master, instance):
    port = instance.port("echo")
    trig = master.file("ticks")
    instance.write_master_cf(
        f"127.0.0.1:{port} inet n - n - 2 echo\n"
        "ghost unix - - n - - no-such-daemon\n"
        "ghostwake unix n - n 1 1 no-such-qmgr\n"
        f"tick fifo n - n 1 1 trigger log={trig}\n")
    master.start()
    ghost = instance.queue_dir / "private" / "ghost"
    # Connections to the ghost wait in its backlog; master doesn't fork.
    waiting = [socket.socket(socket.AF_UNIX) for _ in range(3)]
    for s in waiting:
        s.connect(str(ghost))
    # Let at least three wakeups (1s) and two throttle periods (2s) pass.
    wait_for(lambda: trig.exists() and trig.read_bytes().count(b"W") >= 5, 20,
             what="five wakeups of the fifo service")
    log = master.log()
    assert log.count("no-such-daemon") == 1, log
    assert re.search(r'warning: service "?ghost"? \(unix\).*'
                     + re.escape(str(master.libexec / "no-such-daemon")), log)
    assert log.count("no-such-qmgr") == 1, log
    assert "ghostwake" in log
    assert "bad command startup" not in log
    assert pid_alive(master.pid)
    c = tcp(port)
    c.hello()
    assert c.ask("still") .startswith("echo still")
    c.close()
    for s in waiting:
        s.close()


# ---------------------------------------------------------------------------
# wakeup


def test_wakeup_fifo_unix_and_conditional(master, instance):
    f1, f2, f3 = master.file("fifo"), master.file("unix"), master.file("lazy")
    instance.write_master_cf(
        f"tick fifo n - n 1 1 trigger log={f1}\n"
        f"tock unix - - n 1 1 trigger log={f2}\n"
        f"lazy unix - - n 1? 1 trigger log={f3}\n")
    master.start()
    # Resident services start with master and are woken every second.
    wait_for(lambda: f1.exists() and f1.read_bytes().count(b"W") >= 2, 10,
             what="two wakeups through the fifo")
    wait_for(lambda: f2.exists() and f2.read_bytes().count(b"W") >= 2, 10,
             what="two wakeups through the unix socket")
    assert set(f1.read_bytes()) == {ord("W")}
    assert set(f2.read_bytes()) == {ord("W")}
    # "1?": no wakeup before the service was used.
    assert not f3.exists()
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(instance.queue_dir / "private" / "lazy"))
    s.sendall(b"x")
    s.close()
    wait_for(lambda: f3.exists() and f3.read_bytes().startswith(b"x")
             and f3.read_bytes().count(b"W") >= 1, 10,
             what="wakeups after first use")


# ---------------------------------------------------------------------------
# reload


def test_reload_adds_removes_changes_keeps_sessions(master, instance):
    port = instance.port("keep")
    q = instance.queue_dir
    base = (f"127.0.0.1:{port} inet n - n - 2 echo v=1\n"
            "keepu unix - - n - - echo\n"
            "gone unix - - n - - echo\n"
            "changed unix - - n - 1 echo v=1\n")
    instance.write_master_cf(base)
    master.start()

    session = tcp(port)
    old_pid, gen1 = session.hello()
    assert session.ask("before") == f"echo before {old_pid}"
    gone = unix(q / "private" / "gone")
    gone_pid, _ = gone.hello()
    changed = unix(q / "private" / "changed")
    changed_pid, _ = changed.hello()
    keepu_ino = (q / "private" / "keepu").stat().st_ino

    instance.write_master_cf(
        f"127.0.0.1:{port} inet n - n - 2 echo v=1\n"
        "keepu unix - - n - - echo\n"
        "changed unix - - n - 2 echo v=2\n"
        "added unix - - n - - echo\n")
    master.reload()

    # Removed: listener and socket gone, its process terminated.
    wait_for(lambda: not pid_alive(gone_pid), 10, what="removed service's child exit")
    assert not (q / "private" / "gone").exists()
    # Unchanged: same socket file, and the session in progress goes on.
    assert (q / "private" / "keepu").stat().st_ino == keepu_ino
    assert session.ask("during") == f"echo during {old_pid}"
    # A new client of the unchanged service gets a new-generation process.
    c = tcp(port)
    new_pid, gen2 = c.hello()
    assert new_pid != old_pid and gen2 != gen1
    c.close()
    # Changed: the busy old process keeps its client; new ones run v=2.
    assert changed.ask("still") == f"echo still {changed_pid}"
    c = unix(q / "private" / "changed")
    pid, gen = c.hello()
    assert pid != changed_pid and gen == gen2
    assert c.info()["argv"][-1] == "v=2"
    c.close()
    # Added.
    c = unix(q / "private" / "added")
    c.hello()
    c.close()

    # Old-generation processes leave once their connection is done.
    session.close()
    changed.close()
    wait_for(lambda: not pid_alive(old_pid), 10, what="old smtp child exit")
    wait_for(lambda: not pid_alive(changed_pid), 10, what="old child exit")
    assert pid_alive(master.pid)
    log = master.log()
    assert "reload -- version" in log
    assert not re.search(r"warning: (process|.*bad command|.*cannot)", log)
    gone.close()


def test_reload_keeps_listener_no_connection_refused(master, instance):
    port = instance.port("keep")
    instance.write_master_cf(f"127.0.0.1:{port} inet n - n - 5 echo\n")
    master.start()

    def served_then_reloaded(count):
        c = tcp(port)   # raises ConnectionRefusedError after a re-bind
        c.hello()
        c.close()
        return master.log().count("reload -- version") > count

    for i in range(3):
        master.signal(signal.SIGHUP)
        # Clients keep coming while the reload happens.
        wait_for(lambda: served_then_reloaded(i), 10, what="reload")


def test_reload_with_broken_master_cf_keeps_services(master, instance):
    port = instance.port("keep")
    instance.write_master_cf(f"127.0.0.1:{port} inet n - n - 2 echo\n")
    master.start()
    instance.write_master_cf("broken inet\n")
    master.set_main("inet_interfaces", "loopback-only")
    master.reload()
    log = master.log()
    assert "keeping the current services" in log
    assert "ignoring inet_interfaces parameter value change" in log
    assert 'old value: "127.0.0.1", new value: "loopback-only"' in log
    c = tcp(port)
    c.hello()
    c.close()


def test_reload_with_bad_main_cf_keeps_running(master, instance):
    port = instance.port("keep")
    instance.write_master_cf(f"127.0.0.1:{port} inet n - n - 2 echo v=1\n")
    master.start()
    master.set_main("default_process_limit", "lots")
    master.signal(signal.SIGHUP)
    wait_for(lambda: "configuration not reloaded" in master.log(), 10,
             what="reload refused")
    assert "bad numerical configuration: default_process_limit = lots" \
        in master.log()
    assert "reload -- version" not in master.log()
    c = tcp(port)
    c.hello()
    c.close()
    # Fixed: the next reload goes through.
    master.set_main("default_process_limit", "50")
    instance.write_master_cf(f"127.0.0.1:{port} inet n - n - 2 echo v=2\n")
    master.reload()
    c = tcp(port)
    c.hello()
    assert c.info()["argv"][-1] == "v=2"
    c.close()
    assert pid_alive(master.pid)


# ---------------------------------------------------------------------------
# stopping


def test_sigterm_ends_every_child_and_master(master, instance):
    port = instance.port("echo")
    started = master.file("started")
    instance.write_master_cf(
        f"127.0.0.1:{port} inet n - n - 3 echo started={started}\n"
        f"stubborn unix - - n - 1 echo ignore_term=1 linger=1 started={started}\n"
        f"tick fifo n - n 1 1 trigger log={master.file('ticks')} started={started}\n")
    master.start()
    busy = tcp(port)
    busy.hello()
    idle = tcp(port)
    idle.hello()
    idle.close()
    stubborn = unix(instance.queue_dir / "private" / "stubborn")
    stubborn.hello()
    wait_for(lambda: len(master.started("started")) == 4, 10,
             what="four children")
    pids = [int(p) for p, _, _ in master.started("started")]
    assert all(pid_alive(p) for p in pids)

    master.signal(signal.SIGTERM)
    # The listener closes at once.
    wait_for(lambda: connect_refused(port), 10, what="listener closed")
    # The child that ignores SIGTERM gets SIGKILL after the grace time.
    wait_for(lambda: not pid_alive(master.pid), 30, what="master exit")
    assert not [p for p in pids if pid_alive(p)]
    assert procs_matching(str(instance.root)) == []
    log = master.log()
    assert "terminating on signal 15" in log
    assert "sending SIGKILL" in log
    busy.close()
    stubborn.close()


def connect_refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        return True


def test_sigquit_kills_children_at_once(master, instance):
    port = instance.port("echo")
    instance.write_master_cf(
        f"127.0.0.1:{port} inet n - n - 2 echo ignore_term=1 linger=1\n")
    master.start()
    c = tcp(port)
    pid, _ = c.hello()
    master.signal(signal.SIGQUIT)
    wait_for(lambda: not pid_alive(master.pid), 5, what="master exit")
    assert not pid_alive(pid)
    assert "terminating on signal 3" in master.log()
    c.close()


# ---------------------------------------------------------------------------
# Debian's stock master.cf


@pytest.mark.skipif(not POSTFIX_STOCK_MASTER.exists(),
                    reason="Debian's postfix package is not installed")
def test_debian_stock_master_cf_accepted(master, instance):
    port = instance.port("smtp")
    text = POSTFIX_STOCK_MASTER.read_text()
    assert "\nsmtp      inet" in text
    instance.write_master_cf(text.replace("\nsmtp      inet",
                                          f"\n127.0.0.1:{port} inet", 1))
    # An empty daemon_directory: no program of the stock file exists.
    empty = instance.root / "empty"
    empty.mkdir()
    master.set_main("daemon_directory", empty)
    pid = master.start()
    # qmgr and pickup are woken at start-up: their absence is logged.
    wait_for(lambda: str(empty / "qmgr") in master.log()
             and str(empty / "pickup") in master.log(), 10,
             what="qmgr and pickup reported missing")
    assert "tlsmgr" not in master.log(), "1000? waits for first use"
    for name in ("cleanup", "qmgr", "pickup", "showq", "postlog"):
        assert (instance.queue_dir / "public" / name).exists(), name
    for name in ("smtp", "relay", "rewrite", "bounce", "maildrop", "uucp"):
        assert (instance.queue_dir / "private" / name).exists(), name
    s = socket.create_connection(("127.0.0.1", port))
    wait_for(lambda: str(empty / "smtpd") in master.log(), 10,
             what="smtpd reported missing")
    s.close()
    assert pid_alive(pid)
    master.stop()
    log = master.log()
    assert "fatal" not in log and "panic" not in log
    assert "terminating on signal 15" in log
