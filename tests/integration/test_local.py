"""local(8) driven the way qmgr drives it.

A message is submitted through smtpd into a running instance whose
master.cf has no qmgr and no pickup, so its queue file stays in
incoming/.  The test moves the file to active/ itself and speaks the
delivery protocol of lib/global/deliver_request.h (attr0) to
private/local, with the content and recipient offsets computed from the
queue file.  Then it checks what a user sees: the Maildir or mbox file,
byte for byte, its owner, the log line, the queue file's DONE marks.

As root, test users are created with useradd and removed afterwards;
as another user, the invoking user is the recipient (every delivery
then runs with its rights), and what needs a second user is skipped.
"""
import os
import pwd
import shutil
import smtplib
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from conftest import wait_for
from postern_test_util import content_lines, decode_records, \
    start_instance, wait_log

ROOT = os.getuid() == 0
SENDER = "sender@example.com"
DOMAIN = "postern.test"


def records_at(data):
    """[(offset, type letter, data)] of a queue-file image."""
    out = []
    i = 0
    while i < len(data):
        start = i
        rtype = chr(data[i])
        i += 1
        length = shift = 0
        while True:
            b = data[i]
            i += 1
            length |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        out.append((start, rtype, data[i:i + length]))
        i += length
    return out


def attr0(pairs):
    out = b""
    for name, value in pairs:
        out += name.encode() + b"\0" + str(value).encode() + b"\0"
    return out + b"\0"


def read_attr0(sock):
    """One attr0 request from sock as a dict."""
    buf = b""
    fields = []
    while True:
        while b"\0" not in buf:
            data = sock.recv(4096)
            if not data:
                raise EOFError("connection closed: %r" % buf)
            buf += data
        item, _, buf = buf.partition(b"\0")
        if item == b"" and len(fields) % 2 == 0:
            return dict(zip(fields[::2], fields[1::2]))
        fields.append(item.decode())


class Users:
    """Recipients: test users as root, else the invoking user."""

    def __init__(self, root):
        self.root = root
        self.created = []
        self.tag = uuid.uuid4().hex[:6]

    def make(self, n):
        if not ROOT:
            if n > 1:
                pytest.skip("needs root to create a second user")
            return [pwd.getpwuid(os.getuid()).pw_name]
        names = []
        for i in range(n):
            name = f"pthc{self.tag}{i}"
            home = self.root / "home" / name
            home.parent.mkdir(exist_ok=True)
            home.parent.chmod(0o755)
            r = subprocess.run(["useradd", "-M", "-d", str(home), "-s",
                                "/bin/sh", name], capture_output=True,
                               text=True)
            assert r.returncode == 0, r.stderr
            self.created.append(name)
            home.mkdir()
            shutil.chown(home, name, pwd.getpwnam(name).pw_gid)
            home.chmod(0o700)
            names.append(name)
        return names

    def cleanup(self):
        for name in self.created:
            subprocess.run(["userdel", name], capture_output=True)


