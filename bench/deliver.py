#!/usr/bin/python3
"""Benchmark: SMTP in to Maildir delivery, postern vs Debian's Postfix.

Sets up two private instances in temporary directories, one run by
postern's `postfix` command and one by Debian's, with the same main.cf and
the same master.cf (postern's shipped one, every service).  Both deliver
the domain bench.test through their virtual(8) agent: virtual_mailbox_maps
is static:box/, so every message lands in one Maildir, DIR/mail/box/, owned
by the invoking user (by `nobody` under root; virtual_uid_maps and
virtual_gid_maps are static).  The same load generator, Debian's
smtp-source, submits MESSAGES messages of SIZE bytes over SESSIONS
parallel SMTP sessions (one connection per message) to each instance,
alternating between them for ROUNDS rounds after a warm-up.

Reported per implementation: the best and the median rate in messages/s,
from the start of smtp-source until the last message of the round is a
file in the Maildir's new/ (polled every 5 ms), and the CPU seconds the
instance spent per 1000 messages (median).  The CPU of an instance is read
from /proc/PID/stat before the round and after its queue is empty again:
utime + stime + cutime + cstime of its master (queue/pid/master.pid) and of
every live descendant (daemons that exited were reaped by master and are in
its cutime/cstime; nothing is counted twice).  The load generator's own
CPU is not included.  After each round the Maildir must have grown by
exactly MESSAGES files and the queue must be empty, or the benchmark fails.

The ratios are postern/Postfix: above 1 for the rate means postern
delivers faster; below 1 for CPU means postern spends less.

Postfix's `postfix start` needs root; run as another user, only postern
is measured and no ratio is printed.

usage: bench/deliver.py POSTERN_PREFIX [MESSAGES] [SESSIONS] [SIZE] [ROUNDS]
       (defaults 2000 20 5000 5)
"""
import os
import pwd
import grp
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import MtaInstance, all_procs, print_rate_table  # noqa: E402

SMTP_SOURCE = Path("/usr/sbin/smtp-source")
POSTFIX_SBIN = Path("/usr/sbin")
DOMAIN = "bench.test"
SENDER = f"a@{DOMAIN}"
RECIPIENT = f"b@{DOMAIN}"
WARMUP = 200
RUN_TIMEOUT = 120
QUEUES = ("maildrop", "incoming", "active", "deferred", "hold")


def mailbox_owner():
    """(uid, gid) that owns the Maildir and that virtual delivers as."""
    if os.getuid() == 0:
        pw = pwd.getpwnam("nobody")
        return pw.pw_uid, pw.pw_gid
    return os.getuid(), os.getgid()


