"""Outbound delivery end to end: the acceptance test of issue 5.

"A message submitted on port 587 with STARTTLS is relayed over TLS to a
smarthost that requires AUTH, and a second one is delivered to Dovecot
through LMTP, in one integration test."

The pieces, all private to the test and on 127.0.0.1:
- a throw-away CA (tls_ca) that signs the certificates of postern's
  submission service (postern.test, IP 127.0.0.1) and of the smarthost
  (smarthost.test only);
- the smarthost: peers.SmtpSink with STARTTLS required before anything
  else and AUTH PLAIN/LOGIN required before MAIL (offered only over TLS);
- Dovecot with LMTP on a UNIX socket (peers.dovecot);
- postern: a submission service in master.cf (smtpd with
  smtpd_tls_security_level=encrypt and the CA-signed certificate),
  relayhost = [127.0.0.1]:<smarthost port> with smtp_tls_security_level =
  secure against the CA (smtp_tls_secure_cert_match = smarthost.test, the
  usual way to name an IP-literal relayhost), SASL credentials from
  smtp_sasl_password_maps (texthash, mode 0600 root as in real life),
  and transport_maps sending example.test to Dovecot over LMTP.

The client is Python's smtplib: EHLO, STARTTLS verified against the CA,
EHLO, MAIL, RCPT, DATA.  127.0.0.1 is in mynetworks, so relaying is
allowed without submission AUTH (that is another issue).
"""
import re
import smtplib
import ssl

import pytest

import tls_ca
from conftest import listening, wait_for
from peers import SmtpSink, dovecot
from postern_test_util import wait_log_re as util_wait_log_re, maillog, start_instance

DELIVERY_TIMEOUT = 40
QUEUED = re.compile(r"queued as ([0-9A-Za-z]+)")
SENDER = "carol@submit.test"
OUTSIDE = "dave@outside.test"
LOCAL = "alice@example.test"
RELAY_USER, RELAY_PASSWORD = "relayuser", "s3cret-relay"


def wait_log_re(instance, regex, timeout=DELIVERY_TIMEOUT):
    return util_wait_log_re(instance, regex, timeout, tail=30)


