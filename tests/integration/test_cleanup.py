"""cleanup(8): the queue file it writes and the answers it gives.

cleanup runs stand-alone (-S): it serves one connection on its stdin and
stdout, here one end of a socketpair, with the instance's main.cf; the
skeleton changes to queue_directory.  The client side of the protocol is
written out below in Python (attr0 requests, queue-file records), so the
tests check the wire format as well as the behaviour.
"""
import os
import re
import resource
import shutil
import socket
import stat
import subprocess
import threading
import time

import pytest

from conftest import wait_for
from postern_test_util import decode_records

# Record types (lib/global/rec_type.h).
SIZE, TIME, SENDER, ATTR = b"C", b"T", b"S", b"A"
DSN_ENVID, DSN_RET, ORCPT, DSN_ORCPT, DSN_NOTIFY = b"i", b"r", b"O", b"o", b"n"
RCPT, DONE, MESSAGE, NORMAL, FRAGMENT, XTRA, END = (
    b"R", b"D", b"M", b"N", b"L", b"X", b"E")

# Status bits (lib/global/cleanup_client.h).
STAT_BAD, STAT_WRITE, STAT_SIZE, STAT_CONT, STAT_HOPS, STAT_RCPT = (
    1, 2, 4, 8, 16, 32)
STAT_NOSPACE = 128
FLAG_HOLD, FLAG_FROM_SMTP = 4, 32

QUEUE_ID_RE = re.compile(r"^[0-9A-F]{6,}$")


def record(rtype, data=b""):
    """One queue-file record: type, 7-bit length groups, data."""
    if isinstance(data, str):
        data = data.encode()
    n, length = len(data), bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        length.append(b | (0x80 if n else 0))
        if not n:
            break
    return rtype + bytes(length) + data


def parse_records(blob):
    """Decode a queue file into [(type, data)], types as bytes like the
    constants above; strict, like qfile."""
    return [(rtype.encode(), data) for rtype, data in decode_records(blob)]


def attr_request(**attrs):
    out = b""
    for name, value in attrs.items():
        out += name.encode() + b"\0" + str(value).encode() + b"\0"
    return out + b"\0"


class Session:
    """The client end of one cleanup -S run."""

    def __init__(self, instance, overrides=(), preexec_fn=None, wrap=None):
        self.sock, theirs = socket.socketpair()
        argv = [str(instance.postern.libexec("cleanup")), "-S"]
        for o in overrides:
            argv += ["-o", o]
        if wrap:
            argv = wrap(argv)
        self.proc = subprocess.Popen(
            argv, stdin=theirs, stdout=theirs, stderr=subprocess.PIPE,
            env=dict(os.environ, MAIL_CONFIG=str(instance.config_dir)),
            preexec_fn=preexec_fn)
        theirs.close()
        self.sock.settimeout(30)
        self.buf = b""
        self.queue_id = None

    def read_attrs(self):
        """One attr0 reply as a dict (None when the stream ended)."""
        while True:
            end = self._complete()
            if end is not None:
                fields = self.buf[:end].split(b"\0")
                self.buf = self.buf[end + 1:]
                return {fields[i].decode(): fields[i + 1].decode()
                        for i in range(0, len(fields) - 1, 2)}
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self.buf += chunk

    def _complete(self):
        # name NUL value NUL ... NUL: the end marker is a NUL where a
        # name would start.
        i = 0
        while i < len(self.buf):
            if self.buf[i] == 0:
                return i
            j = self.buf.find(b"\0", i)
            if j < 0:
                return None
            k = self.buf.find(b"\0", j + 1)
            if k < 0:
                return None
            i = k + 1
        return None

    def start(self, flags=FLAG_FROM_SMTP):
        reply = self.read_attrs()
        assert reply is not None, self.stderr()
        self.queue_id = reply["queue_id"]
        self.sock.sendall(attr_request(flags=flags))
        return self.queue_id

    def send(self, *records):
        self.sock.sendall(b"".join(records))

    def finish(self):
        """Half-close, read status and reason, wait for the process."""
        reply = self.read_attrs()
        self.sock.close()
        self.proc.wait(timeout=30)
        return reply

    def stderr(self):
        if self.proc.poll() is None:
            self.proc.wait(timeout=30)
        return self.proc.stderr.read().decode(errors="replace")


