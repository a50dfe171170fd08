"""pytest fixtures shared by every postern integration test.

postern      -- the installed postern under test (session scope).  Uses
                $POSTERN_PREFIX (set by `make check`); without it, installs
                the tree into a temporary prefix once per session.
instance     -- a private instance (function scope): config, queue and
                data directories in a temporary directory, the shipped
                main.cf/master.cf adapted to run as the invoking user on
                127.0.0.1 with free ports.  Later milestones start daemons
                from it; it stops whatever it started.
postfix_ref  -- Debian's Postfix commands for side-by-side comparison, with
                a private empty configuration.  Tests that use it are
                skipped, with the reason, where Postfix is not installed.

Helpers: free_port(), listening(port), wait_for(predicate, timeout, what),
postfix_instance(main_cf) -- a running private Debian Postfix server
(context manager) for tests that compare SMTP behaviour.
"""
import contextlib
import grp
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections import namedtuple
from pathlib import Path

import pytest

SRCDIR = Path(os.environ.get("POSTERN_SRCDIR",
                             Path(__file__).resolve().parents[2]))
POSTFIX_SBIN = Path("/usr/sbin")
POSTFIX_STOCK_MASTER = Path("/usr/share/postfix/master.cf.dist")
POSTFIX_CMD = POSTFIX_SBIN / "postfix"


# Ports free_port() handed out in this run: a port chosen for a service
# that has not started yet is free again for the kernel, so it is never
# handed out twice. CI runs two suites at once (.ci/run); each takes only
# ports of its own parity (POSTERN_TEST_PORT_PARITY), so neither picks a
# port the other chose but has not bound yet.
_ports_given = set()


def free_port(host="127.0.0.1"):
    """A TCP port on host that nothing listens on right now."""
    parity = os.environ.get("POSTERN_TEST_PORT_PARITY")
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            start = s.getsockname()[1]
        # The kernel may offer the same port again: walk up from it.
        for port in range(start, min(start + 512, 65536)):
            if port in _ports_given or \
                    (parity is not None and port % 2 != int(parity)):
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind((host, port))
                except OSError:
                    continue
            _ports_given.add(port)
            return port


def listening(port, host="127.0.0.1"):
    """True when a TCP connection to host:port succeeds."""
    try:
        with socket.create_connection((host, port), 1):
            return True
    except OSError:
        return False


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    """Poll predicate() until it returns a true value or the deadline
    passes; returns that value or fails the test naming what it waited
    for.  Never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def _run(argv, input=None, env=None, timeout=60, cwd=None):
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run([str(a) for a in argv], input=input,
                          capture_output=True, text=True, env=full_env,
                          timeout=timeout, cwd=cwd)


class Postern:
    """The installed postern: commands in prefix/sbin, daemons in
    prefix/libexec/postern."""

    def __init__(self, prefix, config_dir):
        self.prefix = Path(prefix)
        # An empty default configuration so that no test reads /etc/postfix.
        self.config_dir = Path(config_dir)

    def sbin(self, name):
        return self.prefix / "sbin" / name

    def libexec(self, name):
        return self.prefix / "libexec" / "postern" / name

    def run(self, name, *args, input=None, env=None, timeout=60):
        e = {"MAIL_CONFIG": str(self.config_dir)}
        if env:
            e.update(env)
        return _run([self.sbin(name), *args], input=input, env=e,
                    timeout=timeout)


class PostfixRef:
    """Debian's Postfix 3.7 commands with a private configuration."""

    def __init__(self, config_dir):
        self.config_dir = Path(config_dir)

    def run(self, name, *args, input=None, env=None, timeout=60):
        e = {"MAIL_CONFIG": str(self.config_dir)}
        if env:
            e.update(env)
        return _run([POSTFIX_SBIN / name, *args], input=input, env=e,
                    timeout=timeout)

    def postconf(self, *args, **kw):
        return self.run("postconf", *args, **kw)

    def postmap(self, *args, **kw):
        return self.run("postmap", *args, **kw)

    def postalias(self, *args, **kw):
        return self.run("postalias", *args, **kw)


