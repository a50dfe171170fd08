"""The server side of TLS in smtpd: STARTTLS (RFC 3207) and wrapper mode
(port 465), against certificates from a private CA made by the test
(tls_ca.py).  Clients are Python's ssl/smtplib and openssl s_client."""
import os
import re
import smtplib
import socket
import ssl
import subprocess
import warnings
from pathlib import Path

import pytest

from conftest import postfix_instance, wait_for
from postern_test_util import (smtpd_factory, SmtpClient, connect,  # noqa: F401
                               queue_file, content_lines, attrs, queued_id,
                               maillog, wait_log, wait_log_re)
from tls_ca import make_ca

POSTCAT = Path("/usr/sbin/postcat")
MESSAGE = b"From: a@example.com\r\nSubject: tls\r\n\r\nover TLS\r\n"


@pytest.fixture
def pki(tmp_path):
    """(ca, cert, key): a CA and a server certificate for postern.test
    and 127.0.0.1; the key is 0600 (read by root before the drop)."""
    ca = make_ca(tmp_path / "ca")
    cert, key = ca.issue("postern.test", sans=["postern.test"],
                         ip_sans=["127.0.0.1"])
    return ca, cert, key


def tls_conf(pki, level="may", extra=""):
    _, cert, key = pki
    return (f"smtpd_tls_security_level = {level}\n"
            f"smtpd_tls_cert_file = {cert}\n"
            f"smtpd_tls_key_file = {key}\n"
            "smtpd_peername_lookup = no\n" + extra)


def client_ctx(pki):
    ctx = ssl.create_default_context(cafile=pki[0].pem)
    return ctx


def ehlo_keywords(text):
    return [line[4:].split()[0] for line in text.splitlines()[1:]]


def starttls(c, pki, ctx=None):
    """STARTTLS on a SmtpClient; its socket becomes the TLS socket."""
    assert c.cmd("STARTTLS") == "220 2.0.0 Ready to start TLS"
    assert c.buf == b""
    c.sock = (ctx or client_ctx(pki)).wrap_socket(
        c.sock, server_hostname="postern.test")
    return c


def received(lines):
    """The first Received: header of a message, unfolded lines kept."""
    out = []
    for line in lines:
        text = line.decode()
        if out and not text[:1].isspace():
            break
        if out or text.startswith("Received:"):
            out.append(text)
    return out


def send_message(c):
    assert c.cmd("MAIL FROM:<a@example.com>") == "250 2.1.0 Ok"
    assert c.cmd("RCPT TO:<u@postern.test>") == "250 2.1.5 Ok"
    assert c.cmd("DATA").startswith("354 ")
    c.send(MESSAGE + b".\r\n")
    return queued_id(c.text())


def test_smtplib_starttls_message_queued_with_tls_received_header(
        smtpd_factory, pki):
    inst = smtpd_factory(tls_conf(pki, extra="smtpd_tls_received_header = yes\n"
                                  "smtpd_tls_loglevel = 1\n"))
    with smtplib.SMTP("127.0.0.1", inst.port("smtp"), timeout=15) as s:
        code, text = s.ehlo("client.example")
        assert code == 250 and b"STARTTLS" in text.split(b"\n")
        code, text = s.starttls(context=client_ctx(pki))
        assert (code, text) == (220, b"2.0.0 Ready to start TLS")
        assert s.sock.version() in ("TLSv1.2", "TLSv1.3")
        code, text = s.ehlo("client.example")
        # Not offered again inside TLS.
        assert code == 250 and b"STARTTLS" not in text
        refused = s.sendmail("a@example.com", ["u@postern.test"], MESSAGE)
        assert refused == {}
        cipher, version, bits = s.sock.cipher()
    line = wait_log_re(inst, r"\]: [0-9A-F]+: client=")
    qid = line.split(": client=")[0].rsplit(" ", 1)[1]
    recs = queue_file(inst, qid)
    hdr = received(content_lines(recs))
    assert hdr[0] == "Received: from client.example (unknown [127.0.0.1])"
    assert hdr[1] == (f"\t(using {version} with cipher {cipher} "
                      f"({bits}/{bits} bits))") or \
        hdr[1].startswith(f"\t(using {version} with cipher {cipher} ")
    assert "\t(No client certificate requested)" in hdr
    assert any(h.startswith("\tby postern.test (")
               and h.endswith(") with ESMTPS id " + qid) for h in hdr), hdr
    # As in Postfix, the queue file's protocol stays ESMTP; only the
    # Received: header says ESMTPS.
    assert attrs(recs)["protocol_name"] == "ESMTP"
    wait_log(inst, "Anonymous TLS connection established from "
             f"unknown[127.0.0.1]: {version} with cipher {cipher}")
    wait_log(inst, "disconnect from unknown[127.0.0.1] ehlo=2 starttls=1 "
             "mail=1 rcpt=1 data=1 quit=1 commands=7")


