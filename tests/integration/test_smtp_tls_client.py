"""smtp(8) TLS and SASL to relays (issue 5).

The sink (smtp_sink.py) offers STARTTLS with a certificate from a
throw-away CA (tls_ca.py) and records, per message, whether it came over
TLS, whether the TLS session was resumed and which SASL user
authenticated. The instance relays through `relayhost =
[127.0.0.1]:PORT` with the TLS level under test: may, encrypt, verify,
secure and fingerprint pass or defer as Postfix documents,
smtp_tls_policy_maps overrides the global level, sessions are resumed,
and AUTH PLAIN/LOGIN works over TLS but credentials never go out in
plain text with the default smtp_sasl_security_options.

No fixed sleeps: everything waits on a condition with a deadline."""
import re
import ssl

import pytest

from postern_test_util import maillog, smtpd_factory  # noqa: F401
from postern_test_util import wait_log_re
from smtp_sink import Sink
from test_smtp_client import REMOTE, TIMEOUT, _one_smtp_process, log_line, \
    submit
import tls_ca

HOLD_DELIVERY = False
SINK_NAME = "mx.sink.test"


@pytest.fixture
def ca(tmp_path):
    return tls_ca.make_ca(tmp_path / "ca")


@pytest.fixture
def other_ca(tmp_path):
    return tls_ca.make_ca(tmp_path / "other", name="other")


@pytest.fixture
def server_cert(ca):
    return ca.issue(SINK_NAME)


@pytest.fixture
def tls_sinks(instance, server_cert):
    started = []

    def make(tls=True, **kw):
        ctx = None
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*server_cert)
        s = Sink(tls_context=ctx, **kw).start()
        started.append(s)
        return s
    yield make
    for s in started:
        s.stop()
    print(maillog(instance))


def start(smtpd_factory, sink, extra):
    conf = (f"relayhost = [127.0.0.1]:{sink.port}\n"
            f"smtp_tls_loglevel = 1\n" + extra)
    return smtpd_factory(conf, hold=False)


