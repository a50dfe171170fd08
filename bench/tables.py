#!/usr/bin/python3
"""Benchmark: lookup-table build and query, postern vs Debian's Postfix.

Builds a hash: and a btree: table of N entries with each postmap, then
queries M keys (half present, half absent) through `postmap -q -`, and
queries a pcre: table of R rules.  Each step runs REPEAT times per
implementation, alternating, and the best wall time and the CPU time of
the child are reported with the ratio postern/Postfix (below 1 means
postern is faster).  Both produce the same output, which is checked.

usage: bench/tables.py POSTERN_PREFIX [N] [REPEAT]
"""
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(argv, env, stdin=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if r.returncode not in (0, 1):
        sys.exit(f"{argv[0]} failed: {r.stderr}")
    return wall, cpu, r.stdout


def main():
    prefix = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    impls = {"postern": prefix / "sbin" / "postmap",
             "postfix": Path("/usr/sbin/postmap")}
    if not impls["postfix"].exists():
        sys.exit("Debian's postfix is not installed: nothing to compare with")
    rnd = random.Random(42)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        (d / "main.cf").write_text("")
        env = dict(os.environ, MAIL_CONFIG=str(d))
        keys = [f"user{i}@example{i % 97}.test" for i in range(n)]
        (d / "src").write_text("".join(f"{k} OK {i}\n" for i, k in enumerate(keys)))
        probe = [rnd.choice(keys) for _ in range(n // 2)] + \
                [f"absent{i}@nowhere.test" for i in range(n // 2)]
        rnd.shuffle(probe)
        probe_text = "\n".join(probe) + "\n"
        rules = "".join(f"/^user{i}@example{i % 97}\\.test$/ RULE{i}\n"
                        for i in range(0, 2000))
        (d / "rules.pcre").write_text(rules)
        pcre_probe = "\n".join(keys[:2000:7] + ["nomatch@x"] * 300) + "\n"
        steps = [
            ("build hash", lambda p, t: [p, f"hash:{t}/src"], None),
            ("query hash", lambda p, t: [p, "-q", "-", f"hash:{t}/src"], probe_text),
            ("build btree", lambda p, t: [p, f"btree:{t}/src"], None),
            ("query btree", lambda p, t: [p, "-q", "-", f"btree:{t}/src"], probe_text),
            ("query pcre", lambda p, t: [p, "-q", "-", f"pcre:{t}/rules.pcre"], pcre_probe),
        ]
        print(f"tables benchmark: {n} entries, {n} queries, best of {repeat}")
        print(f"{'step':<12} {'postern s':>10} {'postfix s':>10} {'ratio':>6}"
              f" {'postern cpu':>11} {'postfix cpu':>11} {'ratio':>6}")
        for name, argv, stdin in steps:
            best = {}
            outputs = {}
            for _ in range(repeat):
                for impl, path in impls.items():
                    wall, cpu, out = run(argv(str(path), d), env, stdin)
                    w, c = best.get(impl, (1e9, 1e9))
                    best[impl] = (min(w, wall), min(c, cpu))
                    outputs[impl] = out
            if outputs["postern"] != outputs["postfix"]:
                sys.exit(f"{name}: outputs differ between postern and postfix")
            (pw, pc), (fw, fc) = best["postern"], best["postfix"]
            print(f"{name:<12} {pw:>10.3f} {fw:>10.3f} {pw / fw:>6.2f}"
                  f" {pc:>11.3f} {fc:>11.3f} {pc / max(fc, 1e-6):>6.2f}")


if __name__ == "__main__":
    main()
