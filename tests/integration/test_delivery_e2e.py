"""Delivery end to end (issue 4): mail submitted through Python's smtplib
and through `sendmail` travels smtpd/pickup -> cleanup -> qmgr -> local or
virtual and lands byte for byte in Maildirs and mbox files; aliases fan
out to users, a file and a command; unknown users and expired messages
come back to the sender as RFC 3464 delivery status notifications;
temporary failures are deferred and retried; the operator tools act on
real queued mail; SIGKILL of every process in the middle of a delivery run
loses nothing.

Every test runs a private instance (`instance` fixture) through `postfix
start`/`postfix stop`.  The domain virtual.test is a virtual mailbox
domain whose mailboxes live under <instance>/mail and belong to one uid:
the invoking user, or `nobody` under root (virtual_minimum_uid allows it
and it is neither root nor mail_owner, so a file it owns proves that the
agent switched uid).  That works as any user.  Delivery to real local
users needs root: those tests create users pte_* with homes under the
instance directory and remove them afterwards; as another user they are
skipped.

No fixed sleeps: everything waits on a condition with a deadline."""
import email
import email.policy
import json
import os
import pwd
import re
import signal
import smtplib
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import wait_for
from postern_test_util import (describe, instance_procs, maillog, program,
                               still_alive, wait_log_re)

VDOMAIN = "virtual.test"            # virtual_mailbox_domains
LDOMAIN = "postern.test"            # $myhostname, in mydestination
SENDER = f"sender@{VDOMAIN}"        # a virtual Maildir: bounces land there
IS_ROOT = os.getuid() == 0
QUEUED = re.compile(r"queued as ([0-9A-Za-z]+)")
DELIVERY_TIMEOUT = 30
QUEUES = ("maildrop", "incoming", "active", "deferred", "hold")
needs_root = pytest.mark.skipif(
    not IS_ROOT, reason="delivery to real local users needs root (local "
    "switches to the recipient's uid; creating the users needs useradd)")


def mailbox_owner():
    """(uid, gid) owning the virtual mailboxes."""
    if IS_ROOT:
        pw = pwd.getpwnam("nobody")
        return pw.pw_uid, pw.pw_gid
    return os.getuid(), os.getgid()


def queue_ids(inst, queues=QUEUES):
    """{queue id: queue name} of every file in the given queues."""
    found = {}
    for q in queues:
        for dirpath, _, files in os.walk(inst.queue_dir / q):
            for f in files:
                found[f] = q
    return found


