"""qmgr(8) with the real trivial-rewrite, error and bounce services:
mail to a destination whose transport is "error" bounces, the sender
gets a non-delivery notification (a new message qmgr delivers in turn),
and both queue files are removed."""
import re

from conftest import wait_for
from test_qmgr import maillog, queue_files, send, smtp_ready, wait_log

SENDER = "sender@example.org"


def test_error_transport_bounces_to_sender(instance):
    instance.write_master_cf("\n".join(
        line for line in (instance.config_dir / "master.cf").read_text()
        .splitlines() if not line.startswith("pickup")) + "\n")
    instance.append_main_cf("default_transport = error:no route here\n"
                            "queue_run_delay = 1s\n"
                            "minimal_backoff_time = 2s\n"
                            "maximal_backoff_time = 4s\n")
    r = instance.run("postfix", "start")
    assert r.returncode == 0, r.stdout + r.stderr
    try:
        wait_for(lambda: smtp_ready(instance), 20, what="the SMTP banner")
        qid = send(instance, ["x@remote.test"], sender=SENDER)
        wait_log(instance, rf"{qid}: to=<x@remote.test>, .*status=bounced")
        m = wait_log(instance, rf"{qid}: sender non-delivery notification: "
                     r"([0-9A-Za-z]+)")
        dsn = m.group(1)
        wait_log(instance, rf"{qid}: removed")
        wait_log(instance, rf"{dsn}: from=<>, size=\d+, nrcpt=1 "
                 r"\(queue active\)")
        wait_log(instance, rf"{dsn}: removed")
        assert not queue_files(instance, "active")
        assert not queue_files(instance, "deferred")
    finally:
        instance.run("postfix", "stop")