def test_default_received_header_says_esmtps_without_tls_comment(
        smtpd_factory, pki):
    inst = smtpd_factory(tls_conf(pki))
    c = connect(inst)
    c.cmd("EHLO client.example")
    starttls(c, pki)
    c.cmd("EHLO client.example")
    qid = send_message(c)
    hdr = received(content_lines(queue_file(inst, qid)))
    assert not any("(using " in h for h in hdr), hdr
    assert any(" with ESMTPS id " in h for h in hdr), hdr
    c.cmd("QUIT")
    # smtpd_tls_loglevel = 0 (the default): no handshake summary.
    wait_log(inst, "disconnect from unknown[127.0.0.1]")
    assert "TLS connection established" not in maillog(inst)


def test_may_level_still_accepts_clear_text_mail(smtpd_factory, pki):
    inst = smtpd_factory(tls_conf(pki))
    c = connect(inst)
    assert "STARTTLS" in ehlo_keywords(c.cmd("EHLO client.example"))
    qid = send_message(c)
    hdr = received(content_lines(queue_file(inst, qid)))
    assert any(" with ESMTP id " in h for h in hdr), hdr


def test_openssl_s_client_starttls_verifies(smtpd_factory, pki):
    inst = smtpd_factory(tls_conf(pki))
    r = subprocess.run(
        ["openssl", "s_client", "-starttls", "smtp", "-crlf", "-ign_eof",
         "-connect", f"127.0.0.1:{inst.port('smtp')}",
         "-servername", "postern.test", "-verify_hostname", "postern.test",
         "-CAfile", pki[0].pem],
        input=b"QUIT\n", capture_output=True,
        timeout=30)
    out = r.stdout.decode(errors="replace")
    assert "Verify return code: 0 (ok)" in out, out + r.stderr.decode()
    assert "221 2.0.0 Bye" in out, maillog(inst)


def test_wrapper_mode_smtp_ssl(smtpd_factory, instance, pki):
    port2 = instance.port("smtps")
    with open(instance.config_dir / "master.cf", "a") as f:
        f.write(f"127.0.0.1:{port2} inet n - n - - smtpd\n"
                "  -o smtpd_tls_wrappermode=yes\n")
    inst = smtpd_factory(tls_conf(pki, extra="smtpd_tls_loglevel = 1\n"))
    wait_for(lambda: _listening(port2), 15, what="the smtps service")
    with smtplib.SMTP_SSL("127.0.0.1", port2, timeout=15,
                          context=client_ctx(pki)) as s:
        code, text = s.ehlo("client.example")
        assert code == 250 and b"STARTTLS" not in text
        assert s.docmd("STARTTLS") == (554, b"5.5.1 Error: TLS already active")
        assert s.sendmail("a@example.com", ["u@postern.test"], MESSAGE) == {}
    line = wait_log_re(inst, r"\]: [0-9A-F]+: client=")
    qid = line.split(": client=")[0].rsplit(" ", 1)[1]
    hdr = received(content_lines(queue_file(inst, qid)))
    assert any(" with ESMTPS id " in h for h in hdr), hdr
    wait_log(inst, "Anonymous TLS connection established from "
             "unknown[127.0.0.1]")


def _listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), 1):
            return True
    except OSError:
        return False


def test_wrapper_mode_without_usable_key_drops_connections(
        smtpd_factory, instance, pki):
    os.chmod(pki[2], 0o640)
    port2 = instance.port("smtps")
    with open(instance.config_dir / "master.cf", "a") as f:
        f.write(f"127.0.0.1:{port2} inet n - n - - smtpd\n"
                "  -o smtpd_tls_wrappermode=yes\n")
    inst = smtpd_factory(tls_conf(pki))
    wait_for(lambda: _listening(port2), 15, what="the smtps service")
    with pytest.raises((ssl.SSLError, OSError)):
        smtplib.SMTP_SSL("127.0.0.1", port2, timeout=15,
                         context=client_ctx(pki))
    wait_log(inst, "warning: wrapper-mode request dropped from "
             "unknown[127.0.0.1]")
    line = wait_log(inst, "warning: TLS library problem: ")
    assert pki[2] in line, line
    # The STARTTLS service of the same instance still takes mail.
    c = connect(inst)
    assert "STARTTLS" not in ehlo_keywords(c.cmd("EHLO client.example"))
    send_message(c)