class Delivery:
    """An instance set up for delivery: virtual mailboxes under
    <root>/mail, local users on request, start/stop with cleanup of
    whatever is left running."""

    def __init__(self, inst):
        self.inst = inst
        self.uid, self.gid = mailbox_owner()
        self.base = inst.root / "mail"
        self.base.mkdir()
        os.chown(self.base, self.uid, self.gid)
        self.base.chmod(0o755)
        self.vmaps = inst.config_dir / "vmailbox"
        self.boxes = {}             # address -> path under base
        self.users = []             # local users created by the test
        self.seen = {}
        self.started = False
        self.add_mailbox("sender")

    # ---- configuration ----------------------------------------------

    def add_mailbox(self, local, mbox=False):
        """A virtual mailbox local@virtual.test: Maildir local/ or an
        mbox file local.  Returns its path."""
        rel = local if mbox else local + "/"
        self.boxes[f"{local}@{VDOMAIN}"] = rel
        self.vmaps.write_text("".join(f"{a} {p}\n"
                                      for a, p in self.boxes.items()))
        return self.base / local

    def make_maildir(self, local, mode=0o700):
        """Create the Maildir of a mailbox (owned by the mailbox uid)
        with new/ and tmp/ in the given mode."""
        top = self.base / local
        for d in (top, top / "tmp", top / "new", top / "cur"):
            d.mkdir(exist_ok=True)
            os.chown(d, self.uid, self.gid)
            d.chmod(0o700)
        for d in (top / "tmp", top / "new"):
            d.chmod(mode)
        return top

    def add_user(self, name):
        """A real local user pte_<name> (root only) with its home under
        the instance directory.  Returns its passwd entry."""
        login = f"pte_{name}"
        home = self.inst.root / "home" / login
        home.parent.mkdir(exist_ok=True)
        home.parent.chmod(0o755)
        subprocess.run(["userdel", login], capture_output=True)
        subprocess.run(["groupdel", login], capture_output=True)
        r = subprocess.run(["useradd", "-M", "-N", "-g", "nogroup", "-d",
                            str(home), "-s", "/bin/sh", login],
                           capture_output=True, text=True)
        assert r.returncode == 0, f"useradd {login}: {r.stderr}"
        self.users.append(login)
        pw = pwd.getpwnam(login)
        home.mkdir()
        os.chown(home, pw.pw_uid, pw.pw_gid)
        home.chmod(0o700)
        return pw

    def configure(self, extra=""):
        """Add the delivery settings, then extra (main.cf lines that
        override them), to main.cf."""
        settings = {
            "compatibility_level": "3.6",
            "mynetworks": "127.0.0.0/8",
            "mydestination": "$myhostname, localhost",
            "virtual_mailbox_domains": VDOMAIN,
            "virtual_mailbox_base": str(self.base),
            "virtual_mailbox_maps": f"texthash:{self.vmaps}",
            "virtual_uid_maps": f"static:{self.uid}",
            "virtual_gid_maps": f"static:{self.gid}",
            "virtual_minimum_uid": str(min(100, self.uid)),
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "home_mailbox": "Maildir/",
            "biff": "no",
        }
        for line in extra.splitlines():
            name, sep, value = line.partition("=")
            if sep:
                settings[name.strip()] = value.strip()
        self.set_main_cf("# test_delivery_e2e\n" + "".join(
            f"{k} = {v}\n" for k, v in settings.items()))

    def set_main_cf(self, text):
        """Append text to main.cf, dropping earlier settings of the same
        parameters (Postfix warns about overridden entries)."""
        names = set(re.findall(r"(?m)^([a-z0-9_]+)\s*=", text))
        path = self.inst.config_dir / "main.cf"
        kept, skip = [], False
        for line in path.read_text().splitlines():
            if line[:1].isspace() and skip:
                continue
            m = re.match(r"([a-z0-9_]+)\s*=", line)
            skip = bool(m and m.group(1) in names)
            if not skip:
                kept.append(line)
        path.write_text("\n".join(kept) + "\n" + text)

    # ---- running ----------------------------------------------------

    def postfix(self, *args, timeout=60):
        env = dict(os.environ)
        env.pop("MAIL_CONFIG", None)
        return subprocess.run([str(self.inst.postern.sbin("postfix")), "-c",
                               str(self.inst.config_dir), *args],
                              capture_output=True, text=True, env=env,
                              timeout=timeout)

    def banner(self):
        try:
            with socket.create_connection(
                    ("127.0.0.1", self.inst.port("smtp")), timeout=5) as s:
                return s.recv(512).startswith(b"220")
        except OSError:
            return False

    def start(self):
        r = self.postfix("start")
        self.started = True
        assert r.returncode == 0, \
            f"postfix start: exit {r.returncode}\n{r.stdout}{r.stderr}" \
            f"\nmaillog:\n{self.log()[-3000:]}"
        wait_for(self.banner, 20, what="the SMTP banner after postfix start")
        self.remember()

    def stop(self):
        self.remember()
        r = self.postfix("stop")
        assert r.returncode == 0, f"postfix stop: {r.stdout}{r.stderr}"
        self.started = False

    def remember(self):
        procs = instance_procs(self.inst)
        self.seen.update(procs)
        return procs

    def kill_all(self):
        """SIGKILL every process of the instance, master first; returns
        what was killed once everything is gone."""
        killed = {}

        def kill_round():
            procs = {**self.remember(), **still_alive(self.seen)}
            masters = [pid for pid, p in procs.items()
                       if program(p) == "master"]
            for pid in masters + [p for p in procs if p not in masters]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            killed.update(procs)
            return not still_alive(killed) and not instance_procs(self.inst)
        wait_for(kill_round, 10, interval=0.01,
                 what="every process of the instance to die")
        self.started = False
        return killed

    def cleanup(self):
        if self.started:
            try:
                self.postfix("stop", timeout=30)
            except subprocess.TimeoutExpired:
                pass
        for pid in {**still_alive(self.seen), **instance_procs(self.inst)}:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for login in self.users:
            subprocess.run(["userdel", login], capture_output=True)

    def log(self):
        return maillog(self.inst)

    # ---- submission -------------------------------------------------

    def smtp(self, rcpts, message, sender=SENDER, mail_options=()):
        """Submit message (bytes with LF line ends) with smtplib; returns
        the queue ID from the 250 reply."""
        with smtplib.SMTP("127.0.0.1", self.inst.port("smtp"),
                          timeout=30) as s:
            s.ehlo("client.example")
            opts = list(mail_options)
            if s.has_extn("8bitmime"):
                opts.append("BODY=8BITMIME")
            code, resp = s.mail(sender, opts)
            assert code == 250, (code, resp)
            for rcpt in rcpts:
                code, resp = s.rcpt(rcpt)
                assert code == 250, (rcpt, code, resp)
            code, resp = s.data(message.replace(b"\n", b"\r\n"))
            assert code == 250, (code, resp)
            m = QUEUED.search(resp.decode())
            assert m, f"no queue ID in {resp!r}"
            return m.group(1)

    def sendmail(self, rcpts, message, sender=SENDER, args=("-i",)):
        """Submit message (bytes) through `sendmail -f sender ARGS --
        rcpts`; returns the queue ID, found by the Message-ID that
        cleanup logs."""
        msgid = re.search(rb"(?mi)^Message-ID: *<([^>]+)>", message)
        assert msgid, "the message needs a Message-ID"
        env = dict(os.environ, MAIL_CONFIG=str(self.inst.config_dir))
        r = subprocess.run([str(self.inst.postern.sbin("sendmail")),
                            "-f", sender, *args, "--", *rcpts],
                           input=message, capture_output=True, env=env,
                           timeout=60)
        assert r.returncode == 0, \
            f"sendmail: exit {r.returncode}: {r.stderr.decode()}"
        line = wait_log_re(self.inst, r"([0-9A-Za-z]+): message-id=<" +
                           re.escape(msgid.group(1).decode()) + ">",
                           timeout=DELIVERY_TIMEOUT)
        return re.search(r"([0-9A-Za-z]+): message-id=", line).group(1)

    # ---- results ----------------------------------------------------

    def wait_status(self, qid, rcpt, status, timeout=DELIVERY_TIMEOUT):
        return wait_log_re(self.inst, rf"{qid}: to=<{re.escape(rcpt)}>,"
                           rf".* status={status}", timeout=timeout)

    def wait_removed(self, qid, timeout=DELIVERY_TIMEOUT):
        wait_log_re(self.inst, rf"{qid}: removed", timeout=timeout)
        wait_for(lambda: qid not in queue_ids(self.inst), timeout,
                 what=f"{qid} to leave the queue")

    def wait_queue_empty(self, timeout=DELIVERY_TIMEOUT):
        wait_for(lambda: not queue_ids(self.inst), timeout,
                 what="the queue to be empty (left: "
                 f"{queue_ids(self.inst)})")