class LocalEnv:
    def __init__(self, instance, users):
        self.instance = instance
        self.users = users
        self.spool = instance.root / "spool"
        self.spool.mkdir()
        if not ROOT:
            self.spool.chmod(0o700)
        self.out = instance.root / "out"
        self.out.mkdir()
        self.aliases = instance.root / "aliases"
        self.aliases.write_text("")
        self.started = False

    def start(self, extra="", owner=None):
        inst = self.instance
        master = "".join(line + "\n" for line in
                         (inst.config_dir / "master.cf").read_text().splitlines()
                         if line.split()[:1] not in (["qmgr"], ["pickup"]))
        inst.write_master_cf(master)
        self.newaliases(owner)
        start_instance(inst, f"mydestination = {DOMAIN}, localhost\n"
                       f"local_recipient_maps =\n"
                       f"alias_maps = hash:{self.aliases}\n"
                       f"mail_spool_directory = {self.spool}/\n"
                       "home_mailbox =\n" + extra)
        self.started = True

    def newaliases(self, owner=None):
        """Build aliases.db with postalias; owner (as root) owns it, which
        gives alias destinations that user's rights."""
        r = self.instance.run("postalias", str(self.aliases))
        assert r.returncode == 0, r.stderr
        db = Path(str(self.aliases) + ".db")
        if ROOT:
            for p in (self.aliases, db):
                shutil.chown(p, owner or "root")

    def submit(self, rcpts, body=None, headers=""):
        """Send a message through smtpd; its queue ID once the file is
        complete in incoming/."""
        body = body if body is not None else (
            "Subject: local test\r\n" + headers +
            "\r\nline one\r\nFrom the body, quoted in mbox\r\n"
            "..dot line\r\n  indented\r\n")
        with smtplib.SMTP("127.0.0.1", self.instance.port("smtp"),
                          timeout=30) as s:
            s.ehlo("client.test")
            assert s.mail(SENDER)[0] == 250
            for r in rcpts:
                assert s.rcpt(r)[0] == 250, r
            code, text = s.data(body.encode())
            assert code == 250, text
        qid = text.decode().rsplit("queued as ", 1)[1].strip()
        q = self.instance.queue_dir / "incoming"
        wait_for(lambda: any(p.is_file() and p.stat().st_mode & 0o100
                             for p in q.rglob(qid)), 10,
                 what=f"queue file {qid}")
        return qid

    def activate(self, qid):
        q = self.instance.queue_dir
        src = next(p for p in (q / "incoming").rglob(qid) if p.is_file())
        (q / "active").mkdir(exist_ok=True)
        dst = q / "active" / qid
        os.rename(src, dst)
        return dst

    def records(self, path):
        return records_at(Path(path).read_bytes())

    def deliver(self, qid, rcpts=None, flags=0):
        """One delivery request; returns the agent's reply dict."""
        path = self.instance.queue_dir / "active" / qid
        recs = self.records(path)
        size = next(d for _, t, d in recs if t == "C").split()
        data_size, data_offset = int(size[0]), int(size[1])
        sender = next(d for _, t, d in recs if t == "S").decode()
        rlist = []
        orig = ""
        for off, t, d in recs:
            if t == "M":
                break
            if t == "O":
                orig = d.decode()
            if t == "R":
                rlist.append((orig, d.decode(), off))
                orig = ""
        if rcpts is not None:
            rlist = [r for r in rlist if r[1] in rcpts]
        now = "%d.%06d" % (int(time.time()), 0)
        pairs = [("flags", flags), ("queue_name", "active"), ("queue_id", qid),
                 ("offset", data_offset), ("data_size", data_size),
                 ("nexthop", DOMAIN), ("encoding", ""), ("smtputf8", 0),
                 ("sender", sender), ("dsn_envid", ""), ("dsn_ret", 0),
                 ("arrival_time", now), ("active_time", now),
                 ("dispatch_time", now), ("log_client_name", "localhost"),
                 ("log_client_address", "127.0.0.1"),
                 ("log_client_port", "10025"), ("log_helo_name", "client.test"),
                 ("log_protocol", "ESMTP"), ("sasl_method", ""),
                 ("sasl_username", ""), ("rewrite_context", "remote"),
                 ("rcpt_count", len(rlist))]
        for orig, addr, off in rlist:
            pairs += [("orig_rcpt", orig), ("rcpt", addr), ("rcpt_offset", off),
                      ("dsn_orcpt", ""), ("dsn_notify", 0)]
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(60)
        sock.connect(str(self.instance.queue_dir / "private" / "local"))
        try:
            assert read_attr0(sock) == {"status": "0"}
            sock.sendall(attr0(pairs))
            return read_attr0(sock)
        finally:
            sock.close()

    def rcpt_types(self, qid):
        """{address: 'R' or 'D'} of the active queue file."""
        recs = self.records(self.instance.queue_dir / "active" / qid)
        out = {}
        for _, t, d in recs:
            if t == "M":
                break
            if t in "RD":
                out[d.decode()] = t
        return out

    def content(self, qid):
        path = self.instance.queue_dir / "active" / qid
        return b"".join(line + b"\n" for line in
                        content_lines(decode_records(path.read_bytes())))