def envelope(sender="sender@example.com", rcpts=("rcpt@example.com",),
             context="local"):
    recs = [record(SENDER, sender),
            record(ATTR, "log_client_name=localhost"),
            record(ATTR, f"rewrite_context={context}")]
    for r in rcpts:
        recs.append(record(RCPT, r))
    recs.append(record(MESSAGE))
    return recs


def content(lines):
    recs = [record(NORMAL, line) for line in lines]
    return recs + [record(XTRA), record(END)]


SIMPLE = ["Received: from client by postern.test", "Subject: hello", "",
          "body line 1", "body line 2"]


class FakeRewrite:
    """A stand-in for trivial-rewrite(8) on private/rewrite: "rewrite"
    requests append @postern.test (myorigin) to a bare user name and
    leave other addresses alone; every request is remembered."""

    def __init__(self, path):
        self.path = str(path)
        self.requests = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(16)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,),
                             daemon=True).start()

    def _session(self, conn):
        buf = b""
        with conn:
            while True:
                end = buf.find(b"\0\0")
                # A request ends with an empty name after a value.
                fields = None
                if end >= 0:
                    parts = buf.split(b"\0")
                    # name value ... "" -> find the terminating empty name
                    i, attrs = 0, {}
                    while i + 1 < len(parts) and parts[i] != b"":
                        attrs[parts[i].decode()] = parts[i + 1].decode()
                        i += 2
                    if i < len(parts) - 1 and parts[i] == b"":
                        fields = attrs
                        consumed = sum(len(p) + 1 for p in parts[:i + 1])
                        buf = buf[consumed:]
                if fields is None:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    buf += chunk
                    continue
                self.requests.append(fields)
                addr = fields.get("address", "")
                if fields.get("request") == "rewrite":
                    if addr and "@" not in addr:
                        addr += "@postern.test"
                    conn.sendall(attr_request(flags=0, address=addr))
                else:
                    conn.sendall(attr_request(flags=16, transport="smtp",
                                              nexthop="x", recipient=addr))

    def close(self):
        self.sock.close()


def make_queue_dirs(instance):
    for d in ("incoming", "hold", "active", "deferred", "public", "private"):
        (instance.queue_dir / d).mkdir(mode=0o700)


@pytest.fixture
def queue(instance):
    make_queue_dirs(instance)
    instance.rewrite = FakeRewrite(instance.queue_dir / "private" / "rewrite")
    yield instance
    instance.rewrite.close()


def queue_files(instance, *queues):
    """Relative paths of every file under the named queue directories."""
    found = []
    for q in queues or ("incoming", "hold"):
        base = instance.queue_dir / q
        for dirpath, _, files in os.walk(base):
            found += [os.path.relpath(os.path.join(dirpath, f),
                                      instance.queue_dir) for f in files]
    return sorted(found)


def run_message(instance, recs, overrides=(), flags=FLAG_FROM_SMTP):
    s = Session(instance, overrides)
    qid = s.start(flags)
    s.send(*recs)
    reply = s.finish()
    return s, qid, reply


def queued_records(instance, qid, queue_name="incoming"):
    path = instance.queue_dir / queue_name / qid
    return path, parse_records(path.read_bytes())


def headers_of(recs):
    """The content lines before the first empty one."""
    lines, inside = [], False
    for rtype, data in recs:
        if rtype == MESSAGE:
            inside = True
        elif rtype == XTRA:
            break
        elif inside and rtype == NORMAL:
            if data == b"":
                break
            lines.append(data.decode())
    return lines


# ---- a complete message ---------------------------------------------------

