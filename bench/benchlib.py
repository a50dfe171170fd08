"""Helpers the benchmarks in bench/ share: free ports, a clean environment
for the programs they start, CPU accounting from /proc, and the base of
their MTA instances."""
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env():
    """Our environment without MAIL_CONFIG: -c names the instance."""
    env = dict(os.environ)
    env.pop("MAIL_CONFIG", None)
    return env


def proc_stat(pid):
    """(ppid, state, cpu ticks incl. reaped children) or None."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime..cstime are fields 14..17.
    ticks = sum(int(x) for x in fields[11:15])
    return int(fields[1]), fields[0], ticks


def all_procs():
    procs = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st:
                procs[int(name)] = st
    return procs


def process_tree(root, procs=None):
    """{pid: stat} for ROOT and its live descendants ({} if ROOT is gone)."""
    if procs is None:
        procs = all_procs()
    if root not in procs:
        return {}
    children = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid not in tree:
            tree[pid] = procs[pid]
            todo.extend(children.get(pid, ()))
    return tree


def percentile(values, p):
    """The P-th percentile (0..100) of VALUES, nearest rank."""
    if not values:
        return float("nan")
    s = sorted(values)
    rank = max(1, -(-len(s) * p // 100))
    return s[int(rank) - 1]


class LogTail:
    """Reads the complete lines appended to a file since the last call."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""

    def skip_to_end(self):
        try:
            self.offset = self.path.stat().st_size
        except FileNotFoundError:
            self.offset = 0
        self.partial = b""

    def lines(self):
        try:
            with open(self.path, "rb") as fp:
                fp.seek(self.offset)
                data = fp.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        data = self.partial + data
        parts = data.split(b"\n")
        self.partial = parts.pop()
        return [p.decode(errors="replace") for p in parts]



def print_rate_table(results):
    """Best and median msg/s and median CPU s/1000 messages per
    implementation, from {name: [(rate, cpu), ...]}, and the ratios."""
    print(f"{'impl':<8} {'best msg/s':>10} {'median msg/s':>12}"
          f" {'cpu s/1000 msgs':>15}")
    summary = {}
    for name, rs in results.items():
        rates = [rate for rate, _ in rs]
        cpu = statistics.median(c for _, c in rs)
        summary[name] = (max(rates), statistics.median(rates), cpu)
        print(f"{name:<8} {max(rates):>10.0f} {statistics.median(rates):>12.0f}"
              f" {cpu:>15.3f}")
    if "postfix" in summary:
        pb, pm, pc = summary["postern"]
        fb, fm, fc = summary["postfix"]
        print(f"ratio postern/postfix: rate {pb / fb:.2f} (best), "
              f"{pm / fm:.2f} (median); cpu {pc / max(fc, 1e-9):.2f} "
              "(rate above 1 and cpu below 1: postern is better)")

class MtaInstance:
    """What the benchmarks' instances share: start and stop through the
    instance's own postfix(1), its log, its processes' CPU time.
    Subclasses set name, root, sbin, config_dir, queue_dir, maillog, port
    and started, and define processes()."""

    def __init__(self, bench, name, sbin):
        self.name = name
        self.sbin = Path(sbin)
        self.root = Path(tempfile.mkdtemp(prefix=f"bench-{bench}-{name}-"))
        self.root.chmod(0o755)
        self.config_dir = self.root / "etc"
        self.queue_dir = self.root / "queue"
        self.maillog = self.root / "maillog"
        self.config_dir.mkdir()
        self.queue_dir.mkdir()
        self.port = free_port()
        self.started = False

    def write_config(self, bench, master_cf, daemon_dir, user, group,
                     main_cf_extra, mydestination="$myhostname, localhost",
                     drop_services=()):
        """master.cf with smtpd on our port (minus drop_services), and a
        main.cf identical for postern and Postfix but for main_cf_extra
        and, for postern, its daemon and command directories."""
        lines = []
        for line in master_cf.splitlines():
            words = line.split()
            if words and words[0] in drop_services and \
                    not line[0].isspace():
                continue
            if words[:2] == ["smtp", "inet"]:
                line = line.replace("smtp", f"127.0.0.1:{self.port}", 1)
            lines.append(line)
        (self.config_dir / "master.cf").write_text("\n".join(lines) + "\n")
        main_cf = (
            f"# bench/{bench}.py: identical for postern and Postfix\n"
            "compatibility_level = 3.6\n"
            f"queue_directory = {self.queue_dir}\n"
            f"data_directory = {self.root / 'data'}\n"
            f"mail_owner = {user}\n"
            f"setgid_group = {group}\n"
            "inet_interfaces = 127.0.0.1\n"
            "inet_protocols = ipv4\n"
            "myhostname = postern.test\n"
            f"mydestination = {mydestination}".rstrip() + "\n"
            "mynetworks = 127.0.0.0/8\n"
            "local_recipient_maps =\n"
            "alias_maps =\n"
            "alias_database =\n"
            "smtpd_banner = $myhostname ESMTP\n"
            + main_cf_extra +
            f"maillog_file = {self.maillog}\n"
            f"maillog_file_prefixes = {self.root}\n")
        if daemon_dir:
            main_cf += (f"daemon_directory = {daemon_dir}\n"
                        f"command_directory = {self.sbin}\n")
        (self.config_dir / "main.cf").write_text(main_cf)

    def postfix(self, *args, timeout=60):
        return subprocess.run([str(self.sbin / "postfix"), "-c",
                               str(self.config_dir), *args],
                              capture_output=True, text=True,
                              env=clean_env(), timeout=timeout)

    def start(self):
        r = self.postfix("start")
        self.started = True
        if r.returncode != 0:
            raise RuntimeError(f"{self.name}: postfix start failed "
                               f"(exit {r.returncode}):\n{r.stdout}{r.stderr}"
                               f"{self.log_tail()}")
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port),
                                              timeout=5) as s:
                    if s.recv(512).startswith(b"220"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: no SMTP banner on port "
                                   f"{self.port} after start{self.log_tail()}")
            time.sleep(0.1)

    def log_tail(self):
        try:
            lines = self.maillog.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\nlast log lines:\n" + "\n".join(lines[-15:])

    def master_pid(self):
        try:
            return int((self.queue_dir / "pid" / "master.pid").read_text())
        except (OSError, ValueError):
            return None

    def cpu_seconds(self):
        return sum(t for _, _, t in self.processes().values()) / CLK_TCK

    def stop(self):
        """Stop the instance; kill whatever is left of it."""
        if not self.started:
            return
        survivors = set(self.processes())
        try:
            r = self.postfix("stop")
            if r.returncode != 0:
                print(f"warning: {self.name}: postfix stop: exit "
                      f"{r.returncode}: {r.stderr.strip()}", file=sys.stderr)
        except subprocess.TimeoutExpired:
            print(f"warning: {self.name}: postfix stop timed out",
                  file=sys.stderr)
        # Postfix's stop returns once master is told; its daemons finish
        # on their own within moments.
        deadline = time.monotonic() + 10
        while True:
            procs = all_procs()
            left = [pid for pid in survivors
                    if pid in procs and procs[pid][1] != "Z"]
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        for pid in left:
            print(f"warning: {self.name}: pid {pid} still running 10s after"
                  f" stop; killing it", file=sys.stderr)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.started = False

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)