def test_stalled_handshake_times_out(smtpd_factory, pki):
    inst = smtpd_factory(tls_conf(pki, extra="smtpd_starttls_timeout = 1s\n"))
    c = connect(inst)
    c.cmd("EHLO client.example")
    assert c.cmd("STARTTLS") == "220 2.0.0 Ready to start TLS"
    # No ClientHello: the server gives up after smtpd_starttls_timeout.
    wait_log(inst, "SSL_accept error from unknown[127.0.0.1]: timed out")
    wait_log(inst, "lost connection after STARTTLS from unknown[127.0.0.1]")
    assert c.closed()


def test_encrypt_level_requires_starttls_first(smtpd_factory, pki):
    inst = smtpd_factory(tls_conf(pki, level="encrypt"))
    c = connect(inst)
    assert "STARTTLS" in ehlo_keywords(c.cmd("EHLO client.example"))
    must = "530 5.7.0 Must issue a STARTTLS command first"
    for cmd in ("MAIL FROM:<a@example.com>", "RCPT TO:<u@postern.test>",
                "DATA", "VRFY u", "ETRN example.com", "RSET", "BDAT 0 LAST"):
        assert c.cmd(cmd) == must, cmd
    assert c.cmd("NOOP") == "250 2.0.0 Ok"
    starttls(c, pki)
    assert "STARTTLS" not in ehlo_keywords(c.cmd("EHLO client.example"))
    send_message(c)
    assert c.cmd("QUIT") == "221 2.0.0 Bye"


def test_encrypt_level_without_usable_key_answers_454(smtpd_factory, pki):
    os.chmod(pki[2], 0o644)
    inst = smtpd_factory(tls_conf(pki, level="encrypt"))
    c = connect(inst)
    assert "STARTTLS" in ehlo_keywords(c.cmd("EHLO client.example"))
    assert c.cmd("STARTTLS") == \
        "454 4.7.0 TLS not available due to local problem"
    assert c.cmd("MAIL FROM:<a@example.com>") == \
        "530 5.7.0 Must issue a STARTTLS command first"
    wait_log(inst, "warning: TLS library problem: ")


@pytest.mark.parametrize("problem", ["key mode 0644", "missing cert"])
def test_unusable_key_or_cert_is_logged_and_starttls_not_offered(
        smtpd_factory, pki, problem):
    if problem == "key mode 0644":
        path = pki[2]
        os.chmod(path, 0o644)
        why = "readable by group or others"
        pki = (pki[0], pki[1], path)
    else:
        path = pki[1] + ".gone"
        why = ""
        pki = (pki[0], path, pki[2])
    inst = smtpd_factory(tls_conf(pki))
    c = connect(inst)
    assert "STARTTLS" not in ehlo_keywords(c.cmd("EHLO client.example"))
    assert c.cmd("STARTTLS") == \
        "454 4.7.0 TLS not available due to local problem"
    # Mail still flows in clear text; the daemon did not die.
    send_message(c)
    line = wait_log(inst, "warning: TLS library problem: ")
    assert path in line and why in line, line
    wait_log(inst, "warning: STARTTLS will not be offered")


@pytest.mark.parametrize("injected", [b"RSET\r\n",
                                      b"MAIL FROM:<evil@example.com>\r\n"])
def test_starttls_injection_is_discarded(smtpd_factory, pki, injected):
    inst = smtpd_factory(tls_conf(pki, extra="smtpd_helo_required = no\n"))
    c = connect(inst)
    c.cmd("EHLO client.example")
    c.send(b"STARTTLS\r\n" + injected)
    assert c.text() == "220 2.0.0 Ready to start TLS"
    assert c.buf == b""
    c.sock = client_ctx(pki).wrap_socket(c.sock,
                                         server_hostname="postern.test")
    # The next reply is EHLO's, not one for the injected command.
    reply = c.cmd("EHLO client.example")
    assert reply.startswith("250-postern.test\n"), reply
    # No MAIL transaction was started by the injected text.
    assert c.cmd("RCPT TO:<u@postern.test>") == \
        "503 5.5.1 Error: need MAIL command"
    c.cmd("QUIT")
    wait_log(inst, f"warning: unknown[127.0.0.1]: discarding {len(injected)} "
             "bytes of pipelined or injected input after STARTTLS")
    line = wait_log(inst, "disconnect from unknown[127.0.0.1]")
    assert "mail=" not in line and "rset=" not in line, line