def test_complete_message_is_queued_durably(queue):
    dsn = [record(DSN_ENVID, "ENV123"), record(DSN_RET, "2"),
           record(ORCPT, "Rcpt@Example.COM"),
           record(DSN_ORCPT, "rfc822;Rcpt@Example.COM"),
           record(DSN_NOTIFY, "6"), record(RCPT, "rcpt@example.com"),
           record(RCPT, "second@example.com")]
    recs = [record(SENDER, "sender@example.com"),
            record(ATTR, "rewrite_context=local")] + dsn + \
        [record(MESSAGE)] + content(SIMPLE)
    s, qid, reply = run_message(queue, recs)
    assert reply == {"status": "0", "reason": ""}, s.stderr()
    assert QUEUE_ID_RE.match(qid)
    assert queue_files(queue) == [f"incoming/{qid}"]
    path, got = queued_records(queue, qid)
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    types = b"".join(t for t, _ in got)
    # SIZE and TIME first, the client's envelope in its order, then the
    # content, XTRA, END last.
    assert types.startswith(b"CTSAirOonRRM")
    assert types.endswith(b"XE")
    assert got[-1] == (END, b"")
    envelope_part = got[2:got.index((MESSAGE, b""))]
    assert envelope_part[2:] == [(t, d) for t, d in
                                 parse_records(b"".join(dsn))]
    # TIME: arrival with microseconds.
    assert re.fullmatch(rb"\d{10}\.\d{6}", got[1][1])
    # SIZE: content size, data offset, recipients, rewritten in place.
    size_fields = got[0][1].split()
    assert len(got[0][1]) == 47
    blob = path.read_bytes()
    data_offset = int(size_fields[1])
    xtra_offset = blob.rindex(b"X\x00E\x00")
    assert blob[data_offset - 2:data_offset] == b"M\x00"
    assert int(size_fields[0]) == xtra_offset - data_offset
    assert int(size_fields[2]) == 2
    err = s.stderr()
    assert f"{qid}: message-id=<" in err


def test_missing_date_and_message_id_are_added_for_local_mail(queue):
    s, qid, reply = run_message(queue, envelope() + content(SIMPLE),
                                flags=0)
    assert reply["status"] == "0", s.stderr()
    _, got = queued_records(queue, qid)
    hdrs = headers_of(got)
    # Added after the existing headers, in Postfix's order.
    assert hdrs[:2] == SIMPLE[:2]
    msgid = [h for h in hdrs if h.startswith("Message-Id: ")]
    assert len(msgid) == 1
    m = re.fullmatch(r"Message-Id: <(\d{14})\.([0-9A-F]+)@postern\.test>",
                     msgid[0])
    assert m and m.group(2) == qid
    stamp = time.strftime("%Y%m%d", time.gmtime())
    assert m.group(1)[:8] in (stamp, time.strftime(
        "%Y%m%d", time.gmtime(time.time() - 60)))
    date = [h for h in hdrs if h.startswith("Date: ")]
    assert len(date) == 1
    # RFC 5322 date, local time, numeric zone (Postfix adds the zone name).
    assert re.fullmatch(r"Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [ 1-3]\d "
                        r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                        r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}( \(.+\))?", date[0])
    assert "From: sender@example.com" in hdrs
    # The log names the Message-Id that was added, as Postfix does.
    err = s.stderr()
    assert re.search(rf"{qid}: message-id=<\d{{14}}\.{qid}@postern\.test>",
                     err), err


def test_existing_message_id_is_logged_and_kept(queue):
    lines = ["Message-ID:", "\t<abc.123@client.example>", "Date: x",
             "From: a@b", "", "body"]
    s, qid, reply = run_message(queue, envelope() + content(lines))
    assert reply["status"] == "0"
    _, got = queued_records(queue, qid)
    assert headers_of(got) == lines[:4]
    assert f"{qid}: message-id=<abc.123@client.example>" in s.stderr()


def test_remote_mail_gets_no_headers_by_default(queue):
    s, qid, reply = run_message(queue, envelope(context="remote")
                                + content(SIMPLE))
    assert reply["status"] == "0"
    _, got = queued_records(queue, qid)
    assert headers_of(got) == SIMPLE[:2]
    assert f"{qid}: message-id=<>" in s.stderr()


def test_always_add_missing_headers_covers_remote_mail(queue):
    s, qid, reply = run_message(queue, envelope(context="remote")
                                + content(SIMPLE),
                                overrides=["always_add_missing_headers=yes"])
    assert reply["status"] == "0"
    hdrs = headers_of(queued_records(queue, qid)[1])
    assert any(h.startswith("Message-Id: <") for h in hdrs)
    assert any(h.startswith("Date: ") for h in hdrs)
    assert "From: sender@example.com" in hdrs


def test_null_sender_and_undisclosed_recipients(queue):
    s, qid, reply = run_message(
        queue, envelope(sender="") + content(["Subject: x", "", "b"]),
        overrides=["undisclosed_recipients_header=To: undisclosed-recipients:;"])
    assert reply["status"] == "0"
    hdrs = headers_of(queued_records(queue, qid)[1])
    assert "From: MAILER-DAEMON" in hdrs
    assert "To: undisclosed-recipients:;" in hdrs


