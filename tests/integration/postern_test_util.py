"""Helpers shared by the integration tests of the intake (smtpd, cleanup,
postfix start/stop).  Not a test module: pytest does not collect it.

Queue files:
decode_records(data)       the records of a queue file image, strictly
                           (ValueError on a truncated record).
queue_file(instance, id)   wait for a queue file; its records, decoded.
content_lines(records)     the message lines (FRAGMENT+NORMAL joined).
attrs(records)             the envelope ATTR records as a dict.

SMTP service:
start_instance(instance, extra)  start the instance through master
                           with extra main.cf lines; wait until smtp
                           answers (fixture `smtpd_factory` also stops
                           it at teardown).
SmtpClient                 a raw-socket SMTP client that reads whole
                           (multi-line) replies.
connect, queued_id, maillog, wait_log, wait_log_re.

Processes (found through /proc; a zombie counts as gone):
proc_info(pid), all_procs(), master_pid(instance), instance_procs(instance),
program(info), still_alive(seen), describe(procs), smtpd_pids(instance).
"""
import os
import re
import socket

import pytest

from conftest import listening, wait_for


def decode_records(data):
    """[(type letter, data bytes)] of a queue-file image: type byte,
    length in 7-bit groups (least significant first, 0x80 = more), then
    the data.  Raises ValueError on a truncated record."""
    recs = []
    i = 0
    while i < len(data):
        rtype = chr(data[i])
        i += 1
        length = shift = 0
        while True:
            if i >= len(data):
                raise ValueError(f"file ends inside the length of {rtype}")
            b = data[i]
            i += 1
            length |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        if i + length > len(data):
            raise ValueError(f"file ends inside the data of {rtype}")
        recs.append((rtype, data[i:i + length]))
        i += length
    return recs


def find_queue_file(instance, queue_id):
    for path in instance.queue_dir.rglob(queue_id):
        if path.is_file():
            return path
    return None


def queue_file(instance, queue_id, where="incoming"):
    path = wait_for(lambda: find_queue_file(instance, queue_id), 10,
                    what=f"queue file {queue_id}")
    assert where in path.parts
    return decode_records(path.read_bytes())


def content_lines(records):
    """Message content between MESSAGE and XTRA, fragments joined."""
    lines = []
    inside = False
    partial = b""
    for rtype, data in records:
        if rtype == "M":
            inside = True
        elif rtype == "X":
            break
        elif inside and rtype == "L":
            partial += data
        elif inside and rtype == "N":
            lines.append(partial + data)
            partial = b""
    return lines


def attrs(records):
    """ATTR records of the envelope as a dict."""
    out = {}
    for rtype, data in records:
        if rtype == "M":
            break
        if rtype == "A":
            name, _, value = data.decode().partition("=")
            out[name] = value
    return out


def maillog(instance):
    try:
        return instance.maillog.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def wait_log(instance, text, timeout=10):
    """Wait until text appears in the maillog; return the matching line."""
    def found():
        for line in maillog(instance).splitlines():
            if text in line:
                return line
        return None
    return wait_for(found, timeout, what=f"log line containing {text!r}")


def wait_log_re(instance, regex, timeout=10, tail=0):
    """Wait for a log line matching regex (re.search); return it. With
    tail, a timeout also shows that many last lines of the maillog."""
    pattern = re.compile(regex)

    def found():
        for line in maillog(instance).splitlines():
            if pattern.search(line):
                return line
        return None
    try:
        return wait_for(found, timeout,
                        what=f"a maillog line matching {regex!r}")
    except pytest.fail.Exception as e:
        if not tail:
            raise
        pytest.fail(f"{e}; maillog ends:\n"
                    + "\n".join(maillog(instance).splitlines()[-tail:]))


class SmtpClient:
    """Raw SMTP over a socket; replies are (code, [lines])."""

    def __init__(self, port, host="127.0.0.1", source=None, timeout=15):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((host, port))
        self.buf = b""
        self.chunks = 0

    def close(self):
        self.sock.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed; pending %r" % self.buf)
            self.chunks += 1
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line.decode(errors="replace")

    def reply(self):
        lines = []
        while True:
            line = self._line()
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]), lines

    def text(self):
        """The next reply as one string, lines joined with newlines."""
        return "\n".join(self.reply()[1])

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.text()

    def closed(self):
        """True when the server closed the connection (nothing left)."""
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            return True
        return data == b"" and self.buf == b""


def start_instance(instance, extra=""):
    """Start the instance through master; wait until smtp answers."""
    if extra:
        instance.append_main_cf(extra)
    r = instance.run("postfix", "start")
    assert r.returncode == 0, r.stdout + r.stderr
    wait_for(lambda: listening(instance.port("smtp")), 15,
             what="the smtp service to listen")
    return instance