class Instance(MtaInstance):
    """One private instance (postern's or Postfix's) under a temp dir."""

    def __init__(self, name, sbin, daemon_dir, master_cf, user, group):
        super().__init__("deliver", name, sbin)
        self.mail_dir = self.root / "mail"
        self.maildir_new = self.mail_dir / "box" / "new"
        self.mail_dir.mkdir()
        uid, gid = mailbox_owner()
        os.chown(self.mail_dir, uid, gid)
        self.write_config(
            "deliver", master_cf, daemon_dir, user, group,
            f"virtual_mailbox_domains = {DOMAIN}\n"
            f"virtual_mailbox_base = {self.mail_dir}\n"
            "virtual_mailbox_maps = static:box/\n"
            f"virtual_uid_maps = static:{uid}\n"
            f"virtual_gid_maps = static:{gid}\n"
            f"virtual_minimum_uid = {min(uid, 100)}\n")

    def processes(self):
        """{pid: stat} for master and its live descendants."""
        master = self.master_pid()
        procs = all_procs()
        if master not in procs:
            return {}
        tree = {master}
        grew = True
        while grew:
            grew = False
            for pid, (ppid, _, _) in procs.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        return {pid: procs[pid] for pid in tree}

    def delivered(self):
        """Number of messages in the Maildir's new/."""
        try:
            return len(os.listdir(self.maildir_new))
        except FileNotFoundError:
            return 0

    def queued(self):
        n = 0
        for q in QUEUES:
            for _, _, files in os.walk(self.queue_dir / q):
                n += len(files)
        return n

    def wait(self, what, predicate, deadline, interval):
        while not predicate():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: timed out waiting for "
                                   f"{what} (delivered {self.delivered()}, "
                                   f"queued {self.queued()}){self.log_tail()}")
            time.sleep(interval)

    def run_load(self, messages, sessions, size):
        """Submit and wait until every message is in the Maildir and the
        queue is empty.  Returns (seconds until the last delivery, files
        delivered)."""
        before = self.delivered()
        argv = [str(SMTP_SOURCE), "-s", str(sessions), "-m", str(messages),
                "-l", str(size), "-f", SENDER, "-t", RECIPIENT,
                f"127.0.0.1:{self.port}"]
        t0 = time.monotonic()
        deadline = t0 + RUN_TIMEOUT
        src = subprocess.Popen(argv, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            self.wait(f"{messages} deliveries",
                      lambda: self.delivered() - before >= messages,
                      deadline, 0.005)
            wall = time.monotonic() - t0
            out, err = src.communicate(timeout=max(1, deadline -
                                                   time.monotonic()))
        finally:
            if src.poll() is None:
                src.kill()
                src.wait()
        if src.returncode != 0 or err.strip():
            raise RuntimeError(f"{self.name}: smtp-source failed "
                               f"(exit {src.returncode}): {err.strip()}"
                               f"{self.log_tail()}")
        self.wait("an empty queue", lambda: self.queued() == 0, deadline,
                  0.01)
        return wall, self.delivered() - before


def round_once(inst, messages, sessions, size):
    cpu0 = inst.cpu_seconds()
    wall, got = inst.run_load(messages, sessions, size)
    cpu1 = inst.cpu_seconds()
    if got != messages:
        raise RuntimeError(f"{inst.name}: {got} messages delivered for "
                           f"{messages} sent{inst.log_tail()}")
    return messages / wall, (cpu1 - cpu0) * 1000 / messages


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[-2].strip())
    prefix = Path(sys.argv[1]).resolve()
    messages = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    sessions = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 5000
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    if not SMTP_SOURCE.exists():
        sys.exit("smtp-source (Debian's postfix package) is not installed: "
                 "no load generator")
    master_cf = (prefix / "etc" / "postfix" / "master.cf").read_text()
    if os.getuid() == 0:
        user, group = "postfix", "postdrop"
        for check in (lambda: pwd.getpwnam(user), lambda: grp.getgrnam(group),
                      lambda: pwd.getpwnam("nobody")):
            try:
                check()
            except KeyError:
                sys.exit(f"user {user} / group {group} / user nobody "
                         "missing: run as root needs them (see .ci/run)")
    else:
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
    impls = [Instance("postern", prefix / "sbin", prefix / "libexec/postern",
                      master_cf, user, group)]
    if os.getuid() != 0:
        print("Postfix skipped: its `postfix start` needs root; "
              "measuring postern alone")
    elif not (POSTFIX_SBIN / "postfix").exists():
        print("Postfix skipped: Debian's postfix is not installed; "
              "measuring postern alone")
    else:
        impls.append(Instance("postfix", POSTFIX_SBIN, None, master_cf,
                              user, group))
    results = {inst.name: [] for inst in impls}
    try:
        for inst in impls:
            inst.start()
            inst.run_load(WARMUP, sessions, size)
        for r in range(rounds):
            order = impls if r % 2 == 0 else impls[::-1]
            for inst in order:
                results[inst.name].append(
                    round_once(inst, messages, sessions, size))
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        sys.exit(f"deliver benchmark failed: {e}")
    finally:
        for inst in impls:
            inst.stop()
        for inst in impls:
            inst.remove()

    print(f"deliver benchmark: {messages} messages of {size} bytes, "
          f"{sessions} parallel sessions (smtp-source, one connection per "
          f"message) -> virtual -> one Maildir, fsync on, {rounds} rounds")
    print_rate_table(results)


if __name__ == "__main__":
    main()