def test_resent_headers_get_resent_message_id(queue):
    lines = ["Resent-From: a@b", "Message-ID: <m@x>", "Date: d", "From: f",
             "To: t", "", "b"]
    s, qid, reply = run_message(queue, envelope() + content(lines))
    assert reply["status"] == "0"
    hdrs = headers_of(queued_records(queue, qid)[1])
    assert any(h.startswith("Resent-Message-Id: <") for h in hdrs)
    assert any(h.startswith("Resent-Date: ") for h in hdrs)
    assert not any(h.startswith("Message-Id:") for h in hdrs)
    assert re.search(rf"{qid}: resent-message-id=<", s.stderr())


def test_drop_headers_are_removed(queue):
    lines = ["Return-Path: <x@y>", "Bcc: hidden@example.com", "Subject: s",
             "Content-Length: 5", "", "body"]
    s, qid, reply = run_message(queue, envelope(context="remote")
                                + content(lines))
    assert reply["status"] == "0"
    assert headers_of(queued_records(queue, qid)[1]) == ["Subject: s"]


def test_duplicate_recipients_are_dropped(queue):
    recs = envelope(rcpts=("a@example.com", "b@example.com",
                           "a@example.com")) + content(SIMPLE)
    s, qid, reply = run_message(queue, recs)
    assert reply["status"] == "0"
    _, got = queued_records(queue, qid)
    assert [d for t, d in got if t == RCPT] == [b"a@example.com",
                                                b"b@example.com"]
    assert int(got[0][1].split()[2]) == 2


def test_long_lines_and_binary_content_survive(queue):
    body = b"x" * 5000
    frag = [record(FRAGMENT, body[:2048]), record(FRAGMENT, body[2048:4096]),
            record(NORMAL, body[4096:])]
    recs = envelope() + [record(NORMAL, "Subject: s"), record(NORMAL, ""),
                         *frag, record(NORMAL, b"nul\0cr\rend\xff"),
                         record(XTRA), record(END)]
    s, qid, reply = run_message(queue, recs)
    assert reply["status"] == "0"
    got = queued_records(queue, qid)[1]
    i = got.index((NORMAL, b""))
    joined = b""
    for t, d in got[i + 1:]:
        joined += d
        if t == NORMAL:
            break
    assert joined == body
    assert (NORMAL, b"nul\0cr\rend\xff") in got


def test_hold_flag_puts_the_message_on_hold(queue):
    s, qid, reply = run_message(queue, envelope() + content(SIMPLE),
                                flags=FLAG_FROM_SMTP | FLAG_HOLD)
    assert reply["status"] == "0"
    assert queue_files(queue) == [f"hold/{qid}"]


def test_hashed_incoming_queue(queue):
    s, qid, reply = run_message(queue, envelope() + content(SIMPLE),
                                overrides=["hash_queue_names=incoming",
                                           "hash_queue_depth=2"])
    assert reply["status"] == "0", s.stderr()
    assert queue_files(queue) == [f"incoming/{qid[0]}/{qid[1]}/{qid}"]


def test_header_size_limit_truncates_a_header(queue):
    long_subject = "Subject: " + "s" * 300
    lines = [long_subject, " folded continuation", "To: t@example.com", "",
             "body"]
    s, qid, reply = run_message(queue, envelope() + content(lines),
                                overrides=["header_size_limit=100"])
    assert reply["status"] == "0"
    hdrs = headers_of(queued_records(queue, qid)[1])
    assert hdrs[0] == long_subject[:100]
    assert hdrs[1] == "To: t@example.com"


# ---- limits and refusals: status, and no file left behind -----------------

def test_message_size_limit(queue):
    recs = envelope() + content(["Subject: big", ""] + ["y" * 100] * 50)
    s, qid, reply = run_message(queue, recs,
                                overrides=["message_size_limit=2000"])
    assert int(reply["status"]) == STAT_SIZE
    assert queue_files(queue) == []
    assert f"{qid}: queue file size limit exceeded" in s.stderr()
    # The same message fits under a larger limit.
    s, qid, reply = run_message(queue, recs,
                                overrides=["message_size_limit=10000"])
    assert reply["status"] == "0"