@pytest.fixture
def env(instance):
    users = Users(instance.root)
    e = LocalEnv(instance, users)
    yield e
    if e.started:
        instance.run("postfix", "stop")
    users.cleanup()


def maildir_files(path):
    new = Path(path) / "new"
    return sorted(new.iterdir()) if new.is_dir() else []


def expected_headers(rcpt, orig=None, sender=SENDER):
    return (f"Return-Path: <{sender}>\nX-Original-To: {orig or rcpt}\n"
            f"Delivered-To: {rcpt}\n").encode()


def test_maildir_delivery_is_byte_exact(env):
    user, = env.users.make(1)
    env.start()
    rcpt = f"{user}@{DOMAIN}"
    qid = env.submit([rcpt])
    env.activate(qid)
    reply = env.deliver(qid)
    assert reply == {"status": "0", "dead": "0"}
    files = maildir_files(env.spool / user)
    assert len(files) == 1
    assert files[0].read_bytes() == expected_headers(rcpt) + env.content(qid)
    # The unique name: seconds.Mmicroseconds PpidQcount.host
    assert files[0].name.split(".")[0].isdigit()
    assert files[0].name.endswith(".postern.test") or "." in files[0].name
    assert env.rcpt_types(qid) == {rcpt: "D"}
    line = wait_log(env.instance, f"{qid}: to=<{rcpt}>")
    assert "relay=local" in line
    assert "dsn=2.0.0, status=sent (delivered to maildir)" in line
    if ROOT:
        pw = pwd.getpwnam(user)
        assert files[0].stat().st_uid == pw.pw_uid
        assert (env.spool / user).stat().st_uid == pw.pw_uid


@pytest.mark.skipif(not ROOT, reason="a home directory needs a test user")
def test_home_maildir_is_written_as_the_user(env):
    user, = env.users.make(1)
    env.start("home_mailbox = Maildir/\n")
    rcpt = f"{user}@{DOMAIN}"
    qid = env.submit([rcpt])
    env.activate(qid)
    assert env.deliver(qid)["status"] == "0"
    md = env.instance.root / "home" / user / "Maildir"
    files = maildir_files(md)
    assert len(files) == 1
    pw = pwd.getpwnam(user)
    for p in (md, md / "new", md / "tmp", md / "cur", files[0]):
        assert p.stat().st_uid == pw.pw_uid, p
    assert (md / "new").stat().st_mode & 0o777 == 0o700
    assert files[0].read_bytes() == expected_headers(rcpt) + env.content(qid)


def test_mbox_delivery_has_from_line_quoting_and_blank_line(env):
    user, = env.users.make(1)
    env.start(f"mail_spool_directory = {env.spool}\n")
    rcpt = f"{user}@{DOMAIN}"
    mbox = env.spool / user
    sizes = []
    qids = []
    for _ in range(2):
        qid = env.submit([rcpt])
        qids.append(qid)
        env.activate(qid)
        assert env.deliver(qid)["status"] == "0"
        line = wait_log(env.instance, f"{qid}: to=<{rcpt}>")
        assert "status=sent (delivered to mailbox)" in line
        sizes.append(mbox.stat().st_size)
    data = mbox.read_bytes()
    first = data[:sizes[0]]
    from_line, _, rest = first.partition(b"\n")
    assert from_line.startswith(f"From {SENDER}  ".encode())
    assert time.strptime(from_line.decode()[len(f"From {SENDER}  "):],
                         "%a %b %d %H:%M:%S %Y")
    body = env.content(qids[0]).replace(b"\nFrom the body", b"\n>From the body")
    assert rest == expected_headers(rcpt) + body + b"\n"
    assert data[sizes[0]:].startswith(f"From {SENDER}  ".encode())
    assert not (env.spool / (user + ".lock")).exists()
    if ROOT:
        assert mbox.stat().st_uid == pwd.getpwnam(user).pw_uid
        assert mbox.stat().st_mode & 0o777 == 0o600