def maildir_messages(maildir):
    """{file name: bytes} of the messages in maildir/new."""
    new = Path(maildir) / "new"
    out = {}
    try:
        names = os.listdir(new)
    except FileNotFoundError:
        return out
    for name in names:
        try:
            out[name] = (new / name).read_bytes()
        except FileNotFoundError:
            pass
    return out


def wait_maildir(maildir, marker, timeout=DELIVERY_TIMEOUT):
    """The one message in maildir/new that contains marker (bytes)."""
    def found():
        hits = [d for d in maildir_messages(maildir).values() if marker in d]
        return hits
    hits = wait_for(found, timeout, what=f"a message with {marker!r} in "
                    f"{maildir}/new")
    assert len(hits) == 1, f"{len(hits)} copies of {marker!r} in {maildir}"
    return hits[0]


@pytest.fixture
def delivery(instance):
    d = Delivery(instance)
    yield d
    d.cleanup()
    # pytest shows this only when the test failed.
    print("maillog (last 80 lines):\n" +
          "\n".join(d.log().splitlines()[-80:]))


# ---- messages and their checks --------------------------------------------

BODY = [
    "Plain first line.",
    ".a line that starts with a dot",
    "..two dots",
    ".",
    "From the start of a line (mbox quotes this one)",
    ">From already quoted",
    "trailing spaces   ",
    "tab\tinside",
    "",
    "gr\u00fc\u00dfe aus K\u00f6ln: 8-bit UTF-8",
    "x" * 990,
    "",
    "last line",
]


def make_message(tag, to, body=BODY, msgid=None):
    """A message (bytes, LF line ends) whose Subject and Message-ID carry
    tag."""
    lines = [f"From: Sender <{SENDER}>",
             f"To: <{to}>",
             f"Subject: {tag}",
             "Date: Thu, 1 Feb 2024 10:00:00 +0000",
             f"Message-ID: <{msgid or tag}@client.example>",
             "MIME-Version: 1.0",
             "Content-Type: text/plain; charset=utf-8",
             "Content-Transfer-Encoding: 8bit",
             "X-Folded: first part",
             "\tsecond part",
             "", *body]
    return "\n".join(lines).encode() + b"\n"


def first_difference(got, want):
    g, w = got.split(b"\n"), want.split(b"\n")
    for i, (a, b) in enumerate(zip(g, w)):
        if a != b:
            return f"line {i + 1}: got {a[:120]!r}, want {b[:120]!r}"
    return f"got {len(g)} lines, want {len(w)}"


def prepended_fields(delivered, original):
    """The header fields prepended to original in delivered (which must
    end with original byte for byte): [(name, value)]."""
    assert delivered.endswith(original), \
        "the delivered message does not end with the message as sent: " + \
        first_difference(delivered[len(delivered) - len(original):],
                         original)
    prefix = delivered[:len(delivered) - len(original)]
    assert prefix.endswith(b"\n"), f"prefix {prefix!r}"
    fields = []
    for line in prefix[:-1].split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            assert fields, f"continuation line first: {line!r}"
            fields[-1][1] += b"\n" + line
            continue
        name, sep, value = line.partition(b":")
        assert sep and name and b" " not in name, \
            f"not a header line before the message: {line!r}"
        fields.append([name.decode(), value])
    return [(n, v) for n, v in fields]


def check_prepended(fields, sender, rcpt):
    """Return-Path first; exactly one Delivered-To, naming rcpt; nothing
    but trace fields (Received, X-Original-To) otherwise."""
    names = [n.lower() for n, _ in fields]
    assert fields and fields[0] == ("Return-Path", f" <{sender}>".encode()), \
        f"Return-Path is not the first line: {fields[:1]}"
    dts = [v for n, v in fields if n.lower() == "delivered-to"]
    assert dts == [f" {rcpt}".encode()], f"Delivered-To: {dts}"
    assert "received" in names, f"no Received: header among {names}"
    assert set(names) <= {"return-path", "delivered-to", "x-original-to",
                          "received"}, f"unexpected prepended fields {names}"
    assert names.index("delivered-to") < names.index("received"), names