def test_hopcount_limit(queue):
    hops = [f"Received: from h{i}" for i in range(3)]
    s, qid, reply = run_message(queue, envelope() + content(
        hops + ["Subject: loop", "", "b"]), overrides=["hopcount_limit=3"])
    assert int(reply["status"]) == STAT_HOPS
    assert queue_files(queue) == []
    s, qid, reply = run_message(queue, envelope() + content(
        hops[:2] + ["Subject: ok", "", "b"]), overrides=["hopcount_limit=3"])
    assert reply["status"] == "0"


def test_no_recipients(queue):
    s, qid, reply = run_message(queue, envelope(rcpts=()) + content(SIMPLE))
    assert int(reply["status"]) == STAT_RCPT
    assert reply["reason"] == "no recipients specified"
    assert queue_files(queue) == []


@pytest.mark.parametrize("bad", [
    pytest.param([record(TIME, "1.000000")], id="client-time-record"),
    pytest.param([record(SIZE, "1 2 3")], id="client-size-record"),
    pytest.param([record(b"\x01", "junk")], id="unknown-type"),
    pytest.param([record(NORMAL, "content in envelope")], id="out-of-order"),
    pytest.param([record(ATTR, "no-equals-sign")], id="malformed-attr"),
    pytest.param([record(SENDER, "second@example.com")], id="two-senders"),
])
def test_bad_records_are_refused_after_reading_to_the_end(queue, bad):
    recs = envelope()
    recs[1:1] = bad
    s, qid, reply = run_message(queue, recs + content(SIMPLE))
    assert int(reply["status"]) == STAT_BAD
    assert queue_files(queue) == []
    assert f"{qid}: message rejected:" in s.stderr()


def test_record_after_fragment_is_refused(queue):
    recs = envelope() + [record(NORMAL, "Subject: s"),
                         record(FRAGMENT, "piece"), record(XTRA),
                         record(END)]
    s, qid, reply = run_message(queue, recs)
    assert int(reply["status"]) == STAT_BAD
    assert queue_files(queue) == []


def test_broken_length_ends_the_session_with_an_answer(queue):
    s = Session(queue)
    s.start()
    s.send(*envelope(), b"N\x85\x00")   # non-canonical length
    reply = s.finish()
    assert int(reply["status"]) == STAT_BAD
    assert queue_files(queue) == []


def test_client_disconnecting_mid_message_leaves_no_file(queue):
    s = Session(queue)
    s.start()
    s.send(*envelope(), record(NORMAL, "Subject: s"), record(NORMAL, ""),
           b"N\x7f" + b"partial")
    wait_for(lambda: queue_files(queue) != [], what="temporary file")
    assert queue_files(queue)[0].startswith("incoming/cleanup.")
    s.sock.close()
    s.proc.wait(timeout=30)
    assert queue_files(queue) == []


def test_client_disconnecting_before_end_leaves_no_file(queue):
    s = Session(queue)
    s.start()
    s.send(*envelope(), *content(SIMPLE)[:-1])  # everything but END
    s.sock.shutdown(socket.SHUT_WR)
    assert s.read_attrs() is None              # no answer
    s.proc.wait(timeout=30)
    assert queue_files(queue) == []


def test_silent_client_times_out(queue):
    s = Session(queue, overrides=["ipc_timeout=1"])
    s.start()
    s.send(*envelope(), b"N\x10" + b"half")
    wait_for(lambda: s.proc.poll() is not None, timeout=20,
             what="cleanup to give up on a silent client")
    assert queue_files(queue) == []
    assert "timeout reading from client" in s.stderr()