def test_alias_to_users_a_file_and_a_command(env):
    names = env.users.make(2 if ROOT else 1)
    out = env.out
    if ROOT:
        # Alias destinations run with the rights of the table's owner.
        shutil.chown(out, names[0])
    env.aliases.write_text(
        f"team: {', '.join(names)}, {out}/team.mbox,\n"
        f"  \"|env > {out}/env.txt; cat > {out}/cmd.out\"\n")
    env.start(owner=names[0] if ROOT else None)
    rcpt = f"team@{DOMAIN}"
    qid = env.submit([rcpt])
    env.activate(qid)
    assert env.deliver(qid) == {"status": "0", "dead": "0"}
    content = env.content(qid)
    for name in names:
        files = maildir_files(env.spool / name)
        assert len(files) == 1, name
        assert files[0].read_bytes() == expected_headers(rcpt) + content
        line = wait_log(env.instance, f"to=<{name}@{DOMAIN}>")
        assert f"orig_to=<{rcpt}>" in line and "delivered to maildir" in line
    mbox = (out / "team.mbox").read_bytes()
    assert mbox.startswith(f"From {SENDER}  ".encode())
    assert b"\nReturn-Path: <sender@example.com>\n" in mbox
    assert b"\n>From the body" in mbox and mbox.endswith(b"\n\n")
    cmd_out = (out / "cmd.out").read_bytes()
    assert cmd_out.startswith(f"From {SENDER}  ".encode())
    assert cmd_out.endswith(content)
    environ = dict(l.split("=", 1) for l in
                   (out / "env.txt").read_text().splitlines() if "=" in l)
    assert environ["SENDER"] == SENDER
    assert environ["RECIPIENT"] == rcpt
    assert environ["ORIGINAL_RECIPIENT"] == rcpt
    assert environ["DOMAIN"] == DOMAIN
    assert environ["USER"] == "team"
    if ROOT:
        owner = pwd.getpwnam(names[0]).pw_uid
        assert (out / "team.mbox").stat().st_uid == owner
        assert (out / "cmd.out").stat().st_uid == owner
    wait_log(env.instance, f"status=sent (delivered to file: {out}/team.mbox)")
    wait_log(env.instance, "status=sent (delivered to command: env > ")
    assert env.rcpt_types(qid) == {rcpt: "D"}


def test_unknown_user_bounces_with_5_1_1(env):
    env.start()
    rcpt = f"nosuchuser@{DOMAIN}"
    qid = env.submit([rcpt])
    env.activate(qid)
    reply = env.deliver(qid)
    line = wait_log(env.instance, f"{qid}: to=<{rcpt}>")
    assert 'status=bounced (unknown user: "nosuchuser")' in line, line
    assert "dsn=5.1.1" in line
    assert reply["status"] == "0"
    assert env.rcpt_types(qid) == {rcpt: "D"}


def test_delivered_to_loop_bounces(env):
    user, = env.users.make(1)
    env.start()
    rcpt = f"{user}@{DOMAIN}"
    qid = env.submit([rcpt], headers=f"Delivered-To: {rcpt.upper()}\r\n")
    env.activate(qid)
    env.deliver(qid)
    line = wait_log(env.instance, f"{qid}: to=<{rcpt}>")
    assert f"status=bounced (mail forwarding loop for {rcpt})" in line, line
    assert "dsn=5.4.6" in line
    assert maildir_files(env.spool / user) == []


def test_unwritable_maildir_defers_then_delivers(env):
    user, = env.users.make(1)
    md = env.spool / user
    for sub in ("", "tmp", "new", "cur"):
        (md / sub).mkdir(exist_ok=True)
        if ROOT:
            shutil.chown(md / sub, user)
    (md / "tmp").chmod(0o500)
    env.start()
    rcpt = f"{user}@{DOMAIN}"
    qid = env.submit([rcpt])
    env.activate(qid)
    reply = env.deliver(qid)
    assert reply["status"] == "1"
    line = wait_log(env.instance, f"{qid}: to=<{rcpt}>")
    assert "dsn=4.2.0, status=deferred (maildir delivery failed: " \
        "create maildir file" in line, line
    assert "Permission denied" in line
    assert env.rcpt_types(qid) == {rcpt: "R"}
    (md / "tmp").chmod(0o700)
    assert env.deliver(qid)["status"] == "0"
    assert len(maildir_files(md)) == 1
    wait_log(env.instance, "status=sent (delivered to maildir)")
    assert env.rcpt_types(qid) == {rcpt: "D"}