FROM_LINE = re.compile(rb"From (\S+)  [A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d "
                       rb"\d\d:\d\d:\d\d \d{4}\n")


def check_maildir_message(delivered, original, sender, rcpt):
    check_prepended(prepended_fields(delivered, original), sender, rcpt)


def check_mbox(data, original, sender, rcpt):
    """An mbox file holding exactly one message: From_ line, prepended
    fields, the message with "From " lines quoted, an empty line."""
    m = FROM_LINE.match(data)
    assert m, f"no mbox From_ line: {data[:80]!r}"
    assert m.group(1) == sender.encode(), m.group(0)
    quoted = re.sub(rb"(?m)^From ", b">From ", original)
    assert data.endswith(b"\n\n"), "no empty line after the message"
    check_prepended(prepended_fields(data[m.end():-1], quoted), sender, rcpt)
    assert len(FROM_LINE.findall(data)) == 1, "more than one message"


# ---- 1. byte-exact delivery -----------------------------------------------

def test_virtual_maildir_and_mbox_byte_exact_smtp_and_sendmail(delivery):
    """smtplib and sendmail, each into a virtual Maildir and a virtual
    mbox: the stored message is the message sent, byte for byte, after
    Return-Path, Delivered-To and trace fields."""
    d = delivery
    boxes = {}
    for via in ("smtp", "sendmail"):
        boxes[via, "maildir"] = d.add_mailbox(f"md-{via}")
        boxes[via, "mbox"] = d.add_mailbox(f"mb-{via}", mbox=True)
    d.configure()
    d.start()
    sent = []
    for (via, kind), path in boxes.items():
        rcpt = f"{path.name}@{VDOMAIN}"
        msg = make_message(f"exact-{via}-{kind}", rcpt)
        if via == "smtp":
            qid = d.smtp([rcpt], msg)
        else:
            qid = d.sendmail([rcpt], msg)
        sent.append((qid, rcpt, kind, path, msg))
    for qid, rcpt, kind, path, msg in sent:
        line = d.wait_status(qid, rcpt, "sent")
        assert "relay=virtual" in line and "dsn=2.0.0" in line, line
        if kind == "maildir":
            data = wait_maildir(path, msg.split(b"\n")[2])
            check_maildir_message(data, msg, SENDER, rcpt)
            for f in (path / "new").iterdir():
                st = f.stat()
                assert (st.st_uid, st.st_gid) == (d.uid, d.gid), \
                    f"{f} owned by {st.st_uid}:{st.st_gid}, the virtual " \
                    f"uid/gid maps say {d.uid}:{d.gid}"
            assert not list((path / "tmp").iterdir()), "files left in tmp/"
        else:
            check_mbox(path.read_bytes(), msg, SENDER, rcpt)
            assert path.stat().st_uid == d.uid
        d.wait_removed(qid)
    d.stop()


@needs_root
@pytest.mark.parametrize("kind", ["maildir", "mbox"])
def test_local_user_byte_exact_smtp_and_sendmail(delivery, kind):
    """local delivers to a real user's home (home_mailbox Maildir/ or an
    mbox file) as that user, byte for byte."""
    d = delivery
    users = {via: d.add_user(f"{kind}{via}")
             for via in ("smtp", "sendmail")}
    d.configure("home_mailbox = Maildir/\n" if kind == "maildir"
                else "home_mailbox = Mailbox\n")
    d.start()
    sent = []
    for via, pw in users.items():
        rcpt = f"{pw.pw_name}@{LDOMAIN}"
        msg = make_message(f"local-{via}-{kind}", rcpt)
        qid = d.smtp([rcpt], msg) if via == "smtp" else \
            d.sendmail([rcpt], msg)
        sent.append((qid, rcpt, pw, msg))
    for qid, rcpt, pw, msg in sent:
        line = d.wait_status(qid, rcpt, "sent")
        assert "relay=local" in line, line
        home = Path(pw.pw_dir)
        if kind == "maildir":
            data = wait_maildir(home / "Maildir", msg.split(b"\n")[2])
            check_maildir_message(data, msg, SENDER, rcpt)
            paths = [home / "Maildir", *(home / "Maildir" / "new").iterdir()]
        else:
            data = (home / "Mailbox").read_bytes()
            check_mbox(data, msg, SENDER, rcpt)
            paths = [home / "Mailbox"]
        for p in paths:
            assert p.stat().st_uid == pw.pw_uid, \
                f"{p} owned by uid {p.stat().st_uid}, not {pw.pw_name}"
        d.wait_removed(qid)
    d.stop()


# ---- 2. aliases -------------------------------------------------------------