def submit_tls(port, cafile, rcpt, message):
    """Submit one message on the submission port: EHLO, a MAIL that the
    encrypt level refuses, STARTTLS verified against cafile, EHLO, MAIL,
    RCPT, DATA.  Returns the queue ID."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        code, _ = s.ehlo("submitter.example")
        assert code == 250
        assert s.has_extn("starttls"), s.esmtp_features
        # smtpd_tls_security_level=encrypt: nothing before STARTTLS.
        code, resp = s.mail(SENDER)
        assert code == 530, (code, resp)
        s.rset()
        ctx = ssl.create_default_context(cafile=cafile)
        code, resp = s.starttls(context=ctx)
        assert code == 220, (code, resp)
        tls_version = s.sock.version()
        assert tls_version in ("TLSv1.2", "TLSv1.3"), tls_version
        code, _ = s.ehlo("submitter.example")
        assert code == 250
        assert not s.has_extn("starttls")
        code, resp = s.mail(SENDER)
        assert code == 250, (code, resp)
        code, resp = s.rcpt(rcpt)
        assert code == 250, (code, resp)
        code, resp = s.data(message)
        assert code == 250, (code, resp)
    m = QUEUED.search(resp.decode())
    assert m, f"no queue ID in {resp!r}"
    return m.group(1)


def message(rcpt, subject, marker):
    head = (f"From: Carol <{SENDER}>\r\n"
            f"To: <{rcpt}>\r\n"
            f"Subject: {subject}\r\n"
            f"Message-ID: <{marker}@submit.test>\r\n"
            f"\r\n").encode()
    body = (f"{marker}\r\n"
            f".a line that starts with a dot\r\n"
            f"\r\n"
            f"last line\r\n").encode()
    return head, body


def test_submission_starttls_relay_with_auth_and_lmtp_to_dovecot(instance):
    tls_dir = instance.root / "tls"
    tls_dir.mkdir()
    tls_dir.chmod(0o755)
    ca = tls_ca.make_ca(tls_dir)
    sub_cert, sub_key = ca.issue("postern.test", sans=["postern.test"],
                                 ip_sans=["127.0.0.1"])
    mx_cert, mx_key = ca.issue("smarthost.test", sans=["smarthost.test"])

    sink = SmtpSink(hostname="smarthost.test", tls_cert=mx_cert,
                    tls_key=mx_key, require_starttls=True,
                    auth={RELAY_USER: RELAY_PASSWORD}, auth_required=True,
                    auth_require_tls=True)
    with sink, dovecot() as dv:
        conf = instance.config_dir
        (conf / "transport").write_text(f"example.test {dv.unix_nexthop}\n")
        sasl = conf / "sasl_passwd"
        sasl.write_text(f"[127.0.0.1]:{sink.port} "
                        f"{RELAY_USER}:{RELAY_PASSWORD}\n")
        sasl.chmod(0o600)
        sub_port = instance.port("submission")
        with open(conf / "master.cf", "a") as f:
            f.write(f"127.0.0.1:{sub_port} inet n - n - - smtpd\n"
                    f"  -o syslog_name=postfix/submission\n"
                    f"  -o smtpd_tls_security_level=encrypt\n"
                    f"  -o smtpd_tls_cert_file={sub_cert}\n"
                    f"  -o smtpd_tls_key_file={sub_key}\n"
                    f"  -o smtpd_tls_received_header=yes\n")
        extra = (f"mynetworks = 127.0.0.0/8\n"
                 f"relay_domains = example.test\n"
                 f"transport_maps = texthash:{conf}/transport\n"
                 f"relayhost = [127.0.0.1]:{sink.port}\n"
                 f"smtp_tls_security_level = secure\n"
                 f"smtp_tls_secure_cert_match = smarthost.test\n"
                 f"smtp_tls_CAfile = {ca.pem}\n"
                 f"smtp_sasl_auth_enable = yes\n"
                 f"smtp_sasl_password_maps = texthash:{sasl}\n"
                 f"smtp_sasl_tls_security_options = noanonymous\n")
        try:
            start_instance(instance, extra)
            wait_for(lambda: listening(sub_port), 15,
                     what="the submission service to listen")

            head1, body1 = message(OUTSIDE, "relayed over TLS",
                                   "e2e-relay-marker-1")
            qid1 = submit_tls(sub_port, ca.pem, OUTSIDE, head1 + body1)
            head2, body2 = message(LOCAL, "to dovecot over LMTP",
                                   "e2e-lmtp-marker-2")
            qid2 = submit_tls(sub_port, ca.pem, LOCAL, head2 + body2)

            # Both delivered, as the maillog says.
            sent1 = wait_log_re(
                instance, rf"{qid1}: to=<{re.escape(OUTSIDE)}>, .*status=")
            assert re.search(
                rf"postfix/smtp\[\d+\]: {qid1}: to=<{re.escape(OUTSIDE)}>, "
                rf"relay=127\.0\.0\.1\[127\.0\.0\.1\]:{sink.port}, "
                rf"delay=[\d.]+, delays=[\d.]+/[\d.]+/[\d.]+/[\d.]+, "
                rf"dsn=2\.0\.0, status=sent \(250 2\.0\.0 ", sent1), sent1
            sent2 = wait_log_re(
                instance, rf"{qid2}: to=<{re.escape(LOCAL)}>, .*status=")
            assert re.search(
                rf"postfix/lmtp\[\d+\]: {qid2}: to=<{re.escape(LOCAL)}>, "
                rf"relay=[^\s,]+\[{re.escape(str(dv.socket))}\], "
                rf"delay=[\d.]+, delays=[\d.]+/[\d.]+/[\d.]+/[\d.]+, "
                rf"dsn=2\.0\.0, status=sent \(250 2\.0\.0 <{LOCAL}> \S+ "
                rf"Saved\)", sent2), sent2

            # Message 1 at the smarthost: over TLS, authenticated, intact.
            got = sink.wait_messages(1, DELIVERY_TIMEOUT)
            assert len(got) == 1, got
            m1 = got[0]
            assert m1.mail_from == SENDER
            assert m1.rcpt_tos == [OUTSIDE]
            assert m1.tls is not None, "relayed without TLS"
            assert m1.tls["protocol"] in ("TLSv1.2", "TLSv1.3"), m1.tls
            assert m1.auth_user == RELAY_USER
            assert m1.body == body1, (m1.body, body1)
            assert m1.header("Subject") == "relayed over TLS"
            assert m1.header("Message-ID") == \
                "<e2e-relay-marker-1@submit.test>"
            # postern's smtpd took it over TLS: ESMTPS in its Received.
            received = m1.header("Received")
            assert received and re.search(r"by postern\.test .*with ESMTPS",
                                          received), received
            assert re.search(r"\(using TLSv1\.[23] with cipher ", received), \
                received
            # The smarthost saw STARTTLS before AUTH, AUTH before MAIL.
            conn = sink.connections[m1.connection - 1]
            verbs = [c[0] for c in conn.commands]
            assert "STARTTLS" in verbs and "AUTH" in verbs, verbs
            assert verbs.index("STARTTLS") < verbs.index("AUTH") < \
                verbs.index("MAIL"), verbs
            assert all(ok for _, _, ok in sink.auth_attempts), \
                sink.auth_attempts

            # Message 2 in Dovecot, and not at the smarthost.
            boxed = dv.wait_mailbox(LOCAL, 1, DELIVERY_TIMEOUT)
            assert len(boxed) == 1, boxed
            text = boxed[0].decode()
            assert "Subject: to dovecot over LMTP\n" in text, text
            assert text.endswith(body2.replace(b"\r\n", b"\n").decode()), \
                text
            assert f"Return-Path: <{SENDER}>\n" in text, text
            assert re.search(r"with ESMTPS id " + qid2, text), text
            assert all(m.rcpt_tos == [OUTSIDE] for m in sink.transactions)

            for qid in (qid1, qid2):
                wait_log_re(instance, rf"{qid}: removed")
        finally:
            instance.run("postfix", "stop")