def test_command_exit_status_defers_or_bounces(env):
    env.aliases.write_text("tempfail: \"|exit 75\"\n"
                           "hardfail: \"|echo oops; exit 1\"\n"
                           "nouser: \"|exit 67\"\n")
    env.start(owner="nobody")
    qid = env.submit([f"tempfail@{DOMAIN}", f"hardfail@{DOMAIN}",
                      f"nouser@{DOMAIN}"])
    env.activate(qid)
    assert env.deliver(qid, [f"tempfail@{DOMAIN}"])["status"] == "1"
    line = wait_log(env.instance, f"to=<tempfail@{DOMAIN}>")
    assert "dsn=4.3.0, status=deferred (temporary failure)" in line, line
    env.deliver(qid, [f"hardfail@{DOMAIN}"])
    line = wait_log(env.instance, f"to=<hardfail@{DOMAIN}>")
    assert ('dsn=5.3.0, status=bounced (Command died with status 1: '
            '"echo oops; exit 1". Command output: oops)') in line, line
    env.deliver(qid, [f"nouser@{DOMAIN}"])
    line = wait_log(env.instance, f"to=<nouser@{DOMAIN}>")
    assert "dsn=5.1.1, status=bounced (user unknown)" in line, line
    assert env.rcpt_types(qid) == {f"tempfail@{DOMAIN}": "R",
                                   f"hardfail@{DOMAIN}": "D",
                                   f"nouser@{DOMAIN}": "D"}


def test_remote_alias_target_is_forwarded_as_a_new_message(env):
    env.aliases.write_text("ext: someone@example.net\n")
    env.start()
    rcpt = f"ext@{DOMAIN}"
    qid = env.submit([rcpt])
    env.activate(qid)
    assert env.deliver(qid)["status"] == "0"
    line = wait_log(env.instance, "to=<someone@example.net>")
    assert f"orig_to=<{rcpt}>" in line
    new_id = line.rsplit("forwarded as ", 1)[1].rstrip(")")
    path = wait_for(lambda: next((p for p in (env.instance.queue_dir /
                                              "incoming").rglob(new_id)
                                  if p.is_file() and p.stat().st_mode & 0o100),
                                 None), 10, what="the forwarded queue file")
    recs = env.records(path)
    assert (next(d for _, t, d in recs if t == "S") == SENDER.encode())
    assert [d for _, t, d in recs if t == "R"] == [b"someone@example.net"]
    assert [d for _, t, d in recs if t == "O"] == [rcpt.encode()]
    lines = content_lines(decode_records(path.read_bytes()))
    assert lines[0] == f"Delivered-To: {rcpt}".encode()
    assert b"".join(l + b"\n" for l in lines[1:]).endswith(env.content(qid))
    assert env.rcpt_types(qid) == {rcpt: "D"}


def test_owner_alias_becomes_the_forwarding_sender(env):
    env.aliases.write_text("list: a@example.net\nowner-list: boss\n")
    env.start()
    qid = env.submit([f"list@{DOMAIN}"])
    env.activate(qid)
    assert env.deliver(qid)["status"] == "0"
    line = wait_log(env.instance, "to=<a@example.net>")
    new_id = line.rsplit("forwarded as ", 1)[1].rstrip(")")
    path = wait_for(lambda: next((p for p in (env.instance.queue_dir /
                                              "incoming").rglob(new_id)
                                  if p.is_file() and p.stat().st_mode & 0o100),
                                 None), 10, what="the forwarded queue file")
    recs = env.records(path)
    assert next(d for _, t, d in recs if t == "S") == b"owner-list@" + \
        DOMAIN.encode()