CMD_SCRIPT = """#!/bin/sh
# test_delivery_e2e: an alias command; records its uid, environment and input
out={dir}
{{ echo "uid=$(id -u)"; echo "SENDER=$SENDER"; cat; }} >"$out/cmd.tmp.$$" &&
mv "$out/cmd.tmp.$$" "$out/cmd.out.$$"
"""


@needs_root
def test_alias_to_users_file_and_command(delivery):
    """One alias expands to two users, a /file and a |command; the file
    and the command run with default_privs (the alias database is
    root's)."""
    d = delivery
    alice, bob = d.add_user("alice"), d.add_user("bob")
    files = d.inst.root / "files"
    files.mkdir()
    files.chmod(0o1777)
    script = files / "catcmd"
    script.write_text(CMD_SCRIPT.format(dir=files))
    script.chmod(0o755)
    aliases = d.inst.config_dir / "aliases"
    aliases.write_text(
        "# test aliases\n"
        f"team: {alice.pw_name}, {bob.pw_name},\n"
        f"\t{files}/team.mbox, \"|{script}\"\n"
        "postmaster: root\n")
    r = d.inst.run("postalias", f"hash:{aliases}")
    assert r.returncode == 0, f"postalias: {r.stdout}{r.stderr}"
    d.configure(f"alias_maps = hash:{aliases}\n"
                f"alias_database = hash:{aliases}\n")
    d.start()
    rcpt = f"team@{LDOMAIN}"
    msg = make_message("alias-fanout", rcpt)
    qid = d.smtp([rcpt], msg)
    subject = b"Subject: alias-fanout"
    for pw in (alice, bob):
        data = wait_maildir(Path(pw.pw_dir) / "Maildir", subject)
        assert data.endswith(msg), first_difference(data[-len(msg):], msg)
        assert data.startswith(f"Return-Path: <{SENDER}>\n".encode()), \
            data[:200]
        assert f"Delivered-To: {pw.pw_name}@{LDOMAIN}\n".encode() in \
            data[:len(data) - len(msg)] or \
            f"Delivered-To: {rcpt}\n".encode() in \
            data[:len(data) - len(msg)], data[:500]
    nobody = pwd.getpwnam("nobody")
    mbox = files / "team.mbox"
    wait_for(lambda: mbox.exists() and mbox.read_bytes().endswith(b"\n\n")
             and b"last line" in mbox.read_bytes(), DELIVERY_TIMEOUT,
             what=f"the alias file {mbox}")
    data = mbox.read_bytes()
    assert FROM_LINE.match(data), data[:80]
    assert re.sub(rb"(?m)^From ", b">From ", msg) in data
    assert mbox.stat().st_uid == nobody.pw_uid, \
        f"{mbox} written by uid {mbox.stat().st_uid}, not default_privs"
    outs = wait_for(lambda: sorted(files.glob("cmd.out.*")), DELIVERY_TIMEOUT,
                    what="the alias command's output")
    assert len(outs) == 1, outs
    out = outs[0].read_bytes()
    assert out.startswith(f"uid={nobody.pw_uid}\nSENDER={SENDER}\n"
                          .encode()), out[:200]
    assert msg in out or re.sub(rb"(?m)^From ", b">From ", msg) in out, \
        "the command did not get the whole message"
    log = "\n".join(l for l in d.log().splitlines() if f"{qid}: to=" in l)
    for pw in (alice, bob):
        assert re.search(rf"to=<{pw.pw_name}@{LDOMAIN}>, orig_to=<{rcpt}>, "
                         r"relay=local, .*status=sent", log), log
    assert re.search(rf"to=<{rcpt}>, relay=local, .*status=sent "
                     rf"\(delivered to file: {mbox}\)", log), log
    assert re.search(rf"to=<{rcpt}>, relay=local, .*status=sent "
                     rf"\(delivered to command: {script}\)", log), log
    d.wait_removed(qid)
    d.stop()


# ---- 3. bounces: unknown users, expiry ------------------------------------

def dsn_parts(data):
    """Parse a delivered DSN: (message, human part, [status blocks],
    returned part)."""
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    assert msg.get_content_type() == "multipart/report", \
        f"DSN content type {msg.get_content_type()}"
    assert msg.get_param("report-type") == "delivery-status", \
        msg["Content-Type"]
    parts = msg.get_payload()
    types = [p.get_content_type() for p in parts]
    assert len(parts) >= 2 and types[0] == "text/plain", types
    status = [p for p in parts
              if p.get_content_type() == "message/delivery-status"]
    assert len(status) == 1, types
    blocks = status[0].get_payload()
    assert len(blocks) >= 2, f"delivery-status blocks: {blocks}"
    returned = [p for p in parts if p.get_content_type() in
                ("message/rfc822", "text/rfc822-headers")]
    return msg, parts[0], blocks, returned[0] if returned else None


