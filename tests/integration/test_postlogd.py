"""postlogd(8) and the postlog client under the fake master of
test_mail_server.py: the test binds public/postlog (unix-dgram), hands it
to postlogd as fd 4 and checks what lands in maillog_file."""
import os
import re
import socket
import subprocess
import time

from conftest import wait_for
from test_mail_server import (AVAIL, Client, FakeMaster, inet_listener,
                              is_root, maillog, daemon_path, unix_listener)

import pytest


def start_postlogd(instance, postern, *args, **kw):
    ls = unix_listener(instance.queue_dir / "public" / "postlog",
                       socket.SOCK_DGRAM)
    m = FakeMaster(instance, postern.libexec("postlogd"),
                   ["-n", "postlog", "-t", "unix-dgram", *args], [ls], **kw)
    return m, ls


def run_single_standalone(instance, commands, *args):
    return subprocess.run([daemon_path("msrv_single"), "-S", *args],
                          input="".join(c + "\n" for c in commands),
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ,
                               "MAIL_CONFIG": str(instance.config_dir)})


def send_dgram(instance, data):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(data, str(instance.queue_dir / "public" / "postlog"))
    s.close()


def test_lines_from_a_daemon_arrive_in_order(instance, postern):
    m, ls = start_postlogd(instance, postern)
    m.expect_status(AVAIL)
    # The client would append to this other file if it did not reach the
    # service; postlogd writes the instance's maillog.
    elsewhere = instance.root / "client-fallback.log"
    r = run_single_standalone(instance,
                              [f"log line {i}" for i in range(1, 101)]
                              + ["quit"],
                              "-o", f"maillog_file={elsewhere}")
    assert r.returncode == 0, r.stderr

    def all_lines():
        got = re.findall(r"^(\w{3} [ 0-9]\d \d\d:\d\d:\d\d) postern "
                         r"postfix/msrv_single\[(\d+)\]: line (\d+)$",
                         maillog(instance), re.M)
        return got if len(got) >= 100 else None
    got = wait_for(all_lines, what="100 lines in maillog_file")
    assert [int(n) for _, _, n in got] == list(range(1, 101))
    assert len({pid for _, pid, _ in got}) == 1
    assert not elsewhere.exists()
    assert m.alive()


def test_no_line_is_lost_when_many_processes_log_at_once(instance, postern):
    """Dozens of processes share postlogd's short socket queue (10
    datagrams by default on Linux): a sender that finds it full waits
    for room instead of dropping its line."""
    m, ls = start_postlogd(instance, postern)
    m.expect_status(AVAIL)
    nproc, nlines = 120, 200
    script = "".join(f"log line {i}\n" for i in range(nlines)) + "quit\n"
    procs = [subprocess.Popen([daemon_path("msrv_single"), "-S"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, text=True,
                              env={**os.environ,
                                   "MAIL_CONFIG": str(instance.config_dir)})
             for _ in range(nproc)]
    for p in procs:
        p.stdin.write(script)
        p.stdin.flush()
    for p in procs:
        p.stdin.close()
        assert p.wait(timeout=120) == 0

    def counted():
        n = len(re.findall(r"postfix/msrv_single\[\d+\]: line \d+$",
                           maillog(instance), re.M))
        return n if n >= nproc * nlines else None
    # All processes have exited, so every line was either sent or lost.
    wait_for(counted, 30, what=f"{nproc * nlines} lines in maillog_file")
    assert m.alive()


def test_datagrams_are_appended_as_lines(instance, postern):
    m, ls = start_postlogd(instance, postern)
    m.expect_status(AVAIL)
    send_dgram(instance, b"first, without newline")
    send_dgram(instance, b"")
    send_dgram(instance, b"second\n")
    wait_for(lambda: "second\n" in maillog(instance), what="second line")
    assert maillog(instance) == "first, without newline\nsecond\n"


def test_maillog_file_outside_prefixes_is_fatal(instance, postern):
    outside = instance.root.parent / "outside.log"
    for path in (outside, instance.root / ".." / "outside.log"):
        m, ls = start_postlogd(instance, postern, "-o",
                               f"maillog_file={path}")
        assert m.wait_exit() == 1
        assert (f"fatal: maillog_file value '{path}' does not match any "
                f"prefix in maillog_file_prefixes") in m.stderr()
        assert not outside.exists()
        assert m.no_new_status() == 0


def test_postlogd_stays_until_master_goes_away(instance, postern):
    m, ls = start_postlogd(instance, postern, "-o", "max_idle=1",
                           "-o", "max_use=1")
    m.expect_status(AVAIL)
    for i in range(3):
        send_dgram(instance, b"dgram %d\n" % i)
    t0 = time.monotonic()
    wait_for(lambda: "dgram 2" in maillog(instance) and
             time.monotonic() - t0 > 2.5, what="2.5s past max_idle")
    assert m.alive()
    m.close_status()
    assert m.wait_exit(what="exit after master went away") == 0


def test_postlogd_logs_its_own_lines_to_the_file(instance, postern):
    m, ls = start_postlogd(instance, postern, "-v")
    m.expect_status(AVAIL)
    wait_for(lambda: re.search(rf"postern postfix/postlogd\[{m.pid}\]: ",
                               maillog(instance)),
             what="postlogd's own verbose line")


def test_maillog_file_dev_stdout(instance, postern):
    m, ls = start_postlogd(instance, postern,
                           "-o", "maillog_file=/dev/stdout",
                           "-o", "maillog_file_prefixes=/dev/stdout",
                           stdout=subprocess.PIPE)
    m.expect_status(AVAIL)
    r = run_single_standalone(instance, ["log to stdout", "quit"])
    assert r.returncode == 0
    line = m.proc.stdout.readline().decode()
    assert re.match(r"\w{3} [ 0-9]\d \d\d:\d\d:\d\d postern "
                    r"postfix/msrv_single\[\d+\]: to stdout\n$", line)
    assert "to stdout" not in maillog(instance)


def test_without_postlogd_a_daemon_appends_to_the_file(instance):
    # No socket at all, then a stale socket nobody is bound to.
    r = run_single_standalone(instance, ["log no socket", "quit"])
    assert r.returncode == 0
    assert re.search(r"postfix/msrv_single\[\d+\]: no socket$",
                     maillog(instance), re.M)
    ls = unix_listener(instance.queue_dir / "public" / "postlog",
                       socket.SOCK_DGRAM)
    ls.close()
    r = run_single_standalone(instance, ["log stale socket", "quit"])
    assert r.returncode == 0
    assert re.search(r"postfix/msrv_single\[\d+\]: stale socket$",
                     maillog(instance), re.M)


def test_chrooted_unprivileged_daemon_logs_through_postlogd(instance,
                                                            postern):
    if not is_root():
        pytest.skip("chroot and the switch to mail_owner need root")
    m, ls = start_postlogd(instance, postern)
    m.expect_status(AVAIL)
    elsewhere = instance.root / "client-fallback.log"
    lis = inet_listener()
    d = FakeMaster(instance, daemon_path("msrv_single"),
                   ["-n", "test", "-t", "inet", "-c", "-u",
                    "-o", f"maillog_file={elsewhere}"], [lis])
    d.expect_status(AVAIL)
    c = Client.inet(lis)
    assert c.line().split()[1] != "uid=0"
    assert c.cmd("log from inside the chroot") == "ok"
    c.close()
    wait_for(lambda: f"msrv_single[{d.pid}]: from inside the chroot" in
             maillog(instance), what="line from the chrooted daemon")
    assert not elsewhere.exists()