class Instance:
    """A private postern instance under one temporary directory."""

    def __init__(self, postern, root):
        self.postern = postern
        self.root = Path(root)
        self.config_dir = self.root / "etc"
        self.queue_dir = self.root / "queue"
        self.data_dir = self.root / "data"
        self.maillog = self.root / "maillog"
        self._ports = {}
        self._procs = []
        for d in (self.config_dir, self.queue_dir, self.data_dir):
            d.mkdir(parents=True)
        if os.getuid() == 0:
            # As root, daemons drop to the unprivileged mail_owner, as on a
            # real system (.ci/run creates postfix/postdrop when missing).
            self.user, self.group = "postfix", "postdrop"
        else:
            self.user = pwd.getpwuid(os.getuid()).pw_name
            self.group = grp.getgrgid(os.getgid()).gr_name
        # data_directory as `postfix check` wants it: mail_owner's, 0700.
        if os.getuid() == 0:
            owner = pwd.getpwnam(self.user)
            os.chown(self.data_dir, owner.pw_uid, owner.pw_gid)
        self.data_dir.chmod(0o700)
        # No system alias database: the instance has none of its own.
        shipped = re.sub(r"(?m)^(alias_maps|alias_database) = .*$", r"\1 =",
                         (SRCDIR / "conf" / "main.cf").read_text())
        self.write_main_cf(shipped + "\n" + self.local_settings())
        self.write_master_cf((SRCDIR / "conf" / "master.cf").read_text()
                             .replace("\nsmtp      inet",
                                      f"\n127.0.0.1:{self.port('smtp')} inet", 1))

    def local_settings(self):
        """main.cf lines that make the instance private to this test."""
        return (f"# private test instance\n"
                f"queue_directory = {self.queue_dir}\n"
                f"data_directory = {self.data_dir}\n"
                f"mail_owner = {self.user}\n"
                f"setgid_group = {self.group}\n"
                f"inet_interfaces = 127.0.0.1\n"
                f"inet_protocols = ipv4\n"
                f"myhostname = postern.test\n"
                f"daemon_directory = {self.postern.prefix}/libexec/postern\n"
                f"command_directory = {self.postern.prefix}/sbin\n"
                f"maillog_file = {self.maillog}\n"
                f"maillog_file_prefixes = {self.root}\n"
                # Any local part is accepted at RCPT (tests of unknown
                # users set local_recipient_maps themselves).
                f"local_recipient_maps =\n")

    def port(self, name):
        """A free 127.0.0.1 port, the same one each time for a name."""
        if name not in self._ports:
            self._ports[name] = free_port()
        return self._ports[name]

    def write_main_cf(self, text):
        (self.config_dir / "main.cf").write_text(text)

    def append_main_cf(self, text):
        with open(self.config_dir / "main.cf", "a") as f:
            f.write("\n" + text + "\n")

    def write_master_cf(self, text):
        (self.config_dir / "master.cf").write_text(text)

    def run(self, name, *args, **kw):
        """Run a postern command against this instance's configuration."""
        env = dict(kw.pop("env", None) or {})
        env["MAIL_CONFIG"] = str(self.config_dir)
        return self.postern.run(name, *args, env=env, **kw)

    def postconf(self, *args, **kw):
        return self.run("postconf", "-c", str(self.config_dir), *args, **kw)

    def spawn(self, argv, **kw):
        """Start a long-running process that the fixture stops."""
        p = subprocess.Popen([str(a) for a in argv], **kw)
        self._procs.append(p)
        return p

    def stop(self):
        for p in self._procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


