#!/usr/bin/python3
"""Benchmark: SMTP in -> smtp relay -> sink, postern vs Debian's Postfix.

Starts one SMTP sink, Debian's smtp-sink on 127.0.0.1 (a free port), which
accepts every message and throws it away, and two private instances in
temporary directories, one run by postern's `postfix` command and one by
Debian's, with the same main.cf and the same master.cf (postern's shipped
one, every service).  Both relay everything to the sink: mydestination is
empty, relayhost = [127.0.0.1]:SINKPORT, default_transport = smtp, and the
smtp client's settings are the defaults (connection cache on demand, 20
parallel deliveries to one destination).  The same load generator,
Debian's smtp-source, submits MESSAGES messages of SIZE bytes over
SESSIONS parallel SMTP sessions (one connection per message) to each
instance, alternating between them for ROUNDS rounds after a warm-up.

Reported per implementation:
- msg/s: the best and the median rate, MESSAGES divided by the time from
  the start of smtp-source until the maillog holds the round's last
  `status=sent` line (the log is polled every 5 ms);
- cpu s/1000 msgs (median): the CPU the instance spent on the round, read
  from /proc/PID/stat before the round and after its queue is empty
  again: utime + stime + cutime + cstime of its master
  (queue/pid/master.pid) and of every live descendant (daemons that exited
  were reaped by master and are in its cutime/cstime; nothing is counted
  twice).  Neither smtp-source's nor smtp-sink's CPU is included;
- queue dwell p50 and p95 (medians over the rounds of each round's
  percentiles), from the delay= field of each `status=sent` line: the time
  from the message's arrival to its delivery to the sink;
- delays a/b/c/d (medians over the rounds of each round's mean): the
  parts of delay= as the delays= field splits it (before the queue manager,
  in the queue manager, connection setup, transmission);
- sink conns/1000: SMTP sessions opened to the sink per 1000 messages
  (the sessions smtp-sink -c counts as ended, plus its sockets still open
  from /proc/net/tcp), so connection reuse shows.

After each round the sink must have received exactly MESSAGES messages,
the queue must be empty, and the maillog must hold MESSAGES new
`status=sent` lines and no deferred or bounced one, or the benchmark
fails; except that status=sent lines still missing 2 s after the rest is
done are counted as lost log lines and reported in a warning (the rate
then ends at the last line seen).

The ratios are postern/Postfix: above 1 for the rate means postern relays
faster; below 1 for CPU and dwell means postern spends less.

--impls chooses the implementations, in order (default postern,postfix);
the ratios compare the first with the second.  `--impls postfix,postfix`
runs Debian's Postfix against itself (checks the harness, and shows the
noise: its ratios should be near 1).  Postfix's `postfix start` needs root;
run as another user, only postern is measured and no ratio is printed.

usage: bench/relay.py [--impls A,B] POSTERN_PREFIX [MESSAGES] [SESSIONS] [SIZE] [ROUNDS]
       (defaults 2000 20 5000 3)
"""
import argparse
import os
import pwd
import grp
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (MtaInstance, LogTail, free_port, percentile,  # noqa: E402
                      process_tree)

SMTP_SOURCE = Path("/usr/sbin/smtp-source")
SMTP_SINK = Path("/usr/sbin/smtp-sink")
POSTFIX_SBIN = Path("/usr/sbin")
SENDER = "a@bench.test"
RECIPIENT = "b@relay.test"
WARMUP = 200
RUN_TIMEOUT = 180
STALL_TIMEOUT = 30
LOST_GRACE = 2
QUEUES = ("maildrop", "incoming", "active", "deferred", "hold")

SENT_RE = re.compile(r" status=sent ")
FAILED_RE = re.compile(r" status=(deferred|bounced) ")
DELAY_RE = re.compile(r"\bdelay=([0-9.]+)")
DELAYS_RE = re.compile(r"\bdelays=([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+)")


def wait_for(what, predicate, deadline, interval, detail=lambda: ""):
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}{detail()}")
        time.sleep(interval)