def hold_delivery(inst):
    """Accepted mail stays in incoming/: no qmgr (and no pickup) in
    master.cf, for tests of the intake alone."""
    lines = []
    skip = False
    for line in (inst.config_dir / "master.cf").read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            skip = line.split()[0] in ("qmgr", "pickup")
        if not skip:
            lines.append(line)
    inst.write_master_cf("\n".join(lines) + "\n")


@pytest.fixture
def smtpd_factory(instance, request):
    """Call with extra main.cf text; the instance is stopped afterwards.
    Delivery is held (hold_delivery) unless the test module sets
    HOLD_DELIVERY = False or the call passes hold=False."""
    started = []
    hold_default = getattr(request.module, "HOLD_DELIVERY", True)

    def start(extra="", hold=None):
        if hold_default if hold is None else hold:
            hold_delivery(instance)
        start_instance(instance, extra)
        started.append(instance)
        return instance
    yield start
    for inst in started:
        inst.run("postfix", "stop")


def connect(instance, source=None):
    c = SmtpClient(instance.port("smtp"), source=source)
    code, lines = c.reply()
    assert code == 220, lines
    return c


def queued_id(reply_text):
    """The queue ID from "250 2.0.0 Ok: queued as ID"."""
    assert "queued as " in reply_text, reply_text
    return reply_text.rsplit("queued as ", 1)[1].strip()


def read_or_none(path, mode="rb"):
    """The contents of a file, or None when it cannot be read."""
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return None


def proc_info(pid):
    """dict(ppid, state, start, cmdline, environ, uids, gids, groups,
    exe) of a process, or None when it is gone."""
    stat = read_or_none(f"/proc/{pid}/stat")
    if stat is None:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()
    status = (read_or_none(f"/proc/{pid}/status") or b"").decode(errors="replace")
    ids = {}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key in ("Uid", "Gid", "Groups"):
            ids[key] = [int(x) for x in value.split()]
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        exe = None
    cmdline = (read_or_none(f"/proc/{pid}/cmdline") or b"").split(b"\0")
    return {"pid": pid, "state": fields[0].decode(), "ppid": int(fields[1]),
            "start": int(fields[19]),
            "cmdline": [c.decode(errors="replace") for c in cmdline if c],
            "environ": read_or_none(f"/proc/{pid}/environ"),
            "uids": ids.get("Uid", []), "gids": ids.get("Gid", []),
            "groups": ids.get("Groups", []), "exe": exe}


def all_procs():
    procs = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            info = proc_info(int(name))
            if info and info["state"] != "Z":
                procs[info["pid"]] = info
    return procs


def master_pid(inst):
    text = read_or_none(inst.queue_dir / "pid" / "master.pid", "r")
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def instance_procs(inst):
    """{pid: info} of the live (non-zombie) processes of an instance."""
    procs = all_procs()
    marker = b"MAIL_CONFIG=" + str(inst.config_dir).encode()
    root = str(inst.root)
    mine = set()
    for pid, p in procs.items():
        if pid == os.getpid():
            continue
        env = (p["environ"] or b"").split(b"\0")
        if marker in env or marker + b"/" in env or \
                any(root in arg for arg in p["cmdline"]):
            mine.add(pid)
    master = master_pid(inst)
    if master in procs and program(procs[master]) == "master":
        mine.add(master)
    grew = True
    while grew:
        grew = False
        for pid, p in procs.items():
            if p["ppid"] in mine and pid not in mine:
                mine.add(pid)
                grew = True
    return {pid: procs[pid] for pid in mine}


def program(p):
    """The program name of a process (basename of exe or argv[0])."""
    if p["exe"]:
        return os.path.basename(p["exe"].removesuffix(" (deleted)"))
    return os.path.basename(p["cmdline"][0]) if p["cmdline"] else ""


def still_alive(seen):
    """Those of the processes seen earlier that still run (same pid and
    start time, not a zombie)."""
    left = {}
    for pid, p in seen.items():
        now = proc_info(pid)
        if now and now["state"] != "Z" and now["start"] == p["start"]:
            left[pid] = now
    return left


def describe(procs):
    return "; ".join(f"pid {pid} {' '.join(p['cmdline'])} uid {p['uids']}"
                     for pid, p in sorted(procs.items())) or "none"


def smtpd_pids(instance):
    """PIDs of this instance's smtpd processes: /proc/PID/exe is the
    installed smtpd and the command line names the instance's port."""
    path = os.path.realpath(instance.postern.libexec("smtpd"))
    port = ":" + str(instance.port("smtp"))
    return [pid for pid, p in all_procs().items()
            if p["exe"] == path and any(a.endswith(port)
                                        for a in p["cmdline"])]
