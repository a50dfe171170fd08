"""pflogsumm over postern's log (issue 4, "Done when"): a test run with
known outcomes -- messages received through SMTP and sendmail, delivered,
deferred once and then delivered, bounced, and rejected at RCPT time --
and Debian's pflogsumm, run over the instance's maillog, must count each
kind correctly.  pflogsumm parses Postfix's log lines (smtpd client=,
pickup uid=/from=, qmgr from=, agent to=... status=, NOQUEUE: reject:,
bounce notification lines), so this checks that postern's lines have
Postfix's shape where log tools look."""
import os
import re
import shutil
import smtplib
import subprocess

import pytest

from conftest import wait_for
from test_delivery_e2e import (DELIVERY_TIMEOUT, FAST_RETRY, SENDER, VDOMAIN,
                               delivery, make_message, queue_ids,
                               wait_maildir)

PFLOGSUMM = shutil.which("pflogsumm") or "/usr/sbin/pflogsumm"
__all__ = ["delivery"]      # the fixture, imported for the test below


def grand_totals(report):
    """{label: number} from pflogsumm's "Grand Totals" message block,
    plus "deferrals" from "N deferred (M deferrals)"."""
    block = report.split("Grand Totals", 1)[1].split("bytes received", 1)[0]
    totals = {}
    for number, label in re.findall(r"(?m)^\s*(\d+)\s+([a-z-]+)", block):
        totals[label] = int(number)
    m = re.search(r"deferred\s+\((\d+)\s+deferrals\)", block)
    if m:
        totals["deferrals"] = int(m.group(1))
    return totals


def test_pflogsumm_counts_a_test_run(delivery):
    if not os.path.exists(PFLOGSUMM):
        pytest.skip("pflogsumm is not installed (apt-get install pflogsumm)")
    d = delivery
    ok = d.add_mailbox("ok")
    d.add_mailbox("flaky")
    flaky = d.make_maildir("flaky", mode=0o500)
    # 127.0.0.1 outside mynetworks: relaying to other.example is refused.
    d.configure(FAST_RETRY + "mynetworks = 127.0.0.2/32\n"
                "smtpd_reject_unlisted_recipient = no\n")
    d.start()
    qids = []
    for n in range(3):                                   # 3 delivered
        qids.append(d.smtp([f"ok@{VDOMAIN}"],
                           make_message(f"pfl-smtp-{n}", f"ok@{VDOMAIN}")))
    qids.append(d.sendmail([f"ok@{VDOMAIN}"],              # 1 delivered
                           make_message("pfl-sendmail", f"ok@{VDOMAIN}")))
    bounced = d.smtp([f"nosuch@{VDOMAIN}"],                # 1 bounced
                     make_message("pfl-bounce", f"nosuch@{VDOMAIN}"))
    deferred = d.smtp([f"flaky@{VDOMAIN}"],                # 1 deferred
                      make_message("pfl-defer", f"flaky@{VDOMAIN}"))
    with smtplib.SMTP("127.0.0.1", d.inst.port("smtp"), timeout=30) as s:
        s.ehlo("client.example")
        assert s.mail(SENDER)[0] == 250
        code, resp = s.rcpt("someone@other.example")     # 1 rejected
        assert code == 554 or code == 550 or code == 553, (code, resp)
    for qid in qids:
        d.wait_status(qid, f"ok@{VDOMAIN}", "sent")
    d.wait_status(bounced, f"nosuch@{VDOMAIN}", "bounced")
    wait_maildir(d.base / "sender", b"Subject: pfl-bounce")  # the DSN
    d.wait_status(deferred, f"flaky@{VDOMAIN}", "deferred")
    for sub in ("new", "tmp"):
        (flaky / sub).chmod(0o700)
    d.wait_status(deferred, f"flaky@{VDOMAIN}", "sent")
    wait_for(lambda: not queue_ids(d.inst), DELIVERY_TIMEOUT,
             what="an empty queue")
    d.stop()
    assert len(list((ok / "new").iterdir())) == 4

    r = subprocess.run([PFLOGSUMM, "--problems_first", str(d.inst.maillog)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"pflogsumm: {r.stderr}"
    totals = grand_totals(r.stdout)
    # Received: 5 through smtpd, 1 through pickup.  Delivered: 4 to ok,
    # the deferred one once retried, and the bounce to the sender.
    want = {"received": 6, "delivered": 4 + 1 + 1, "deferred": 1,
            "bounced": 1, "rejected": 1}
    got = {k: totals.get(k) for k in want}
    assert got == want, f"pflogsumm Grand Totals {totals}\n{r.stdout[:2500]}"
    assert totals.get("deferrals", 0) >= 1, totals
    # The detail sections name the causes as Postfix's lines do.
    assert re.search(r"(?s)message bounce detail.*virtual \(total: 1\).*"
                     r"unknown user", r.stdout), r.stdout
    assert re.search(r"(?s)message reject detail.*RCPT.*Relay access denied"
                     r" \(total: 1\)", r.stdout), r.stdout