def test_pipelining_guard_still_works_inside_tls(smtpd_factory, pki):
    inst = smtpd_factory(tls_conf(pki))
    c = connect(inst)
    c.cmd("EHLO client.example")
    starttls(c, pki)
    c.send(b"EHLO client.example\r\nNOOP\r\n")
    assert c.text() == "554 5.5.0 Error: SMTP protocol synchronization"
    wait_log(inst, "improper command pipelining after EHLO from "
             "unknown[127.0.0.1]: NOOP\\r\\n")


def test_pipelined_ehlo_mail_inside_tls_rejected_like_clear_text(
        smtpd_factory, pki):
    """EHLO and MAIL in one TLS write after STARTTLS, before the EHLO
    reply: the same 554 and log line as in clear text."""
    inst = smtpd_factory(tls_conf(pki))
    plain = connect(inst)
    plain.send(b"EHLO client.example\r\nMAIL FROM:<a@example.com>\r\n")
    plain_reply = plain.text()
    c = connect(inst)
    c.cmd("EHLO client.example")
    starttls(c, pki)
    c.send(b"EHLO client.example\r\nMAIL FROM:<a@example.com>\r\n")
    assert c.text() == plain_reply == \
        "554 5.5.0 Error: SMTP protocol synchronization"
    wait_for(lambda: maillog(inst).count(
        "improper command pipelining after EHLO from unknown[127.0.0.1]: "
        "MAIL FROM:<a@example.com>\\r\\n") == 2, 10,
        what="two improper pipelining lines")


def test_pipelined_input_held_by_openssl_is_seen(smtpd_factory, pki):
    """The EHLO line ends exactly where smtpd's first 4096-byte read of
    the TLS record ends: the MAIL command after it is neither in the
    stream buffer nor in the kernel (OpenSSL has the whole record), and
    is still detected."""
    inst = smtpd_factory(tls_conf(pki))
    c = connect(inst)
    c.cmd("EHLO client.example")
    starttls(c, pki)
    ehlo = b"EHLO " + b"x" * (4096 - 7) + b"\r\n"
    assert len(ehlo) == 4096
    c.send(ehlo + b"MAIL FROM:<a@example.com>\r\n")
    assert c.text() == "554 5.5.0 Error: SMTP protocol synchronization"
    wait_log(inst, "improper command pipelining after EHLO from "
             "unknown[127.0.0.1]: MAIL FROM:<a@example.com>\\r\\n")


def test_starttls_resets_session_state(smtpd_factory, pki):
    inst = smtpd_factory(tls_conf(pki, extra="smtpd_helo_required = yes\n"))
    c = connect(inst)
    c.cmd("EHLO client.example")
    assert c.cmd("MAIL FROM:<a@example.com>") == "250 2.1.0 Ok"
    starttls(c, pki)
    # RFC 3207 4.2: HELO/EHLO and the transaction are forgotten.
    assert c.cmd("MAIL FROM:<a@example.com>") == \
        "503 5.5.1 Error: send HELO/EHLO first"
    c.cmd("EHLO client.example")
    assert c.cmd("RCPT TO:<u@postern.test>") == \
        "503 5.5.1 Error: need MAIL command"


def test_starttls_syntax_and_twice(smtpd_factory, pki):
    inst = smtpd_factory(tls_conf(pki))
    c = connect(inst)
    c.cmd("EHLO client.example")
    assert c.cmd("STARTTLS now") == "501 5.5.4 Syntax: STARTTLS"
    starttls(c, pki)
    c.cmd("EHLO client.example")
    assert c.cmd("STARTTLS") == "554 5.5.1 Error: TLS already active"
    assert c.cmd("QUIT") == "221 2.0.0 Bye"
    wait_log(inst, "disconnect from unknown[127.0.0.1] ehlo=2 starttls=1/3 "
             "quit=1 commands=4/6")


def test_starttls_not_implemented_without_tls(smtpd_factory):
    inst = smtpd_factory("smtpd_peername_lookup = no\n")
    c = connect(inst)
    assert "STARTTLS" not in ehlo_keywords(c.cmd("EHLO client.example"))
    assert c.cmd("STARTTLS") == "502 5.5.1 Error: command not implemented"