def check_dsn(data, rcpt, action="failed", status=r"5\.1\.1"):
    assert data.startswith(b"Return-Path: <>\n"), \
        f"a bounce has the null sender: {data[:100]!r}"
    msg, human, blocks, returned = dsn_parts(data)
    assert "MAILER-DAEMON@" in msg["From"], msg["From"]
    assert msg["To"] and SENDER in msg["To"], msg["To"]
    assert msg["Auto-Submitted"] == "auto-replied", msg["Auto-Submitted"]
    assert human.get_payload(decode=True).strip(), "empty human part"
    per_msg = blocks[0]
    assert per_msg["Reporting-MTA"] and \
        per_msg["Reporting-MTA"].replace(" ", "").lower() == \
        f"dns;{LDOMAIN}", per_msg["Reporting-MTA"]
    mine = [b for b in blocks[1:]
            if (b["Final-Recipient"] or "").replace(" ", "").lower() ==
            f"rfc822;{rcpt}"]
    assert len(mine) == 1, [dict(b) for b in blocks]
    b = mine[0]
    assert b["Action"] == action, dict(b)
    assert re.fullmatch(status, b["Status"] or ""), dict(b)
    return msg, returned


@pytest.mark.parametrize("where", ["local", "virtual"])
def test_unknown_user_bounces_with_a_dsn(delivery, where):
    """An unknown local or virtual user: the message is accepted (no
    recipient check at RCPT), the agent bounces it with 5.1.1, and the
    sender gets an RFC 3464 report carrying the whole message (default)
    or its headers only (RET=HDRS)."""
    d = delivery
    sender_box = d.base / "sender"
    d.configure("smtpd_reject_unlisted_recipient = no\n")
    d.start()
    rcpt = f"nosuch{where}@{LDOMAIN if where == 'local' else VDOMAIN}"
    full = make_message(f"bounce-full-{where}", rcpt)
    hdrs = make_message(f"bounce-hdrs-{where}", rcpt)
    qid_full = d.smtp([rcpt], full)
    qid_hdrs = d.smtp([rcpt], hdrs, mail_options=["RET=HDRS"])
    for qid in (qid_full, qid_hdrs):
        line = d.wait_status(qid, rcpt, "bounced")
        assert "dsn=5.1.1" in line and f"relay={where}" in line, line
        wait_log_re(d.inst, rf"{qid}: sender non-delivery notification: "
                    r"[0-9A-Za-z]+")
    data = wait_maildir(sender_box, b"Subject: bounce-full-")
    msg, returned = check_dsn(data, rcpt)
    assert returned is not None and \
        returned.get_content_type() == "message/rfc822", \
        "RET=FULL (default): the whole message is returned"
    inner = returned.get_payload()[0]
    assert inner["Message-ID"] == f"<bounce-full-{where}@client.example>"
    assert b"last line" in inner.as_bytes()
    data = wait_maildir(sender_box, b"Subject: bounce-hdrs-")
    msg, returned = check_dsn(data, rcpt)
    assert returned is not None and \
        returned.get_content_type() == "text/rfc822-headers", \
        f"RET=HDRS returns headers only, got " \
        f"{returned.get_content_type() if returned else None}"
    text = returned.get_payload(decode=True)
    assert f"Message-ID: <bounce-hdrs-{where}@client.example>".encode() \
        in text and b"Plain first line." not in text, text
    for qid in (qid_full, qid_hdrs):
        d.wait_removed(qid)
    d.wait_queue_empty()
    d.stop()


FAST_RETRY = ("minimal_backoff_time = 1s\n"
              "maximal_backoff_time = 2s\n"
              "queue_run_delay = 1s\n")


def test_temporary_failure_is_deferred_then_retried(delivery):
    """A Maildir that cannot be written: status=deferred and the file in
    deferred/; once it is writable again the retry delivers it."""
    d = delivery
    d.add_mailbox("flaky")
    box = d.make_maildir("flaky", mode=0o500)
    d.configure(FAST_RETRY)
    d.start()
    rcpt = f"flaky@{VDOMAIN}"
    msg = make_message("deferred-then-sent", rcpt)
    qid = d.smtp([rcpt], msg)
    line = d.wait_status(qid, rcpt, "deferred")
    assert "relay=virtual" in line and re.search(r"dsn=4\.\d+\.\d+", line), \
        line
    wait_for(lambda: queue_ids(d.inst).get(qid) == "deferred",
             DELIVERY_TIMEOUT, what=f"{qid} in deferred/")
    assert not maildir_messages(box), "delivered into a read-only Maildir"
    # A second attempt fails as well (retried within the backoff window).
    wait_for(lambda: len(re.findall(rf"{qid}: to=<{rcpt}>.*status=deferred",
                                    d.log())) >= 2, DELIVERY_TIMEOUT,
             what="a second, retried delivery attempt")
    for sub in ("new", "tmp"):
        (box / sub).chmod(0o700)
    d.wait_status(qid, rcpt, "sent")
    check_maildir_message(wait_maildir(box, b"Subject: deferred-then-sent"),
                          msg, SENDER, rcpt)
    d.wait_removed(qid)
    assert not maildir_messages(d.base / "sender"), \
        "the sender got a notice for a message that was delivered"
    d.stop()