def test_file_size_resource_limit_is_a_size_error(queue):
    """A write refused with EFBIG (RLIMIT_FSIZE) is reported as too big."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    s = Session(queue, overrides=["message_size_limit=0"], preexec_fn=limit)
    s.start()
    s.send(*envelope(), *content(["Subject: s", ""] + ["z" * 200] * 100))
    reply = s.finish()
    assert int(reply["status"]) == STAT_SIZE
    assert queue_files(queue) == []


def _unshare_prefix(queue):
    """argv prefix running a command with a 64 KiB tmpfs over incoming/,
    in a private mount namespace (a user namespace when not root)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare(1) is not installed")
    flags = ["-m"] if os.getuid() == 0 else ["-Urm"]
    probe = subprocess.run([unshare, *flags, "sh", "-c",
                            "mount -t tmpfs -o size=64k tmpfs \"$1\"",
                            "sh", str(queue.queue_dir / "incoming")],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("cannot mount a tmpfs in a private mount namespace "
                    f"here: {probe.stderr.strip()}")
    return [unshare, *flags]


def test_full_file_system_is_nospace_and_leaves_no_file(queue):
    prefix = _unshare_prefix(queue)
    incoming = queue.queue_dir / "incoming"
    listing = queue.root / "listing"
    script = ('mount -t tmpfs -o size=64k,mode=700 tmpfs "$1" || exit 99; '
              'shift; "$@"; st=$?; ls -A "$0" > "$LISTING"; exit $st')

    def wrap(argv):
        return [*prefix, "env", f"LISTING={listing}", "sh", "-c", script,
                str(incoming), str(incoming), *argv]
    s = Session(queue, overrides=["message_size_limit=0"], wrap=wrap)
    s.start()
    # Far more than 64 KiB: the queue file cannot be written.
    s.send(*envelope(), *content(["Subject: s", ""] + ["f" * 1000] * 200))
    reply = s.finish()
    assert int(reply["status"]) == STAT_NOSPACE, s.stderr()
    assert listing.read_text() == ""
    assert "No space left on device" in s.stderr()


def test_success_is_reported_only_after_the_file_is_durable(queue, tmp_path):
    """fsync(file), chmod 0700, rename, fsync(directory), and only then the
    status reply: watched with strace."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed")
    trace = tmp_path / "trace"

    def wrap(argv):
        return [strace, "-qq", "-o", str(trace), "-e",
                "trace=fsync,fdatasync,fchmod,rename,renameat,renameat2,"
                "write,sendto,sendmsg", *argv]
    s = Session(queue, wrap=wrap)
    qid = s.start()
    s.send(*envelope(), *content(SIMPLE))
    reply = s.finish()
    if reply is None and "ptrace" in s.stderr():
        pytest.skip("strace cannot trace here")
    assert reply["status"] == "0"
    events = []
    for line in trace.read_text().splitlines():
        if line.startswith(("fsync(", "fdatasync(")):
            events.append("fsync")
        elif line.startswith("fchmod(") and "0700" in line:
            events.append("chmod")
        elif line.startswith("rename") and qid in line:
            events.append("rename")
        elif "status\\0" in line:
            events.append("reply")
    # The file's fsync, then mode and name, then the directory's fsync.
    assert events[-5:] == ["fsync", "chmod", "rename", "fsync", "reply"], \
        events


# ---- envelope rewriting, virtual aliases, sendmail -t (issue 4) -------------

FLAG_EXTRACT = 64
STAT_DEFER = 64


def rcpt_groups(recs):
    """[(orcpt, dsn_orcpt, dsn_notify, rcpt)] from queue-file records."""
    groups, cur = [], {}
    for t, d in recs:
        if t in (ORCPT, DSN_ORCPT, DSN_NOTIFY):
            cur[t] = d.decode()
        elif t == RCPT:
            groups.append((cur.get(ORCPT), cur.get(DSN_ORCPT),
                           cur.get(DSN_NOTIFY), d.decode()))
            cur = {}
    return groups


def section_after_xtra(recs):
    return recs[recs.index((XTRA, b"")) + 1:]


def aliases(queue, text, name="virtual"):
    path = queue.root / name
    path.write_text(text)
    return f"texthash:{path}"


def test_bare_addresses_are_rewritten_and_keep_the_original(queue):
    recs = envelope(sender="owner", rcpts=("root", "a@example.com")) + \
        content(SIMPLE)
    s, qid, reply = run_message(queue, recs)
    assert reply["status"] == "0", s.stderr()
    _, got = queued_records(queue, qid)
    assert (SENDER, b"owner@postern.test") in got
    assert rcpt_groups(got) == [("root", None, None, "root@postern.test"),
                                (None, None, None, "a@example.com")]
    assert {"request": "rewrite", "rule": "local", "address": "root"} in \
        queue.rewrite.requests
    # The null sender is never sent for rewriting, nor changed.
    s, qid, reply = run_message(queue, envelope(sender="") + content(SIMPLE))
    _, got = queued_records(queue, qid)
    assert (SENDER, b"") in got


def test_unreachable_rewrite_service_defers_the_message(instance):
    make_queue_dirs(instance)
    s, qid, reply = run_message(instance, envelope() + content(SIMPLE))
    assert int(reply["status"]) & STAT_DEFER
    assert reply["reason"].startswith("4.3.0 ")
    assert queue_files(instance) == []
    assert "address rewriting service unavailable" in s.stderr()


def test_virtual_alias_expansion_keeps_dsn_fields_of_the_original(queue):
    table = aliases(queue, "list@example.com a@example.com, b@example.com\n"
                    "b@example.com c@example.com\n")
    recs = [record(SENDER, "s@example.com"),
            record(ORCPT, "List@Example.com"),
            record(DSN_ORCPT, "rfc822;List@Example.com"),
            record(DSN_NOTIFY, "6"), record(RCPT, "list@example.com"),
            record(MESSAGE)] + content(SIMPLE)
    s, qid, reply = run_message(queue, recs,
                                overrides=[f"virtual_alias_maps={table}"])
    assert reply["status"] == "0", s.stderr()
    _, got = queued_records(queue, qid)
    orig = ("List@Example.com", "rfc822;List@Example.com", "6")
    assert rcpt_groups(got) == [orig + ("a@example.com",),
                                orig + ("c@example.com",)]
    assert int(got[0][1].split()[2]) == 2


def test_virtual_alias_loops_self_references_and_duplicates(queue):
    table = aliases(queue,
                    "self@example.com self@example.com, copy@example.com\n"
                    "loop1@example.com loop2@example.com\n"
                    "loop2@example.com loop1@example.com\n"
                    "two@example.com x@example.com, y@example.com\n"
                    "x@example.com y@example.com\n")
    rcpts = ("self@example.com", "loop1@example.com", "two@example.com")
    s, qid, reply = run_message(queue, envelope(rcpts=rcpts) + content(SIMPLE),
                                overrides=[f"virtual_alias_maps={table}"])
    assert reply["status"] == "0", s.stderr()
    _, got = queued_records(queue, qid)
    assert [g[3] for g in rcpt_groups(got)] == [
        "self@example.com", "copy@example.com",   # maps to itself: kept
        "loop1@example.com",                      # the loop closes here
        "y@example.com"]                          # two paths, one copy
    # ORCPT: the original, unless it is what is delivered.
    assert [g[0] for g in rcpt_groups(got)] == [
        "self@example.com", "self@example.com", None, "two@example.com"]


def test_virtual_alias_lookup_order(queue):
    # user@domain before user (local domains only) before @domain.
    table = aliases(queue, "joe@example.com exact@example.net\n"
                    "@example.com catchall@example.net\n"
                    "postmaster admin@example.net\n"
                    "bob+tag@example.com tagged@example.net\n")
    rcpts = ("joe@example.com", "ann@example.com", "postmaster@postern.test",
             "postmaster@example.org", "bob+tag@example.com",
             "bob+other@example.com")
    s, qid, reply = run_message(
        queue, envelope(rcpts=rcpts) + content(SIMPLE),
        overrides=[f"virtual_alias_maps={table}", "recipient_delimiter=+",
                   "mydestination=postern.test"])
    assert reply["status"] == "0", s.stderr()
    _, got = queued_records(queue, qid)
    assert [g[3] for g in rcpt_groups(got)] == [
        "exact@example.net", "catchall@example.net", "admin@example.net",
        "postmaster@example.org", "tagged@example.net",
        "catchall+other@example.net"]


def test_virtual_alias_recursion_limit_defers(queue):
    table = aliases(queue, "".join(f"a{i}@example.com a{i + 1}@example.com\n"
                                   for i in range(10)))
    s, qid, reply = run_message(
        queue, envelope(rcpts=("a0@example.com",)) + content(SIMPLE),
        overrides=[f"virtual_alias_maps={table}",
                   "virtual_alias_recursion_limit=5"])
    assert int(reply["status"]) & STAT_DEFER
    assert reply["reason"].startswith("4.6.0 ")
    assert queue_files(queue) == []
    assert "unreasonable virtual_alias_maps map nesting for a0@example.com" \
        in s.stderr()
    s, qid, reply = run_message(
        queue, envelope(rcpts=("a0@example.com",)) + content(SIMPLE),
        overrides=[f"virtual_alias_maps={table}"])
    assert reply["status"] == "0"
    _, got = queued_records(queue, qid)
    assert [g[3] for g in rcpt_groups(got)] == ["a10@example.com"]


def test_virtual_alias_expansion_limit_defers(queue):
    many = ", ".join(f"u{i}@example.net" for i in range(5))
    table = aliases(queue, f"big@example.com {many}\n")
    s, qid, reply = run_message(
        queue, envelope(rcpts=("big@example.com",)) + content(SIMPLE),
        overrides=[f"virtual_alias_maps={table}",
                   "virtual_alias_expansion_limit=4"])
    assert int(reply["status"]) & STAT_DEFER
    assert "unreasonable virtual_alias_maps map expansion size" in s.stderr()
    s, qid, reply = run_message(
        queue, envelope(rcpts=("big@example.com",)) + content(SIMPLE),
        overrides=[f"virtual_alias_maps={table}",
                   "virtual_alias_expansion_limit=5"])
    assert reply["status"] == "0"


def test_virtual_alias_table_error_defers(queue):
    s, qid, reply = run_message(
        queue, envelope() + content(SIMPLE),
        overrides=[f"virtual_alias_maps=hash:{queue.root}/missing"])
    assert int(reply["status"]) & STAT_DEFER
    assert reply["reason"].startswith("4.3.0 ")
    assert queue_files(queue) == []


def test_sendmail_t_extracts_recipients_and_drops_bcc(queue):
    lines = ["From: me@example.com",
             "To: One <one@example.com>, two@example.com",
             "Cc: \"Three, Esq.\" <three@example.com>",
             "Bcc: hidden@example.com,",
             " other",
             "Subject: extraction", "", "body"]
    s, qid, reply = run_message(
        queue, envelope(rcpts=("cmdline@example.com",)) + content(lines),
        flags=FLAG_EXTRACT)
    assert reply["status"] == "0", s.stderr()
    _, got = queued_records(queue, qid)
    # Command-line recipients stay in the envelope; header ones follow XTRA.
    assert rcpt_groups(got[:got.index((MESSAGE, b""))]) == [
        (None, None, None, "cmdline@example.com")]
    assert [g[3] for g in rcpt_groups(section_after_xtra(got))] == [
        "one@example.com", "two@example.com", "three@example.com",
        "hidden@example.com", "other@postern.test"]
    hdrs = headers_of(got)
    assert not any(h.lower().startswith("bcc:") for h in hdrs)
    assert not any(h.startswith(" other") for h in hdrs)
    assert int(got[0][1].split()[2]) == 6


def test_sendmail_t_uses_resent_headers_when_present(queue):
    lines = ["To: original@example.com", "Resent-To: new@example.com",
             "Resent-Bcc: secret@example.com", "Subject: x", "", "body"]
    s, qid, reply = run_message(queue, envelope(rcpts=()) + content(lines),
                                flags=FLAG_EXTRACT)
    assert reply["status"] == "0", s.stderr()
    _, got = queued_records(queue, qid)
    assert [g[3] for g in rcpt_groups(got)] == ["new@example.com",
                                                "secret@example.com"]
    assert "Resent-Bcc: secret@example.com" not in headers_of(got)


def test_without_extract_flag_headers_are_not_recipients(queue):
    lines = ["To: someone@example.com", "", "body"]
    s, qid, reply = run_message(queue, envelope(rcpts=()) + content(lines))
    assert int(reply["status"]) & STAT_RCPT


def test_extracted_recipients_are_alias_expanded(queue):
    table = aliases(queue, "team@example.com a@example.com, b@example.com\n")
    lines = ["To: team@example.com", "", "body"]
    s, qid, reply = run_message(
        queue, envelope(rcpts=()) + content(lines), flags=FLAG_EXTRACT,
        overrides=[f"virtual_alias_maps={table}"])
    assert reply["status"] == "0", s.stderr()
    _, got = queued_records(queue, qid)
    assert rcpt_groups(section_after_xtra(got)) == [
        ("team@example.com", None, None, "a@example.com"),
        ("team@example.com", None, None, "b@example.com")]