class Sink:
    """Debian's smtp-sink on 127.0.0.1, counting sessions and messages."""

    def __init__(self):
        self.port = free_port()
        self.proc = None
        self.sessions = 0
        self.messages = 0
        self.lock = threading.Lock()

    def start(self):
        argv = [str(SMTP_SINK), "-c"]
        if os.getuid() == 0:
            argv += ["-u", "nobody"]
        argv += [f"127.0.0.1:{self.port}", "256"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        threading.Thread(target=self._counters, daemon=True).start()
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port),
                                              timeout=5) as s:
                    if s.recv(512).startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"smtp-sink did not start on port "
                                   f"{self.port}")
            time.sleep(0.05)

    def _counters(self):
        """-c writes "sess=N quit=N mesg=N" records ending in \\r."""
        buf = b""
        while True:
            data = self.proc.stdout.read1(4096)
            if not data:
                return
            buf += data
            *records, buf = buf.split(b"\r")
            for rec in records:
                fields = dict(f.split(b"=", 1) for f in rec.split()
                              if b"=" in f)
                with self.lock:
                    if b"sess" in fields:
                        self.sessions = int(fields[b"sess"])
                    if b"mesg" in fields:
                        self.messages = int(fields[b"mesg"])

    def open_sessions(self):
        """Sessions the sink has not ended: its sockets on the port in
        state ESTABLISHED (accepted or in the accept queue) or CLOSE_WAIT
        (the client hung up, the sink has not noticed yet)."""
        n = 0
        with open("/proc/net/tcp") as fp:
            next(fp)
            for line in fp:
                f = line.split()
                if int(f[1].split(":")[1], 16) == self.port and \
                        f[3] in ("01", "08"):
                    n += 1
        return n

    def counters(self):
        """(sessions opened so far, messages received so far).  -c counts
        a session when it ends; the ones still open are added."""
        open_now = self.open_sessions()
        with self.lock:
            return self.sessions + open_now, self.messages

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Instance(MtaInstance):
    """One private instance (postern's or Postfix's) under a temp dir."""

    def __init__(self, name, sbin, daemon_dir, master_cf, user, group,
                 sink_port):
        super().__init__("relay", name, sbin)
        self.log = LogTail(self.maillog)
        self.write_config(
            "relay", master_cf, daemon_dir, user, group,
            f"relayhost = [127.0.0.1]:{sink_port}\n"
            "default_transport = smtp\n"
            "smtp_connection_cache_on_demand = yes\n",
            mydestination="")

    def log_problems(self):
        """The first few warning/fatal/panic lines of the maillog."""
        try:
            lines = self.maillog.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        bad = [line for line in lines
               if re.search(r": (warning|error|fatal|panic): ", line)]
        if not bad:
            return ""
        return (f"\n{len(bad)} warning/fatal/panic lines, the first:\n" +
                "\n".join(bad[:5]))

    def processes(self):
        """{pid: stat} for master and its live descendants."""
        return process_tree(self.master_pid())

    def queued(self):
        n = 0
        for q in QUEUES:
            for _, _, files in os.walk(self.queue_dir / q):
                n += len(files)
        return n

    def run_load(self, messages, sessions, size, sink):
        """Submit and wait for MESSAGES `status=sent` lines and an empty
        queue.  Returns (seconds until the last status=sent line, delay=
        values, delays= tuples, sink sessions, sink messages).  When the
        sink has every message and the queue is empty but status=sent
        lines are missing for LOST_GRACE seconds, the lines are taken as
        lost: fewer delay= values come back, and the caller reports it."""
        self.log.skip_to_end()
        sink_sess0, sink_msg0 = sink.counters()
        delays, parts, failed = [], [], []
        progress = [time.monotonic(), 0]
        argv = [str(SMTP_SOURCE), "-s", str(sessions), "-m", str(messages),
                "-l", str(size), "-f", SENDER, "-t", RECIPIENT,
                f"127.0.0.1:{self.port}"]

        def collect():
            for line in self.log.lines():
                if SENT_RE.search(line):
                    m = DELAY_RE.search(line)
                    p = DELAYS_RE.search(line)
                    if not m or not p:
                        raise RuntimeError(f"{self.name}: no delay=/delays= "
                                           f"in: {line}")
                    delays.append(float(m.group(1)))
                    parts.append(tuple(float(x) for x in p.groups()))
                elif FAILED_RE.search(line):
                    failed.append(line)
            if failed:
                raise RuntimeError(f"{self.name}: {len(failed)} deliveries "
                                   f"failed, first: {failed[0]}")
            now = time.monotonic()
            if len(delays) > progress[1]:
                progress[:] = [now, len(delays)]
            elif now - progress[0] > STALL_TIMEOUT:
                raise RuntimeError(f"{self.name}: no delivery for "
                                   f"{STALL_TIMEOUT}s{detail()}")
            elif now - progress[0] > LOST_GRACE and \
                    sink.counters()[1] - sink_msg0 >= messages and \
                    self.queued() == 0:
                # Every message reached the sink and left the queue, but
                # some status=sent lines never reached the maillog.
                return True
            return len(delays) >= messages

        def detail():
            got = sink.counters()[1] - sink_msg0
            lost = ""
            if self.queued() == 0 and got > len(delays):
                lost = (f"\nthe queue is empty and the sink has {got} "
                        f"messages, but the maillog only {len(delays)} "
                        "status=sent lines: log lines lost?")
            return (f" ({self.name}: status=sent lines {len(delays)}, "
                    f"queued {self.queued()}, at the sink {got}){lost}"
                    f"{self.log_problems()}{self.log_tail()}")

        t0 = time.monotonic()
        deadline = t0 + RUN_TIMEOUT
        src = subprocess.Popen(argv, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            wait_for(f"{messages} status=sent lines", collect, deadline,
                     0.005, detail)
            wall = progress[0] - t0
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
        wait_for("an empty queue", lambda: self.queued() == 0, deadline,
                 0.01, detail)
        # smtp-sink counts a message when it answers the final dot, a
        # moment before the client logs status=sent; it is no later.
        wait_for("the sink's count", lambda: sink.counters()[1] - sink_msg0
                 >= messages, deadline, 0.005, detail)
        collect()
        sink_sess, sink_msg = sink.counters()
        return (wall, delays, parts, sink_sess - sink_sess0,
                sink_msg - sink_msg0)


def round_once(inst, messages, sessions, size, sink):
    cpu0 = inst.cpu_seconds()
    wall, delays, parts, conns, got = inst.run_load(messages, sessions, size,
                                                    sink)
    cpu1 = inst.cpu_seconds()
    if len(delays) > messages or got != messages:
        raise RuntimeError(f"{inst.name}: {len(delays)} status=sent lines "
                           f"and {got} messages at the sink for {messages} "
                           f"sent{inst.log_tail()}")
    means = tuple(statistics.fmean(p[i] for p in parts) for i in range(4))
    return {"rate": messages / wall,
            "cpu": (cpu1 - cpu0) * 1000 / messages,
            "p50": percentile(delays, 50),
            "p95": percentile(delays, 95),
            "parts": means,
            "conns": conns * 1000 / messages,
            "lost": messages - len(delays)}


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.strip().splitlines()[0],
        usage=__doc__.strip().splitlines()[-2].strip()[7:])
    ap.add_argument("--impls", default="postern,postfix")
    ap.add_argument("prefix")
    ap.add_argument("messages", nargs="?", type=int, default=2000)
    ap.add_argument("sessions", nargs="?", type=int, default=20)
    ap.add_argument("size", nargs="?", type=int, default=5000)
    ap.add_argument("rounds", nargs="?", type=int, default=3)
    args = ap.parse_args()
    prefix = Path(args.prefix).resolve()
    messages, sessions, size, rounds = (args.messages, args.sessions,
                                        args.size, args.rounds)
    wanted = [w.strip() for w in args.impls.split(",") if w.strip()]
    if not wanted or any(w not in ("postern", "postfix") for w in wanted):
        sys.exit("--impls: a comma-separated list of postern and postfix")
    for tool in (SMTP_SOURCE, SMTP_SINK):
        if not tool.exists():
            sys.exit(f"{tool} (Debian's postfix package) is not installed: "
                     "no load generator or sink")
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
    if "postfix" in wanted and os.getuid() != 0:
        print("Postfix skipped: its `postfix start` needs root; "
              "measuring postern alone")
        wanted = ["postern"]
    elif "postfix" in wanted and not (POSTFIX_SBIN / "postfix").exists():
        print("Postfix skipped: Debian's postfix is not installed; "
              "measuring postern alone")
        wanted = ["postern"]

    sink = Sink()
    impls = []
    for w in wanted:
        name = w if w not in [i.name for i in impls] else f"{w}-2"
        if w == "postern":
            impls.append(Instance(name, prefix / "sbin",
                                  prefix / "libexec/postern", master_cf,
                                  user, group, sink.port))
        else:
            impls.append(Instance(name, POSTFIX_SBIN, None, master_cf,
                                  user, group, sink.port))
    results = {inst.name: [] for inst in impls}
    warm_lost = {}
    try:
        sink.start()
        for inst in impls:
            inst.start()
            warm = inst.run_load(WARMUP, sessions, size, sink)
            warm_lost[inst.name] = WARMUP - len(warm[1])
        for r in range(rounds):
            order = impls if r % 2 == 0 else impls[::-1]
            for inst in order:
                results[inst.name].append(
                    round_once(inst, messages, sessions, size, sink))
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        sys.exit(f"relay benchmark failed: {e}")
    finally:
        for inst in impls:
            inst.stop()
        sink.stop()
        for inst in impls:
            inst.remove()

    print(f"relay benchmark: {messages} messages of {size} bytes, "
          f"{sessions} parallel sessions (smtp-source, one connection per "
          f"message) -> smtpd -> queue -> smtp (relayhost) -> smtp-sink, "
          f"fsync on, {rounds} rounds")
    print(f"{'impl':<10} {'best msg/s':>10} {'median msg/s':>12}"
          f" {'cpu s/1000 msgs':>15} {'dwell p50 s':>11} {'dwell p95 s':>11}"
          f" {'delays a/b/c/d s':>23} {'sink conns/1000':>15}")
    summary = {}
    for name, rs in results.items():
        med = {k: statistics.median(r[k] for r in rs)
               for k in ("rate", "cpu", "p50", "p95", "conns")}
        med["best"] = max(r["rate"] for r in rs)
        parts = [statistics.median(r["parts"][i] for r in rs)
                 for i in range(4)]
        summary[name] = med
        print(f"{name:<10} {med['best']:>10.0f} {med['rate']:>12.0f}"
              f" {med['cpu']:>15.3f} {med['p50']:>11.2f} {med['p95']:>11.2f}"
              f" {'/'.join(f'{p:.2f}' for p in parts):>23}"
              f" {med['conns']:>15.0f}")
    for name, rs in results.items():
        lost = warm_lost.get(name, 0) + sum(r["lost"] for r in rs)
        if lost:
            print(f"warning: {name}: {lost} status=sent lines missing from "
                  "the maillog although the sink received every message "
                  "and the queue emptied (log lines lost)")
    if len(impls) >= 2:
        a, b = summary[impls[0].name], summary[impls[1].name]

        def ratio(x, y):
            return x / y if y > 0 else float("inf") if x > 0 else 1.0
        print(f"ratio {impls[0].name}/{impls[1].name}: rate "
              f"{ratio(a['best'], b['best']):.2f} (best), "
              f"{ratio(a['rate'], b['rate']):.2f} (median); cpu "
              f"{ratio(a['cpu'], b['cpu']):.2f}; dwell p50 "
              f"{ratio(a['p50'], b['p50']):.2f}, p95 "
              f"{ratio(a['p95'], b['p95']):.2f} (rate above 1, cpu and "
              f"dwell below 1: {impls[0].name} is better)")


if __name__ == "__main__":
    main()