def test_expired_message_bounces_to_sender(delivery):
    """maximal_queue_lifetime elapses while the mailbox keeps failing:
    the message is returned to the sender with Action: failed."""
    d = delivery
    d.add_mailbox("dead")
    d.make_maildir("dead", mode=0o500)
    d.configure(FAST_RETRY + "maximal_queue_lifetime = 1s\n"
                "bounce_queue_lifetime = 1s\n")
    d.start()
    rcpt = f"dead@{VDOMAIN}"
    msg = make_message("expires", rcpt)
    qid = d.smtp([rcpt], msg)
    d.wait_status(qid, rcpt, "deferred")
    data = wait_maildir(d.base / "sender", b"Subject: expires")
    msg_, returned = check_dsn(data, rcpt, status=r"[45]\.\d{1,3}\.\d{1,3}")
    assert returned is not None and b"expires@client.example" in \
        returned.as_bytes()
    wait_log_re(d.inst, rf"{qid}: .*status=expired, returned to sender")
    d.wait_removed(qid)
    assert not maildir_messages(d.base / "dead")
    d.stop()


# ---- 4. operator tools on real queued mail --------------------------------

def test_hold_list_cat_release_flush(delivery):
    """A deferred message: postsuper -h holds it ('!' in postqueue -p),
    postcat -q shows it, postsuper -H releases it, postqueue -f delivers
    it once the mailbox works, and the queue is then empty."""
    d = delivery
    d.add_mailbox("held")
    box = d.make_maildir("held", mode=0o500)
    d.configure()           # default backoff: no retry during the test
    d.start()
    rcpt = f"held@{VDOMAIN}"
    msg = make_message("hold-me", rcpt)
    qid = d.smtp([rcpt], msg)
    d.wait_status(qid, rcpt, "deferred")
    wait_for(lambda: queue_ids(d.inst).get(qid) == "deferred",
             DELIVERY_TIMEOUT, what=f"{qid} in deferred/")

    r = d.inst.run("postsuper", "-h", qid)
    assert r.returncode == 0, f"postsuper -h: {r.stdout}{r.stderr}"
    assert "Placed on hold: 1 message" in r.stderr, r.stderr
    assert queue_ids(d.inst).get(qid) == "hold", queue_ids(d.inst)
    r = d.inst.run("postqueue", "-p")
    assert r.returncode == 0, r.stderr
    listed = [l for l in r.stdout.splitlines() if l.startswith(qid)]
    assert listed and listed[0].startswith(qid + "!"), r.stdout
    assert SENDER in listed[0] and rcpt in r.stdout, r.stdout

    r = d.inst.run("postcat", "-q", qid)
    assert r.returncode == 0, f"postcat -q: {r.stdout}{r.stderr}"
    assert "Subject: hold-me" in r.stdout and "Plain first line." in \
        r.stdout and rcpt in r.stdout, r.stdout

    for sub in ("new", "tmp"):
        (box / sub).chmod(0o700)
    r = d.inst.run("postsuper", "-H", qid)
    assert r.returncode == 0, f"postsuper -H: {r.stdout}{r.stderr}"
    assert "Released from hold: 1 message" in r.stderr, r.stderr
    assert queue_ids(d.inst).get(qid) == "deferred", queue_ids(d.inst)
    r = d.inst.run("postqueue", "-p")
    listed = [l for l in r.stdout.splitlines() if l.startswith(qid)]
    assert listed and not listed[0].startswith(qid + "!"), r.stdout
    r = d.inst.run("postqueue", "-f")
    assert r.returncode == 0, f"postqueue -f: {r.stdout}{r.stderr}"
    d.wait_status(qid, rcpt, "sent")
    check_maildir_message(wait_maildir(box, b"Subject: hold-me"), msg,
                          SENDER, rcpt)
    d.wait_removed(qid)
    r = d.inst.run("postqueue", "-p")
    assert r.returncode == 0 and "Mail queue is empty" in r.stdout, \
        r.stdout + r.stderr
    d.stop()