@pytest.fixture(scope="session")
def postern(tmp_path_factory):
    prefix = os.environ.get("POSTERN_PREFIX")
    if not prefix:
        prefix = tmp_path_factory.mktemp("prefix")
        builddir = os.environ.get("POSTERN_BUILDDIR", str(SRCDIR))
        r = _run(["make", "-C", builddir, "install", f"prefix={prefix}"],
                 timeout=600)
        if r.returncode != 0:
            pytest.fail("make install failed:\n" + r.stdout + r.stderr)
    cfg = tmp_path_factory.mktemp("postern-default-config")
    (cfg / "main.cf").write_text("")
    (cfg / "master.cf").write_text((SRCDIR / "conf" / "master.cf").read_text())
    return Postern(prefix, cfg)


def instance_root():
    """A fresh directory for an instance.  Outside pytest's 0700 tmp tree
    so that, under root, mail_owner can reach the queue through it."""
    root = Path(tempfile.mkdtemp(prefix="postern-inst-"))
    root.chmod(0o755)
    return root


@pytest.fixture
def instance(postern):
    root = instance_root()
    inst = Instance(postern, root / "instance")
    yield inst
    inst.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postfix_ref(tmp_path_factory):
    if not (POSTFIX_SBIN / "postconf").exists() or \
            not (POSTFIX_SBIN / "postmap").exists():
        pytest.skip("Debian's Postfix is not installed "
                    "(apt-get install postfix postfix-pcre); "
                    "comparison tests need it")
    cfg = tmp_path_factory.mktemp("postfix-ref-config")
    (cfg / "main.cf").write_text("")
    if POSTFIX_STOCK_MASTER.exists():
        shutil.copy(POSTFIX_STOCK_MASTER, cfg / "master.cf")
    else:
        (cfg / "master.cf").write_text("")
    return PostfixRef(cfg)


PostfixInstance = namedtuple("PostfixInstance", "port config_dir maillog")


@contextlib.contextmanager
def postfix_instance(main_cf, prefix="postfix-ref-"):
    """Start a private Debian Postfix instance whose main.cf is main_cf
    plus its own queue, data and log locations on 127.0.0.1; qmgr and
    pickup are disabled so that messages stay in incoming/.  Yields a
    PostfixInstance(port, config_dir, maillog) and stops and removes it
    afterwards.  Skips the test without root (Postfix's master needs it)
    or without Debian's Postfix."""
    if os.getuid() != 0:
        pytest.skip("Debian's Postfix needs root to start")
    if not POSTFIX_CMD.exists() or not POSTFIX_STOCK_MASTER.exists():
        pytest.skip("Debian's Postfix is not installed")
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)
    etc, queue, data = root / "etc", root / "queue", root / "data"
    for d in (etc, queue, data):
        d.mkdir()
    shutil.chown(data, "postfix")
    port = free_port()
    log = root / "maillog"
    (etc / "main.cf").write_text(
        main_cf +
        f"queue_directory = {queue}\n"
        f"data_directory = {data}\n"
        f"maillog_file = {log}\n"
        f"maillog_file_prefixes = {root}\n"
        "inet_interfaces = 127.0.0.1\n"
        "inet_protocols = ipv4\n"
        "master_service_disable = qmgr.unix pickup.unix\n")
    (etc / "master.cf").write_text(
        POSTFIX_STOCK_MASTER.read_text().replace(
            "\nsmtp      inet", f"\n127.0.0.1:{port} inet", 1))
    env = dict(os.environ, MAIL_CONFIG=str(etc))
    r = subprocess.run([str(POSTFIX_CMD), "-c", str(etc), "start"], env=env,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip("Debian's Postfix did not start: " + r.stderr)
    try:
        wait_for(lambda: listening(port), 20, what="Postfix to listen")
        yield PostfixInstance(port, etc, log)
    finally:
        subprocess.run([str(POSTFIX_CMD), "-c", str(etc), "stop"], env=env,
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def tmpdir_path(tmp_path):
    """A plain temporary directory as a Path (alias kept short)."""
    return tmp_path