def test_tls11_client_refused_tls12_accepted(smtpd_factory, pki):
    inst = smtpd_factory(tls_conf(pki, extra="smtpd_tls_loglevel = 1\n"))
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(pki[0].pem)
    # Let the client's own OpenSSL policy offer TLS 1.1 at all.
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    c = connect(inst)
    c.cmd("EHLO client.example")
    with pytest.raises((ssl.SSLError, OSError)) as err:
        starttls(c, pki, old)
        c.cmd("EHLO client.example")
    line = wait_log(inst, "SSL_accept error from unknown[127.0.0.1]")
    # The server refuses the protocol, unless the client's OpenSSL
    # refused to offer TLS 1.1 in the first place.
    assert "unsupported protocol" in line or \
        "NO_PROTOCOLS_AVAILABLE" in str(err.value), (line, err.value)
    wait_log(inst, "lost connection after STARTTLS from unknown[127.0.0.1]")

    tls12 = client_ctx(pki)
    tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    c = connect(inst)
    c.cmd("EHLO client.example")
    starttls(c, pki, tls12)
    assert c.sock.version() == "TLSv1.2"
    assert c.cmd("EHLO client.example").startswith("250-postern.test")
    wait_log(inst, "Anonymous TLS connection established from "
             "unknown[127.0.0.1]: TLSv1.2 with cipher ")


def test_quit_ends_tls_with_close_notify(smtpd_factory, pki):
    inst = smtpd_factory(tls_conf(pki))
    c = connect(inst)
    c.cmd("EHLO client.example")
    starttls(c, pki)
    assert c.cmd("QUIT") == "221 2.0.0 Bye"
    # unwrap() completes only when the server sent its close_notify;
    # a server that just closed the socket raises SSLEOFError here.
    c.sock.unwrap()


@pytest.mark.parametrize("who", ["trusted", "untrusted", "none"])
def test_client_certificate_in_log_and_received_header(smtpd_factory, pki,
                                                       tmp_path, who):
    ca = pki[0]
    inst = smtpd_factory(tls_conf(pki, extra=(
        "smtpd_tls_ask_ccert = yes\n"
        f"smtpd_tls_CAfile = {ca.pem}\n"
        "smtpd_tls_received_header = yes\n"
        "smtpd_tls_loglevel = 1\n")))
    ctx = client_ctx(pki)
    if who == "trusted":
        ctx.load_cert_chain(*ca.issue("client.example"))
    elif who == "untrusted":
        other = make_ca(tmp_path / "other", name="other")
        ctx.load_cert_chain(*other.issue("rogue.example"))
    c = connect(inst)
    c.cmd("EHLO client.example")
    starttls(c, pki, ctx)
    c.cmd("EHLO client.example")
    hdr = received(content_lines(queue_file(inst, send_message(c))))
    c.cmd("QUIT")
    kind, comment = {
        "trusted": ("Trusted", '\t(Client CN "client.example", Issuer '
                    '"ca Test CA" (verified OK))'),
        "untrusted": ("Untrusted", '\t(Client CN "rogue.example", Issuer '
                      '"other Test CA" (not verified))'),
        "none": ("Anonymous", "\t(Client did not present a certificate)"),
    }[who]
    assert comment in hdr, hdr
    wait_log(inst, f"{kind} TLS connection established from "
             "unknown[127.0.0.1]: ")


def version_ctx(pki, version):
    ctx = client_ctx(pki)
    ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion,
                                                        version)
    return ctx


def tls_connect_session(inst, ctx, session=None):
    """One STARTTLS session (EHLO, STARTTLS, EHLO, QUIT); returns the
    TLS session (tickets arrive with the EHLO reply) and whether it was
    resumed."""
    c = connect(inst)
    c.cmd("EHLO client.example")
    assert c.cmd("STARTTLS") == "220 2.0.0 Ready to start TLS"
    c.sock = ctx.wrap_socket(c.sock, server_hostname="postern.test",
                             session=session)
    assert c.cmd("EHLO client.example").startswith("250-postern.test")
    sess, reused = c.sock.session, c.sock.session_reused
    assert c.cmd("QUIT").startswith("221 ")
    c.close()
    return sess, reused


