"""Network namespaces for tests that need their own DNS.

    with NetNS() as ns:          # skips the test when it cannot be made
        ns.popen([...])          # a process inside, stopped at the end
        ns.run([...])            # subprocess.run inside
        ns.cmd([...])            # the argv that runs inside

NetNS(search="example.test") adds a search line to that resolv.conf.
NetNS creates "postern-test-<random>" with `ip netns add`, brings its
loopback up (all of 127.0.0.0/8 is then local inside, so 127.0.0.2,
127.0.0.3 ... can each have their own listener on port 25) and writes
/etc/netns/NAME/resolv.conf with "nameserver 127.0.0.1": `ip netns exec`
bind-mounts that file over /etc/resolv.conf for the processes it starts,
so the machine's own /etc/resolv.conf is never touched. Teardown
terminates the processes it started and any process still inside the
namespace (daemons they forked), deletes the namespace and removes
/etc/netns/NAME.

Needs root and a kernel that allows namespaces; otherwise the test is
skipped with the reason.
"""
import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

NETNS_ETC = Path("/etc/netns")


def _ip(*args, **kw):
    return subprocess.run(["ip", *args], capture_output=True, text=True,
                          timeout=30, **kw)


class NetNS:
    def __init__(self, nameserver="127.0.0.1", search=None):
        self.name = f"postern-test-{secrets.token_hex(4)}"
        self.nameserver = nameserver
        self.search = search
        self.procs = []
        self.created = False

    def __enter__(self):
        if os.geteuid() != 0:
            pytest.skip("network namespace tests need root "
                        "(ip netns add); they run as root in CI")
        if shutil.which("ip") is None:
            pytest.skip("iproute2 (ip) is not installed")
        r = _ip("netns", "add", self.name)
        if r.returncode != 0:
            pytest.skip(f"ip netns add {self.name} failed: "
                        f"{r.stderr.strip()}")
        self.created = True
        try:
            r = _ip("-n", self.name, "link", "set", "lo", "up")
            if r.returncode != 0:
                raise RuntimeError(f"ip -n {self.name} link set lo up: "
                                   f"{r.stderr.strip()}")
            etc = NETNS_ETC / self.name
            etc.mkdir(parents=True)
            (etc / "resolv.conf").write_text(
                (f"search {self.search}\n" if self.search else "") +
                f"nameserver {self.nameserver}\n"
                "options timeout:2 attempts:1\n")
            # Readable by the unprivileged daemons inside.
            etc.chmod(0o755)
            (etc / "resolv.conf").chmod(0o644)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def cmd(self, argv):
        return ["ip", "netns", "exec", self.name, *[str(a) for a in argv]]

    def run(self, argv, timeout=60, **kw):
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        return subprocess.run(self.cmd(argv), timeout=timeout, **kw)

    def popen(self, argv, **kw):
        p = subprocess.Popen(self.cmd(argv), **kw)
        self.procs.append(p)
        return p

    def pids(self):
        """Processes inside the namespace (ours: nothing else uses it)."""
        r = _ip("netns", "pids", self.name)
        return [int(p) for p in r.stdout.split() if p.isdigit()]

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []
        if self.created:
            # Daemons started inside (a mail system's master and its
            # children) are still in the namespace: end them by pid.
            for sig in (signal.SIGTERM, signal.SIGKILL):
                pids = self.pids()
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
                deadline = time.monotonic() + 5
                while self.pids() and time.monotonic() < deadline:
                    time.sleep(0.05)
            _ip("netns", "del", self.name)
            self.created = False
        shutil.rmtree(NETNS_ETC / self.name, ignore_errors=True)
