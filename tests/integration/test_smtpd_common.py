"""Helpers shared by the smtpd integration tests (test_smtpd_*.py).

smtpd_up(instance, extra)  start the instance through master with extra
                           main.cf lines; returns the instance, stops it
                           at teardown (fixture `smtpd_factory`).
SmtpClient                 a raw-socket SMTP client that reads whole
                           (multi-line) replies.
queue_file(instance, id)   the records of a queue file, decoded.
content_lines(records)     the message lines (FRAGMENT+NORMAL joined).
"""
import os
import re
import socket

import pytest

from conftest import wait_for


def test_common_helpers_decode_records():
    # A NORMAL record of 300 bytes: 'N' 0xAC 0x02 + data (qfile.h).
    data = b"N\xac\x02" + b"x" * 300 + b"E\x00"
    assert decode_records(data) == [("N", b"x" * 300), ("E", b"")]
    assert content_lines([("M", b""), ("L", b"ab"), ("N", b"c"),
                          ("N", b""), ("X", b"")]) == [b"abc", b""]


def decode_records(data):
    """Queue-file records: type byte, length in 7-bit groups (least
    significant first, 0x80 = more), then the data."""
    out = []
    i = 0
    while i < len(data):
        rtype = chr(data[i])
        i += 1
        length = 0
        shift = 0
        while True:
            b = data[i]
            i += 1
            length |= (b & 0x7f) << shift
            shift += 7
            if not b & 0x80:
                break
        out.append((rtype, data[i:i + length]))
        i += length
    return out


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


def wait_log_re(instance, regex, timeout=10):
    """Wait for a log line matching regex (re.search); return it."""
    pattern = re.compile(regex)

    def found():
        for line in maillog(instance).splitlines():
            if pattern.search(line):
                return line
        return None
    return wait_for(found, timeout, what=f"log line matching {regex!r}")


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

    def listening():
        try:
            with socket.create_connection(("127.0.0.1",
                                           instance.port("smtp")), 1):
                return True
        except OSError:
            return False
    wait_for(listening, 15, what="the smtp service to listen")
    return instance


@pytest.fixture
def smtpd_factory(instance):
    """Call with extra main.cf text; the instance is stopped afterwards."""
    started = []

    def start(extra=""):
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


def smtpd_pids(instance):
    """PIDs of this instance's smtpd processes: /proc/PID/exe is the
    installed smtpd and the command line names the instance's port."""
    path = os.path.realpath(instance.postern.libexec("smtpd"))
    port = str(instance.port("smtp")).encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{entry}/exe")
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if exe == path and any(a.endswith(b":" + port) for a in argv):
            pids.append(int(entry))
    return pids