def tls_connect_session_port(port, ctx, session=None, commands=()):
    """Like tls_connect_session, on a port, with commands inside TLS
    (default EHLO, QUIT); returns their replies and session_reused."""
    c = SmtpClient(port)
    c.text()
    c.cmd("EHLO client.example")
    assert c.cmd("STARTTLS") == "220 2.0.0 Ready to start TLS"
    c.sock = ctx.wrap_socket(c.sock, server_hostname="mx.test",
                             session=session)
    replies = [c.cmd(x) for x in (commands or ["EHLO client.example",
                                               "QUIT"])]
    sess, reused = c.sock.session, c.sock.session_reused
    c.close()
    return (sess if not commands else replies), reused


def smtpd_pids(inst):
    """The smtpd processes that served STARTTLS sessions."""
    return re.findall(r"/smtpd\[(\d+)\]: disconnect from \S+ ehlo=2 "
                      r"starttls=1 ", maillog(inst))


@pytest.mark.parametrize("version", ["TLSv1_3", "TLSv1_2"])
def test_session_resumes_with_another_smtpd_process(smtpd_factory, instance,
                                                    pki, version):
    """With max_use = 1 every connection gets a new smtpd process; the
    session ticket keys in $data_directory/smtpd_tls_ticket_keys are
    shared, so the second process resumes the first one's session.
    Without that file (removed: the next process makes a new key) the
    ticket is useless."""
    inst = smtpd_factory(tls_conf(pki, extra="max_use = 1\n"))
    keys = instance.data_dir / "smtpd_tls_ticket_keys"
    ctx = version_ctx(pki, version)
    sess, reused = tls_connect_session(inst, ctx)
    assert not reused
    _, reused = tls_connect_session(inst, ctx, sess)
    assert reused
    st = keys.lstat()
    assert oct(st.st_mode & 0o777) == "0o600" and st.st_uid == os.geteuid()
    text = keys.read_text()
    wait_for(lambda: len(smtpd_pids(inst)) == 2, 10, what="two TLS sessions")
    pids = smtpd_pids(inst)
    assert pids[0] != pids[1], pids
    assert keys.read_text() == text

    # The keys are what made it work: without them, no resumption.
    keys.unlink()
    _, reused = tls_connect_session(inst, ctx, sess)
    assert not reused
    assert keys.read_text() != text


def test_empty_ticket_cipher_disables_tickets(smtpd_factory, pki):
    """tls_session_ticket_cipher empty: no tickets, so (one process per
    connection) no resumption."""
    inst = smtpd_factory(tls_conf(pki, extra=(
        "max_use = 1\ntls_session_ticket_cipher =\n")))
    for version in ("TLSv1_3", "TLSv1_2"):
        ctx = version_ctx(pki, version)
        sess, reused = tls_connect_session(inst, ctx)
        assert not reused
        _, reused = tls_connect_session(inst, ctx, sess)
        assert not reused


# Side by side with Debian's Postfix 3.7 (root only; skipped otherwise).

COMPARE = ("compatibility_level = 3.6\n"
           "myhostname = mx.test\n"
           "mydestination = $myhostname\n"
           "mail_name = Postfix\n"
           "mynetworks = 127.0.0.0/8\n"
           "smtputf8_enable = yes\n"
           "message_size_limit = 10240000\n"
           "smtpd_error_sleep_time = 0\n"
           "smtpd_hard_error_limit = 100\n"
           "smtpd_peername_lookup = no\n"
           "local_recipient_maps =\n"
           "alias_maps =\n")


def compare_conf(pki, level, extra=""):
    _, cert, key = pki
    return (COMPARE + f"smtpd_tls_security_level = {level}\n"
            f"smtpd_tls_cert_file = {cert}\n"
            f"smtpd_tls_key_file = {key}\n" + extra)


def normalize(text):
    text = re.sub(r"queued as [0-9A-F]+", "queued as QID", text)
    text = re.sub(r"id [0-9A-F]+", "id QID", text)
    text = re.sub(r"\w{3}, [ \d]\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4} "
                  r"\(\w+\)", "DATE", text)
    return text


def disconnect_line(text):
    lines = [line for line in text.splitlines() if "disconnect from" in line
             and " ehlo=" in line]
    assert lines, text
    return lines[-1].split(": ", 1)[1]


def tls_session(port, pki, commands_before, commands_after, ctx=None):
    """Replies of a session: commands in clear text, STARTTLS, then
    commands inside TLS."""
    c = SmtpClient(port)
    replies = [c.text()]
    for command in commands_before:
        replies.append(c.cmd(command))
    if ctx is None:
        ctx = client_ctx(pki)
        ctx.check_hostname = False
    replies.append(c.cmd("STARTTLS"))
    c.sock = ctx.wrap_socket(c.sock)
    for command in commands_after:
        replies.append(c.cmd(command))
    c.close()
    return replies


