"""Helpers bench/accept.py and bench/deliver.py share: free ports, a clean
environment for the programs they start, and CPU accounting from /proc."""
import os
import socket
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
