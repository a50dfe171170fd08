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