def postcat_received(pf_etc, reply):
    out = subprocess.run([str(POSTCAT), "-c", str(pf_etc), "-q",
                          queued_id(reply)], capture_output=True, text=True,
                         timeout=30).stdout
    body = out.split("*** MESSAGE CONTENTS", 1)[1].splitlines()[1:]
    return received(line.encode() for line in body)


def test_starttls_session_matches_postfix(smtpd_factory, tmp_path):
    ca = make_ca(tmp_path / "ca")
    cert, key = ca.issue("mx.test", ip_sans=["127.0.0.1"])
    pki = (ca, cert, key)
    conf = compare_conf(pki, "may", "smtpd_tls_received_header = yes\n")
    before = ["EHLO client.example", "STARTTLS now",
              "MAIL FROM:<a@example.com>"]
    after = ["MAIL FROM:<a@example.com>", "EHLO client.example", "STARTTLS",
             "MAIL FROM:<a@example.com>", "RCPT TO:<u@mx.test>", "DATA",
             "Subject: compare\r\n\r\nbody\r\n.", "QUIT"]
    with postfix_instance(conf) as pf:
        inst = smtpd_factory(conf)
        ours = tls_session(inst.port("smtp"), pki, before, after)
        theirs = tls_session(pf.port, pki, before, after)
        commands = ["(greeting)"] + before + ["STARTTLS"] + after
        assert len(ours) == len(theirs) == len(commands)
        for command, a, b in zip(commands, ours, theirs):
            assert normalize(a) == normalize(b), command
        our_hdr = received(content_lines(queue_file(inst,
                                                    queued_id(ours[-2]))))
        pf_hdr = postcat_received(pf.config_dir, theirs[-2])
        assert any(x.startswith("\t(using ") for x in our_hdr), our_hdr
        assert any(x.startswith("\t key-exchange ") for x in our_hdr), \
            our_hdr
        assert [normalize(x) for x in our_hdr] == \
            [normalize(x) for x in pf_hdr]
        wait_for(lambda: " ehlo=" in maillog(inst), 10, what="our disconnect")
        wait_for(lambda: " ehlo=" in pf.maillog.read_text(), 10,
                 what="Postfix's disconnect")
        assert disconnect_line(maillog(inst)) == \
            disconnect_line(pf.maillog.read_text())


def test_encrypt_level_refusals_match_postfix(smtpd_factory, tmp_path):
    ca = make_ca(tmp_path / "ca")
    cert, key = ca.issue("mx.test", ip_sans=["127.0.0.1"])
    pki = (ca, cert, key)
    conf = compare_conf(pki, "encrypt")
    before = ["EHLO client.example", "RSET", "NOOP", "VRFY u", "ETRN x",
              "XFORWARD NAME=x", "MAIL FROM:<a@example.com>",
              "RCPT TO:<u@mx.test>", "DATA", "BDAT 0 LAST", "HELO x",
              "FOO", "EHLO client.example"]
    after = ["EHLO client.example", "MAIL FROM:<a@example.com>", "QUIT"]
    with postfix_instance(conf) as pf:
        inst = smtpd_factory(conf)
        ours = tls_session(inst.port("smtp"), pki, before, after)
        theirs = tls_session(pf.port, pki, before, after)
        commands = ["(greeting)"] + before + ["STARTTLS"] + after
        assert len(ours) == len(theirs) == len(commands)
        for command, a, b in zip(commands, ours, theirs):
            assert normalize(a) == normalize(b), command
        wait_for(lambda: " ehlo=" in maillog(inst), 10, what="our disconnect")
        wait_for(lambda: " ehlo=" in pf.maillog.read_text(), 10,
                 what="Postfix's disconnect")
        assert disconnect_line(maillog(inst)) == \
            disconnect_line(pf.maillog.read_text())