def test_json_listing_mailq_delete_and_requeue(delivery):
    """Two deferred messages: postqueue -j lists them with Postfix's field
    names, mailq prints what postqueue -p prints, postsuper -d deletes one,
    postsuper -r requeues the other, which is then delivered."""
    d = delivery
    d.add_mailbox("stuck")
    box = d.make_maildir("stuck", mode=0o500)
    d.configure()           # default backoff: no retry during the test
    d.start()
    rcpt = f"stuck@{VDOMAIN}"
    q1 = d.smtp([rcpt], make_message("ops-delete", rcpt))
    q2 = d.smtp([rcpt], make_message("ops-requeue", rcpt))
    for qid in (q1, q2):
        d.wait_status(qid, rcpt, "deferred")
        wait_for(lambda: queue_ids(d.inst).get(qid) == "deferred",
                 DELIVERY_TIMEOUT, what=f"{qid} in deferred/")

    r = d.inst.run("postqueue", "-j")
    assert r.returncode == 0, f"postqueue -j: {r.stdout}{r.stderr}"
    objs = [json.loads(line) for line in r.stdout.splitlines() if line]
    by_id = {o.get("queue_id"): o for o in objs}
    assert set(by_id) == {q1, q2}, r.stdout
    for qid in (q1, q2):
        o = by_id[qid]
        assert o["queue_name"] == "deferred", o
        assert o["sender"] == SENDER, o
        assert isinstance(o["arrival_time"], int) and \
            isinstance(o["message_size"], int) and o["message_size"] > 0, o
        assert [x["address"] for x in o["recipients"]] == [rcpt], o
        assert o["recipients"][0].get("delay_reason"), o
    listing = d.inst.run("postqueue", "-p").stdout
    r = d.inst.run("mailq")
    assert r.returncode == 0 and r.stdout == listing, \
        f"mailq:\n{r.stdout}{r.stderr}\npostqueue -p:\n{listing}"

    r = d.inst.run("postsuper", "-d", q1)
    assert r.returncode == 0 and "Deleted: 1 message" in r.stderr, \
        f"postsuper -d: {r.stdout}{r.stderr}"
    assert q1 not in queue_ids(d.inst)
    assert q1 not in d.inst.run("postqueue", "-p").stdout

    for sub in ("new", "tmp"):
        (box / sub).chmod(0o700)
    r = d.inst.run("postsuper", "-r", q2)
    assert r.returncode == 0 and "Requeued: 1 message" in r.stderr, \
        f"postsuper -r: {r.stdout}{r.stderr}"
    # pickup takes the requeued file from maildrop/; Postfix's pickup
    # only sees it at its next 60s wakeup, so allow for that.
    check_maildir_message(wait_maildir(box, b"Subject: ops-requeue", 90),
                          make_message("ops-requeue", rcpt), SENDER, rcpt)
    d.wait_queue_empty()
    assert not [m for m in maildir_messages(box).values()
                if b"ops-delete" in m], "the deleted message was delivered"
    d.stop()


# ---- 5. crash safety --------------------------------------------------------

def master_cf_without(inst, services):
    text = (inst.config_dir / "master.cf").read_text()
    lines, skip = [], False
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            skip = line.split()[0] in services
        if not skip:
            lines.append(line)
    return text, "\n".join(lines) + "\n"


CRASH_MESSAGES = 200
SUBJECT_NO = re.compile(rb"(?m)^Subject: crash (\d+)$")


def test_sigkill_during_delivery_run_loses_nothing(delivery):
    """200 messages queued; qmgr starts delivering them; every process of
    the instance is SIGKILLed in the middle of the run; after a restart
    every message is delivered at least once (duplicates allowed)."""
    d = delivery
    box = d.add_mailbox("crash")
    # in_flow_delay 0: without a qmgr, Postfix's cleanup would pause 1s
    # per message for want of flow-control tokens.
    d.configure(FAST_RETRY + "in_flow_delay = 0\n")
    full, held = master_cf_without(d.inst, ("qmgr",))
    d.inst.write_master_cf(held)        # accept now, deliver later
    d.start()
    body = ["crash test body line " + "y" * 60] * 200
    with smtplib.SMTP("127.0.0.1", d.inst.port("smtp"), timeout=60) as s:
        s.ehlo("client.example")
        for n in range(CRASH_MESSAGES):
            rcpt = f"crash@{VDOMAIN}"
            msg = make_message(f"crash {n:03d}", rcpt, body,
                               msgid=f"crash-{n:03d}")
            s.sendmail(SENDER, [rcpt], msg.replace(b"\n", b"\r\n"))
    d.stop()
    assert len(queue_ids(d.inst)) == CRASH_MESSAGES, \
        f"{len(queue_ids(d.inst))} queue files for {CRASH_MESSAGES} messages"

    d.inst.write_master_cf(full)
    d.start()

    def delivered():
        return len(maildir_messages_names(box))
    wait_for(lambda: delivered() >= 10, DELIVERY_TIMEOUT, interval=0.002,
             what="the first deliveries")
    killed = d.kill_all()
    at_kill = delivered()
    assert any(program(p) == "master" for p in killed.values()), \
        describe(killed)
    assert at_kill < CRASH_MESSAGES, \
        "the delivery run ended before the kill: nothing was interrupted"
    left = queue_ids(d.inst)
    assert left, "no queue file left after the kill"

    d.start()
    wait_for(lambda: not queue_ids(d.inst), 120, interval=0.1,
             what=f"the queue to drain after the restart (left "
             f"{len(queue_ids(d.inst))})")
    counts = {}
    for data in maildir_messages(box).values():
        m = SUBJECT_NO.search(data)
        assert m, f"a delivered message without its number: {data[:300]!r}"
        counts[int(m.group(1))] = counts.get(int(m.group(1)), 0) + 1
    missing = sorted(set(range(CRASH_MESSAGES)) - set(counts))
    assert not missing, f"lost after SIGKILL: {missing}"
    dups = sum(c - 1 for c in counts.values())
    print(f"killed at {at_kill}/{CRASH_MESSAGES} delivered, {len(left)} "
          f"queue files left, {dups} duplicates after the restart")
    d.stop()


def maildir_messages_names(maildir):
    try:
        return os.listdir(Path(maildir) / "new")
    except FileNotFoundError:
        return []