def test_may_uses_starttls_and_logs_tls(smtpd_factory, instance, tls_sinks):
    sink = tls_sinks()
    start(smtpd_factory, sink, "smtp_tls_security_level = may\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert sink.messages[0].tls
    # Postfix's separate TLS line, with protocol and cipher.
    line = wait_log_re(instance, r"(Untrusted|Anonymous) TLS connection "
                       rf"established to 127\.0\.0\.1\[127\.0\.0\.1\]:"
                       rf"{sink.port}: TLSv1\.[23] with cipher \S+ "
                       r"\(\d+/\d+ bits\)", TIMEOUT)
    assert "smtp[" in line
    # EHLO again after STARTTLS.
    verbs = sink.verbs()
    assert verbs[:3] == [b"EHLO", b"STARTTLS", b"EHLO"], verbs


def test_may_without_starttls_sends_plain(smtpd_factory, instance, tls_sinks):
    sink = tls_sinks(tls=False)
    start(smtpd_factory, sink, "smtp_tls_security_level = may\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert not sink.messages[0].tls


def test_may_handshake_failure_falls_back_to_plain(smtpd_factory, instance,
                                                   tls_sinks):
    sink = tls_sinks(tls_break=True)
    start(smtpd_factory, sink, "smtp_tls_security_level = may\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    # The second connection to the same server is plain text.
    assert sink.connections == 2
    assert not sink.messages[0].tls
    assert b"STARTTLS" not in sink.commands_of(2)


def test_encrypt_handshake_failure_deferred(smtpd_factory, instance,
                                            tls_sinks):
    sink = tls_sinks(tls_break=True)
    start(smtpd_factory, sink, "smtp_tls_security_level = encrypt\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert ("dsn=4.7.5, status=deferred (Cannot start TLS: handshake "
            "failure)") in line, line
    assert sink.messages == []


def test_none_never_starttls(smtpd_factory, instance, tls_sinks):
    sink = tls_sinks()
    start(smtpd_factory, sink, "smtp_tls_security_level = none\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert b"STARTTLS" not in sink.verbs()


def test_encrypt_not_offered_deferred(smtpd_factory, instance, tls_sinks):
    sink = tls_sinks(tls=False)
    start(smtpd_factory, sink, "smtp_tls_security_level = encrypt\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert ("dsn=4.7.4, status=deferred (TLS is required, but was not "
            "offered by host 127.0.0.1[127.0.0.1])") in line
    assert sink.messages == []


def test_encrypt_with_starttls_sent(smtpd_factory, instance, tls_sinks):
    sink = tls_sinks()
    start(smtpd_factory, sink, "smtp_tls_security_level = encrypt\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert sink.messages[0].tls


def test_legacy_enforce_tls(smtpd_factory, instance, tls_sinks):
    sink = tls_sinks(tls=False)
    start(smtpd_factory, sink, "smtp_enforce_tls = yes\n"
          "smtp_tls_enforce_peername = no\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert "dsn=4.7.4" in line


def test_verify_passes_with_right_ca(smtpd_factory, instance, tls_sinks, ca):
    sink = tls_sinks()
    start(smtpd_factory, sink, "smtp_tls_security_level = verify\n"
          f"smtp_tls_CAfile = {ca.pem}\n"
          f"smtp_tls_verify_cert_match = {SINK_NAME}\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert sink.messages[0].tls
    wait_log_re(instance, r"Verified TLS connection established to "
                rf"127\.0\.0\.1\[127\.0\.0\.1\]:{sink.port}: ", TIMEOUT)


def test_verify_wrong_ca_deferred(smtpd_factory, instance, tls_sinks,
                                  other_ca):
    sink = tls_sinks()
    start(smtpd_factory, sink, "smtp_tls_security_level = verify\n"
          f"smtp_tls_CAfile = {other_ca.pem}\n"
          f"smtp_tls_verify_cert_match = {SINK_NAME}\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert "dsn=4.7.5" in line and "certificate" in line, line
    assert sink.messages == []


def test_verify_wrong_name_deferred(smtpd_factory, instance, tls_sinks, ca):
    sink = tls_sinks()
    # The default match is the server's host name: here 127.0.0.1,
    # which the certificate does not name.
    start(smtpd_factory, sink, "smtp_tls_security_level = verify\n"
          f"smtp_tls_CAfile = {ca.pem}\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert "dsn=4.7.5" in line, line
    assert sink.messages == []


def test_secure_with_match(smtpd_factory, instance, tls_sinks, ca):
    sink = tls_sinks()
    start(smtpd_factory, sink, "smtp_tls_security_level = secure\n"
          f"smtp_tls_CAfile = {ca.pem}\n"
          f"smtp_tls_secure_cert_match = {SINK_NAME}\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")


def test_secure_default_match_is_nexthop(smtpd_factory, instance, tls_sinks,
                                         ca):
    sink = tls_sinks()
    # nexthop is 127.0.0.1 (from [127.0.0.1]:port): not in the cert.
    start(smtpd_factory, sink, "smtp_tls_security_level = secure\n"
          f"smtp_tls_CAfile = {ca.pem}\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert "dsn=4.7.5" in line


def test_fingerprint_match_and_mismatch(smtpd_factory, instance, tls_sinks,
                                        ca, server_cert):
    sink = tls_sinks()
    fp = ca.fingerprint(server_cert[0])
    start(smtpd_factory, sink, "smtp_tls_security_level = fingerprint\n"
          "smtp_tls_fingerprint_digest = sha256\n"
          f"smtp_tls_fingerprint_cert_match = {fp}\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert sink.messages[0].tls


def test_fingerprint_mismatch_deferred(smtpd_factory, instance, tls_sinks):
    sink = tls_sinks()
    wrong = ":".join(["AB"] * 32)
    start(smtpd_factory, sink, "smtp_tls_security_level = fingerprint\n"
          "smtp_tls_fingerprint_digest = sha256\n"
          f"smtp_tls_fingerprint_cert_match = {wrong}\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert "dsn=4.7.5" in line
    assert sink.messages == []


def test_policy_maps_override(smtpd_factory, instance, tls_sinks, tmp_path):
    sink = tls_sinks(tls=False)
    policy = tmp_path / "tls_policy"
    policy.write_text(f"[127.0.0.1]:{sink.port} encrypt\n")
    start(smtpd_factory, sink, "smtp_tls_security_level = may\n"
          f"smtp_tls_policy_maps = texthash:{policy}\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert "dsn=4.7.4" in line


def test_policy_maps_match_attribute(smtpd_factory, instance, tls_sinks,
                                     tmp_path, ca):
    sink = tls_sinks()
    policy = tmp_path / "tls_policy"
    policy.write_text(f"[127.0.0.1]:{sink.port} secure match={SINK_NAME}\n")
    start(smtpd_factory, sink, "smtp_tls_security_level = none\n"
          f"smtp_tls_CAfile = {ca.pem}\n"
          f"smtp_tls_policy_maps = texthash:{policy}\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert sink.messages[0].tls


def test_session_resumption(smtpd_factory, instance, tls_sinks):
    sink = tls_sinks()
    start(smtpd_factory, sink, "smtp_tls_security_level = may\n"
          "smtp_tls_loglevel = 2\n"
          "smtp_connection_cache_on_demand = no\n")
    _one_smtp_process(instance)
    q1 = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, q1, f"a@{REMOTE}", "sent")
    q2 = submit(instance, [f"b@{REMOTE}"])
    log_line(instance, q2, f"b@{REMOTE}", "sent")
    assert sink.connections == 2
    assert sink.messages[0].session_reused is False
    assert sink.messages[1].session_reused is True


def test_tls_connection_reused(smtpd_factory, instance, tls_sinks):
    sink = tls_sinks()
    start(smtpd_factory, sink, "smtp_tls_security_level = encrypt\n"
          "smtp_connection_cache_time_limit = 10s\n")
    _one_smtp_process(instance)
    ids = [submit(instance, [f"r{i}@{REMOTE}"]) for i in range(5)]
    for i, qid in enumerate(ids):
        log_line(instance, qid, f"r{i}@{REMOTE}", "sent")
    assert sink.connections == 1
    assert all(m.tls for m in sink.messages)
    assert sink.verbs().count(b"STARTTLS") == 1


def test_client_certificate_key_read_before_privileges_drop(
        smtpd_factory, instance, server_cert, ca, tmp_path):
    # The key is root's, mode 0600: smtp runs as mail_owner, so it can
    # only use it because it was read in the pre-init hook.
    cert, key = ca.issue("client.postern.test")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*server_cert)
    ctx.load_verify_locations(ca.pem)
    ctx.verify_mode = ssl.CERT_REQUIRED
    sink = Sink(tls_context=ctx).start()
    try:
        start(smtpd_factory, sink, "smtp_tls_security_level = encrypt\n"
              f"smtp_tls_cert_file = {cert}\nsmtp_tls_key_file = {key}\n")
        qid = submit(instance, [f"a@{REMOTE}"])
        log_line(instance, qid, f"a@{REMOTE}", "sent")
        assert sink.messages[0].tls
    finally:
        sink.stop()
        print(maillog(instance))


def test_wrappermode(smtpd_factory, instance, tls_sinks):
    sink = tls_sinks(implicit_tls=True)
    start(smtpd_factory, sink, "smtp_tls_security_level = encrypt\n"
          "smtp_tls_wrappermode = yes\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert sink.messages[0].tls
    assert b"STARTTLS" not in sink.verbs()


def _sasl_conf(tmp_path, sink, extra=""):
    pw = tmp_path / "sasl_passwd"
    pw.write_text(f"[127.0.0.1]:{sink.port} user:s3cret:x\n")
    pw.chmod(0o600)
    # As in Postfix, the default smtp_sasl_tls_security_options forbid
    # plaintext mechanisms even over TLS; relays set this.
    return ("smtp_sasl_auth_enable = yes\n"
            "smtp_sasl_tls_security_options = noanonymous\n"
            f"smtp_sasl_password_maps = texthash:{pw}\n" + extra)


@pytest.mark.parametrize("mech", ["plain", "login"])
def test_sasl_over_tls(smtpd_factory, instance, tls_sinks, tmp_path, mech):
    sink = tls_sinks(auth_users={"user": "s3cret:x"}, require_auth=True)
    start(smtpd_factory, sink, "smtp_tls_security_level = encrypt\n" +
          _sasl_conf(tmp_path, sink,
                     f"smtp_sasl_mechanism_filter = {mech}\n"))
    qid = submit(instance, [f"a@{REMOTE}"])
    log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert sink.messages[0].auth_user == "user"
    auth = [c for _, c in sink.commands if c.upper().startswith(b"AUTH")]
    assert auth and auth[0].upper().startswith(b"AUTH " + mech.upper().encode())


def test_sasl_never_over_plaintext(smtpd_factory, instance, tls_sinks,
                                   tmp_path):
    sink = tls_sinks(tls=False, auth_users={"user": "s3cret:x"},
                     require_auth=True)
    start(smtpd_factory, sink, "smtp_tls_security_level = may\n" +
          _sasl_conf(tmp_path, sink))
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert ("dsn=4.7.0, status=deferred (SASL authentication failed; cannot "
            "authenticate to server 127.0.0.1[127.0.0.1]: no mechanism "
            "available)") in line, line
    assert not any(c.upper().startswith(b"AUTH") for _, c in sink.commands)


def test_sasl_wrong_password_deferred(smtpd_factory, instance, tls_sinks,
                                      tmp_path):
    sink = tls_sinks(auth_users={"user": "other"}, require_auth=True)
    start(smtpd_factory, sink, "smtp_tls_security_level = encrypt\n" +
          _sasl_conf(tmp_path, sink))
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "deferred")
    assert re.search(r"dsn=4\.7\.8, status=deferred \(SASL authentication "
                     r"failed; server 127\.0\.0\.1\[127\.0\.0\.1\] said: 535 "
                     r"5\.7\.8 Error: authentication failed\)", line), line


# -- tls= in the delivery line (a postern addition) ---------------------

def _established(instance, port):
    """Protocol and cipher from Postfix's separate TLS line."""
    line = wait_log_re(instance, r"TLS connection established to "
                       rf"127\.0\.0\.1\[127\.0\.0\.1\]:{port}: "
                       r"(TLSv[0-9.]+) with cipher (\S+) ", TIMEOUT)
    m = re.search(r": (TLSv[0-9.]+) with cipher (\S+) ", line)
    return m.group(1), m.group(2)


def test_tls_delivery_line_has_protocol_and_cipher(smtpd_factory, instance,
                                                   tls_sinks):
    sink = tls_sinks()
    start(smtpd_factory, sink, "smtp_tls_security_level = encrypt\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "sent")
    proto, cipher = _established(instance, sink.port)
    # The protocol the sink negotiated, and the TLS line's cipher.
    assert proto == sink.messages[0].tls_version
    # Appended after the reason's closing parenthesis, nothing else.
    assert re.search(r", dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: queued "
                     r"as SINK\d+\), tls=" + re.escape(f"{proto}/{cipher}")
                     + "$", line), line


def test_tls_suffix_on_deferred_and_bounced(smtpd_factory, instance,
                                            tls_sinks):
    def rcpt(addr, params):
        if addr.startswith("soft"):
            return "450 4.2.0 try later"
        if addr.startswith("hard"):
            return "550 5.1.1 no such user"
        return None
    sink = tls_sinks(rcpt_reply=rcpt)
    start(smtpd_factory, sink, "smtp_tls_security_level = may\n")
    qid = submit(instance, [f"soft@{REMOTE}", f"hard@{REMOTE}",
                            f"ok@{REMOTE}"])
    proto, cipher = _established(instance, sink.port)
    suffix = f"), tls={proto}/{cipher}"
    deferred = log_line(instance, qid, f"soft@{REMOTE}", "deferred")
    bounced = log_line(instance, qid, f"hard@{REMOTE}", "bounced")
    sent = log_line(instance, qid, f"ok@{REMOTE}", "sent")
    for line in (deferred, bounced, sent):
        assert line.endswith(suffix), line
    assert deferred.endswith("(in reply to RCPT TO command)" + suffix)


def test_plain_fallback_has_no_tls_suffix(smtpd_factory, instance,
                                          tls_sinks):
    # "may" with a server that offers no STARTTLS: plain text, no tls=.
    sink = tls_sinks(tls=False)
    start(smtpd_factory, sink, "smtp_tls_security_level = may\n")
    qid = submit(instance, [f"a@{REMOTE}"])
    line = log_line(instance, qid, f"a@{REMOTE}", "sent")
    assert not sink.messages[0].tls
    assert "tls=" not in line
    assert line.endswith(")"), line
