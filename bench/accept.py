#!/usr/bin/python3
"""Benchmark: SMTP accept rate into the queue, postern vs Debian's Postfix.

Sets up two private instances in temporary directories, one run by
postern's `postfix` command and one by Debian's, with the same main.cf
and the same master.cf (postern's shipped master.cf without qmgr and
pickup, so delivery is held and every accepted message stays in
queue/incoming).  Both fsync each queue file before answering 250.  The
same load generator, Debian's smtp-source, then submits MESSAGES messages
of SIZE bytes over SESSIONS parallel SMTP sessions (one connection per
message, as MTAs deliver) to each instance, alternating between them for
ROUNDS rounds after a short warm-up.

Reported per implementation: the best and the median rate in messages/s
(wall time of smtp-source, from its start until its last 250 reply), and
the CPU seconds the instance spent per 1000 messages (median).  The CPU
of an instance is read from /proc/PID/stat before and after each round:
utime + stime + cutime + cstime of its master (the pid in
queue/pid/master.pid) and of every live descendant.  A daemon that exited
during the round (max_use) was reaped by master, so its time is in
master's cutime/cstime; live daemons are counted directly; nothing is
counted twice.  The load generator's own CPU is not included.  After each
round the number of complete queue files (last record END) must have
grown by exactly MESSAGES, or the benchmark fails.

The ratios are postern/Postfix: above 1 for the rate means postern
accepts faster; below 1 for CPU means postern spends less.

Postfix's `postfix start` needs root; run as another user, only postern
is measured and no ratio is printed.

usage: bench/accept.py POSTERN_PREFIX [MESSAGES] [SESSIONS] [SIZE] [ROUNDS]
       (defaults 5000 20 5000 3)
"""
import os
import pwd
import grp
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import MtaInstance, all_procs, print_rate_table  # noqa: E402

SMTP_SOURCE = Path("/usr/sbin/smtp-source")
POSTFIX_SBIN = Path("/usr/sbin")
SENDER = "a@postern.test"
RECIPIENT = "b@postern.test"
WARMUP = 200
RUN_TIMEOUT = 150


class Instance(MtaInstance):
    """One private instance (postern's or Postfix's) under a temp dir."""

    def __init__(self, name, sbin, daemon_dir, master_cf, user, group):
        super().__init__("accept", name, sbin)
        self.write_config(
            "accept", master_cf, daemon_dir, user, group,
            "# No qmgr hands out tokens: without this Postfix's cleanup\n"
            "# waits 1s per message (postern has no such flow control).\n"
            "in_flow_delay = 0\n",
            drop_services=("qmgr", "pickup"))

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

    def complete_queue_files(self):
        """Number of files in incoming/ whose last record is END."""
        n = 0
        for dirpath, _, files in os.walk(self.queue_dir / "incoming"):
            for f in files:
                try:
                    with open(os.path.join(dirpath, f), "rb") as fp:
                        fp.seek(-2, os.SEEK_END)
                        if fp.read(2) == b"E\x00":
                            n += 1
                except OSError:
                    pass
        return n

    def submit(self, messages, sessions, size):
        argv = [str(SMTP_SOURCE), "-s", str(sessions), "-m", str(messages),
                "-l", str(size), "-f", SENDER, "-t", RECIPIENT,
                f"127.0.0.1:{self.port}"]
        t0 = time.monotonic()
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=RUN_TIMEOUT)
        wall = time.monotonic() - t0
        if r.returncode != 0 or r.stderr.strip():
            raise RuntimeError(f"{self.name}: smtp-source failed "
                               f"(exit {r.returncode}): {r.stderr.strip()}"
                               f"{self.log_tail()}")
        return wall

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
        procs = all_procs()
        for pid in survivors:
            if pid in procs and procs[pid][1] != "Z":
                print(f"warning: {self.name}: pid {pid} still running after"
                      f" stop; killing it", file=sys.stderr)
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        self.started = False


def round_once(inst, messages, sessions, size):
    before_files = inst.complete_queue_files()
    cpu0 = inst.cpu_seconds()
    wall = inst.submit(messages, sessions, size)
    cpu1 = inst.cpu_seconds()
    got = inst.complete_queue_files() - before_files
    if got != messages:
        raise RuntimeError(f"{inst.name}: {got} new complete queue files for "
                           f"{messages} messages sent{inst.log_tail()}")
    return messages / wall, (cpu1 - cpu0) * 1000 / messages


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[-2].strip())
    prefix = Path(sys.argv[1]).resolve()
    messages = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    sessions = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 5000
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    if not SMTP_SOURCE.exists():
        sys.exit("smtp-source (Debian's postfix package) is not installed: "
                 "no load generator")
    master_cf_path = prefix / "etc" / "postfix" / "master.cf"
    master_cf = master_cf_path.read_text()
    if os.getuid() == 0:
        user, group = "postfix", "postdrop"
        for check in (lambda: pwd.getpwnam(user), lambda: grp.getgrnam(group)):
            try:
                check()
            except KeyError:
                sys.exit(f"user {user} / group {group} missing: run as root "
                         "needs them (see .ci/run)")
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
            inst.submit(WARMUP, sessions, size)
        for r in range(rounds):
            order = impls if r % 2 == 0 else impls[::-1]
            for inst in order:
                results[inst.name].append(
                    round_once(inst, messages, sessions, size))
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        sys.exit(f"accept benchmark failed: {e}")
    finally:
        for inst in impls:
            inst.stop()
        for inst in impls:
            inst.remove()

    print(f"accept benchmark: {messages} messages of {size} bytes, "
          f"{sessions} parallel sessions (smtp-source, one connection per "
          f"message), fsync on, delivery held, {rounds} rounds")
    print_rate_table(results)


if __name__ == "__main__":
    main()