def established_line(text):
    """The text of the last "TLS connection established" log line."""
    lines = [line for line in text.splitlines()
             if " TLS connection established from " in line]
    assert lines, text
    return lines[-1].split("]: ", 1)[1]


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
@pytest.mark.parametrize("version", ["TLSv1_3", "TLSv1_2"])
@pytest.mark.parametrize("ccert", [False, True])
def test_tls_log_and_received_key_exchange_match_postfix(
        smtpd_factory, tmp_path, key_type, version, ccert):
    """The "TLS connection established" summary and the Received: TLS
    comment, with key exchange and signature details, are Postfix's, for
    EC and RSA server keys, TLS 1.3 and 1.2, with and without a client
    certificate."""
    ca = make_ca(tmp_path / "ca")
    cert, key = ca.issue("mx.test", ip_sans=["127.0.0.1"], key_type=key_type)
    pki = (ca, cert, key)
    extra = "smtpd_tls_received_header = yes\nsmtpd_tls_loglevel = 1\n"
    if ccert:
        extra += f"smtpd_tls_ask_ccert = yes\nsmtpd_tls_CAfile = {ca.pem}\n"
    conf = compare_conf(pki, "may", extra)
    ctx = client_ctx(pki)
    ctx.check_hostname = False
    ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion,
                                                        version)
    if ccert:
        ctx.load_cert_chain(*ca.issue("client.example", key_type=key_type))
    after = ["EHLO client.example", "MAIL FROM:<a@example.com>",
             "RCPT TO:<u@mx.test>", "DATA",
             "Subject: compare\r\n\r\nbody\r\n.", "QUIT"]
    with postfix_instance(conf) as pf:
        inst = smtpd_factory(conf)
        ours = tls_session(inst.port("smtp"), pki, ["EHLO client.example"],
                           after, ctx)
        theirs = tls_session(pf.port, pki, ["EHLO client.example"], after,
                             ctx)
        our_hdr = received(content_lines(queue_file(inst,
                                                    queued_id(ours[-2]))))
        pf_hdr = postcat_received(pf.config_dir, theirs[-2])
        ours_log = wait_log(inst, " TLS connection established from ")
        wait_for(lambda: " TLS connection established from " in
                 pf.maillog.read_text(), 10, what="Postfix's TLS line")
        theirs_log = established_line(pf.maillog.read_text())
        assert established_line(maillog(inst)) == theirs_log
        if version == "TLSv1_3":
            assert " key-exchange X25519 server-signature " in ours_log, \
                ours_log
            assert (" client-signature " in ours_log) == ccert, ours_log
        else:
            # An OpenSSL server does not keep the client's TLS 1.2 key
            # share; Postfix then logs no details, nor do we.
            assert ours_log.endswith(" bits)"), ours_log
        assert [normalize(x) for x in our_hdr] == \
            [normalize(x) for x in pf_hdr]


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
@pytest.mark.parametrize("version", ["TLSv1_3", "TLSv1_2"])
@pytest.mark.parametrize("ccert", [False, True])
def test_resumed_session_log_and_received_match_postfix(
        smtpd_factory, tmp_path, key_type, version, ccert):
    """A resumed session (no certificate signature in the handshake)
    is logged and recorded as Postfix does."""
    ca = make_ca(tmp_path / "ca")
    cert, key = ca.issue("mx.test", ip_sans=["127.0.0.1"], key_type=key_type)
    pki = (ca, cert, key)
    extra = "smtpd_tls_received_header = yes\nsmtpd_tls_loglevel = 1\n"
    if ccert:
        extra += f"smtpd_tls_ask_ccert = yes\nsmtpd_tls_CAfile = {ca.pem}\n"
        client_pair = ca.issue("client.example", key_type=key_type)
    conf = compare_conf(pki, "may", extra)
    after = ["EHLO client.example", "MAIL FROM:<a@example.com>",
             "RCPT TO:<u@mx.test>", "DATA",
             "Subject: compare\r\n\r\nbody\r\n.", "QUIT"]
    results = []
    with postfix_instance(conf) as pf:
        inst = smtpd_factory(conf)
        for port, log in ((inst.port("smtp"), inst.maillog),
                          (pf.port, pf.maillog)):
            ctx = version_ctx(pki, version)
            ctx.check_hostname = False
            if ccert:
                ctx.load_cert_chain(*client_pair)
            sess, reused = tls_connect_session_port(port, ctx)
            assert not reused
            replies, reused = tls_connect_session_port(port, ctx, sess,
                                                       after)
            assert reused, port
            wait_for(lambda: log.read_text().count(
                " TLS connection established from ") == 2, 10,
                what="two TLS log lines")
            results.append((replies, established_line(log.read_text())))
        (ours, ours_log), (theirs, theirs_log) = results
        assert ours_log == theirs_log
        our_hdr = received(content_lines(queue_file(inst,
                                                    queued_id(ours[-2]))))
        pf_hdr = postcat_received(pf.config_dir, theirs[-2])
        assert [normalize(x) for x in our_hdr] == \
            [normalize(x) for x in pf_hdr]