def test_commands_in_include_files_are_restricted_by_default(env):
    inc = env.out / "list.inc"
    inc.write_text(f"\"|cat > {env.out}/never\"\n")
    env.aliases.write_text(f"inc: :include:{inc}\n")
    env.start()
    qid = env.submit([f"inc@{DOMAIN}"])
    env.activate(qid)
    env.deliver(qid)
    line = wait_log(env.instance, f"to=<inc@{DOMAIN}>")
    assert "dsn=5.7.1, status=bounced (mail to command is restricted)" in line
    assert not (env.out / "never").exists()


@pytest.mark.skipif(not ROOT, reason=".forward needs a test user's home")
def test_forward_file_runs_as_the_user_and_keeps_a_copy(env):
    user, = env.users.make(1)
    home = env.instance.root / "home" / user
    fwd = home / ".forward"
    fwd.write_text(f"\\{user}, {home}/fwd.mbox\n")
    shutil.chown(fwd, user)
    env.start()
    rcpt = f"{user}@{DOMAIN}"
    qid = env.submit([rcpt])
    env.activate(qid)
    assert env.deliver(qid)["status"] == "0"
    assert len(maildir_files(env.spool / user)) == 1
    assert (home / "fwd.mbox").stat().st_uid == pwd.getpwnam(user).pw_uid
    wait_log(env.instance, f"status=sent (delivered to file: {home}/fwd.mbox)")


@pytest.mark.skipif(not (Path(__file__).parents[2] / "qmgr" / "qmgr.c").exists(),
                    reason="no qmgr yet")
def test_end_to_end_through_qmgr(instance, env):
    user, = env.users.make(1)
    env.newaliases()
    start_instance(instance, f"mydestination = {DOMAIN}, localhost\n"
                   "local_recipient_maps =\n"
                   f"alias_maps = hash:{env.aliases}\n"
                   f"mail_spool_directory = {env.spool}/\n"
                   "home_mailbox =\n")
    env.started = True
    rcpt = f"{user}@{DOMAIN}"
    body = "Subject: e2e\r\n\r\nthrough qmgr\r\n"
    with smtplib.SMTP("127.0.0.1", instance.port("smtp"), timeout=30) as s:
        s.sendmail(SENDER, [rcpt], body.encode())
    files = wait_for(lambda: maildir_files(env.spool / user), 30,
                     what="delivery through qmgr")
    data = files[0].read_bytes()
    assert data.startswith(expected_headers(rcpt))
    assert data.endswith(b"\n\nthrough qmgr\n")
    line = wait_log(instance, f"to=<{rcpt}>")
    assert "status=sent (delivered to maildir)" in line
    wait_log(instance, "removed")


def test_mailbox_command_gets_the_message_with_envelope_in_environment(env):
    user, = env.users.make(1)
    out = env.out
    out.chmod(0o777)
    env.start(f"mailbox_command = /bin/sh -c 'echo \"$USER $EXTENSION\" "
              f"> {out}/who; cat > {out}/mbcmd'\n"
              "recipient_delimiter = +\n")
    rcpt = f"{user}+tag@{DOMAIN}"
    qid = env.submit([rcpt])
    env.activate(qid)
    assert env.deliver(qid)["status"] == "0"
    assert (out / "who").read_text() == f"{user} tag\n"
    data = (out / "mbcmd").read_bytes()
    assert data.startswith(f"From {SENDER}  ".encode())
    assert data.endswith(env.content(qid))
    if ROOT:
        assert (out / "mbcmd").stat().st_uid == pwd.getpwnam(user).pw_uid
    line = wait_log(env.instance, f"to=<{rcpt}>")
    assert "status=sent (delivered to command: /bin/sh -c " in line


def test_luser_relay_catches_unknown_users(env):
    user, = env.users.make(1)
    env.start(f"luser_relay = {user}\n")
    qid = env.submit([f"nobody-here@{DOMAIN}"])
    env.activate(qid)
    assert env.deliver(qid)["status"] == "0"
    assert len(maildir_files(env.spool / user)) == 1
    line = wait_log(env.instance, f"to=<{user}@{DOMAIN}>")
    assert f"orig_to=<nobody-here@{DOMAIN}>" in line
