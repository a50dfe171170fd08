"""peers - real mail peers for postern's outbound delivery tests.

Not a test module (pytest does not collect it).  Everything listens on
127.0.0.1 (or a UNIX socket) in temporary directories and is stopped by
the caller (the classes are context managers).

SmtpSink(**options)            an SMTP server built on Debian's
                               python3-aiosmtpd, run in a background thread
                               on 127.0.0.1:<free port> (or unix_socket=).
LmtpSink(**options)            the same speaking LMTP (LHLO, one reply per
                               recipient after DATA), on TCP or a UNIX
                               socket.
dovecot(tmpdir=None, users=, quota=)
                               context manager: a private Dovecot (LMTP
                               only) with Maildirs; yields a Dovecot
                               (.socket, .port, .unix_nexthop,
                               .inet_nexthop, .mailbox(user),
                               .wait_mailbox(user, n, timeout), .log_text()).
xtext_decode(s)                RFC 3461 xtext to str (ORCPT, ENVID).

SmtpSink / LmtpSink options (all keyword, all optional):
  host, port                   listen address; port 0 (default) picks a
                               free one, see .port after start().
  unix_socket                  listen on this UNIX socket path instead
                               (mode 0666 so that user postfix connects;
                               its directory must be searchable by postfix
                               too: not under pytest's 0700 tmp_path).
  hostname                     name in the greeting and EHLO reply
                               ("sink.test").
  tls_cert, tls_key            PEM files: offer STARTTLS with them.
  ssl_context                  or a ready server-side ssl.SSLContext.
  require_starttls             530 to everything but EHLO/NOOP/QUIT/
                               STARTTLS before TLS (default False).
  wrapper                      implicit TLS from the first byte (port 465
                               style) instead of STARTTLS (default False).
  auth                         {user: password}: offer AUTH PLAIN LOGIN.
  auth_mechanisms              subset offered (default ("PLAIN", "LOGIN")).
  auth_required                MAIL needs AUTH first (default: True when
                               auth is given).
  auth_require_tls             AUTH offered/accepted only over TLS
                               (default True).
  size                         SIZE limit advertised and enforced at MAIL
                               and DATA; None: no SIZE (default 10240000).
  eightbitmime, smtputf8, dsn, pipelining, enhancedstatuscodes
                               advertise (and accept the parameters of)
                               these extensions (all default True).
  extra_ehlo                   more EHLO keywords, e.g. ["CHUNKING"].
  greeting                     the 220 line, e.g. "421 4.3.2 busy"; a
                               non-2xx greeting closes the connection.
  ehlo_reply                   answer EHLO with this (e.g. "502 5.5.1 no")
                               so the client must fall back to HELO.
  mail_reply                   reply to every MAIL (e.g. "452 4.3.1 full").
  rcpt_replies                 {address: reply}; "*" for any other
                               address.  A 2xx reply accepts.
  data_reply                   reply after the message content (SMTP);
                               for LMTP the reply of recipients not in
                               rcpt_data_replies.
  rcpt_data_replies            LMTP: {address: reply} after DATA.
  drop_at                      command name ("EHLO", "MAIL", "RCPT",
                               "DATA") or "DOT" (after the content): close
                               the connection instead of replying.
  delays                       {"greeting"|command|"DOT": seconds} before
                               that reply.
  line_length_limit            longest line accepted in DATA (1001: RFC
                               5321 with the transparency dot).
  Any reply option may be a list: each use takes the next element, the
  last one repeats (e.g. ["451 4.3.0 later", "250 2.0.0 ok"]).

Sink attributes (read them after the client finished, or wait first):
  .port / .path / .nexthop     where it listens; nexthop is
                               "[127.0.0.1]:PORT" (SMTP), "inet:127.0.0.1:
                               PORT" or "unix:PATH" (LMTP).
  .messages                    [Received] accepted (2xx for at least one
                               recipient); .transactions every DATA, also
                               rejected ones.
  .connections                 [Connection]; .connection_count.
  .auth_attempts               [(mechanism, user, success)].
  wait_messages(n, timeout)    wait until n messages are accepted; returns
                               the list (fails the test at the deadline).
  wait_connections(n, timeout) likewise for connections.

Received: mail_from ("" for <>), rcpt_tos (accepted, in order), content
(raw bytes as sent, dot-unstuffed, CRLF kept), mail_options ({"BODY":
"8BITMIME", "SIZE": "123", "RET": "HDRS", "ENVID": "...", "SMTPUTF8":
True, ...}, keywords uppercased, values as sent), rcpt_options ({address:
{"NOTIFY": "...", "ORCPT": "rfc822;..."}}), tls (None or {"protocol":
"TLSv1.3", "cipher": ..., "bits": ..., "session_reused": bool}),
auth_user, connection (1-based number), helo, esmtp, reply (what the
sink answered; LMTP: {address: reply}), peer.

Connection: number, peer, helo, commands ([(VERB, argument)], AUTH
arguments hidden), tls (as above, once STARTTLS succeeded), auth_user.
"""
from conftest import free_port
import asyncio
import collections
import contextlib
import functools
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

try:
    from aiosmtpd.smtp import SMTP, AuthResult, syntax
    HAVE_AIOSMTPD = True
    # aiosmtpd itself sets the deprecated Session.login_data and then
    # warns about it on every AUTH: keep the test output clean.
    logging.getLogger("mail.log").addFilter(
        lambda rec: "login_data is deprecated" not in rec.getMessage() and
        "auth_require_tls == False" not in rec.getMessage())
    # auth_require_tls=False is deliberate here (tests of cleartext AUTH).
    warnings.filterwarnings("ignore", message="Requiring AUTH while not "
                            "requiring TLS", category=UserWarning)
except ImportError:                                 # pragma: no cover
    SMTP = object
    HAVE_AIOSMTPD = False

    def syntax(*_a, **_k):
        return lambda f: f


def xtext_decode(text):
    """RFC 3461 xtext: "+XX" is the byte 0xXX."""
    return re.sub(r"\+([0-9A-Fa-f]{2})",
                  lambda m: chr(int(m.group(1), 16)), text)


def _pick(value):
    """A reply option: a list yields its elements one use at a time, the
    last one repeating."""
    if isinstance(value, list):
        if not value:
            return None
        return value.pop(0) if len(value) > 1 else value[0]
    return value


def _tls_info(sslobj):
    if sslobj is None:
        return None
    cipher = sslobj.cipher()
    return {"protocol": sslobj.version(),
            "cipher": cipher[0] if cipher else None,
            "bits": cipher[2] if cipher else None,
            "session_reused": sslobj.session_reused}


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list
    content: bytes
    mail_options: dict
    rcpt_options: dict
    tls: Optional[dict]
    auth_user: Optional[str]
    connection: int
    helo: Optional[str]
    esmtp: bool
    reply: object
    peer: object = None

    def header(self, name):
        """The first header field called name (unfolded), or None."""
        head = self.content.split(b"\r\n\r\n", 1)[0].decode(
            "utf-8", "replace")
        fields = re.split(r"\r\n(?![ \t])", head)
        for f in fields:
            k, _, v = f.partition(":")
            if k.strip().lower() == name.lower():
                return re.sub(r"\r\n[ \t]+", " ", v).strip()
        return None

    @property
    def body(self):
        """The content after the header/body separator."""
        return self.content.split(b"\r\n\r\n", 1)[-1]


@dataclass
class Connection:
    number: int
    peer: object
    helo: Optional[str] = None
    commands: list = field(default_factory=list)
    tls: Optional[dict] = None
    auth_user: Optional[str] = None


class _Handler:
    """aiosmtpd hooks; the state lives in the sink."""

    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        return await self.sink._data(server, session, envelope)


class _SinkSMTP(SMTP):
    """aiosmtpd's SMTP with options recorded and extensions under the
    sink's control."""

    lmtp = False

    def __init__(self, sink, **kw):
        self.sink = sink
        self.cfg = sink.cfg
        # Read by SMTP.__init__ for the stream reader limit.
        self.line_length_limit = self.cfg["line_length_limit"]
        super().__init__(_Handler(sink), **kw)
        # Lenient command length: the sink records, it does not police.
        self.command_size_limits = collections.defaultdict(lambda: 4096)
        self.conn = None
        self._greeted = False
        for name, method in list(self._smtp_methods.items()):
            self._smtp_methods[name] = self._wrap(name, method)

    def _wrap(self, name, method):
        @functools.wraps(method)
        async def wrapper(arg):
            shown = arg
            if name == "AUTH" and arg:
                shown = arg.split()[0]
            if self.conn is not None:
                self.conn.commands.append((name, shown))
            if self.cfg["drop_at"] == name:
                self.transport.close()
                return
            delay = self.cfg["delays"].get(name)
            if delay:
                await asyncio.sleep(delay)
            await method(arg)
        return wrapper

    def connection_made(self, transport):
        fresh = self._original_transport is None
        super().connection_made(transport)
        if fresh:
            self.conn = self.sink._new_connection(self.session.peer)
            self.sink._live.add(self)
            if self.cfg["wrapper"]:
                self.conn.tls = _tls_info(
                    transport.get_extra_info("ssl_object"))
        else:
            self.conn.tls = _tls_info(self._sslobj())

    def connection_lost(self, error):
        self.sink._live.discard(self)
        super().connection_lost(error)

    def _sslobj(self):
        if self.session is not None and self.session.ssl:
            return self.session.ssl.get("ssl_object")
        if self.cfg["wrapper"] and self.transport is not None:
            return self.transport.get_extra_info("ssl_object")
        return None

    async def push(self, status):
        if not self._greeted:
            self._greeted = True
            delay = self.cfg["delays"].get("greeting")
            if delay:
                await asyncio.sleep(delay)
            greeting = _pick(self.cfg["greeting"])
            if greeting:
                await super().push(greeting)
                if not greeting.startswith("2"):
                    self.transport.close()
                return
        await super().push(status)

    async def _multiline(self, lines):
        for i, text in enumerate(lines):
            sep = " " if i == len(lines) - 1 else "-"
            await self.push(text[:3] + sep + text[4:])

    def _extensions(self):
        cfg = self.cfg
        ext = []
        if cfg["pipelining"]:
            ext.append("PIPELINING")
        if cfg["size"] is not None:
            ext.append(f"SIZE {cfg['size']}" if cfg["size"] else "SIZE")
        if self.tls_context and not self._tls_protocol:
            ext.append("STARTTLS")
        if self._auth_methods and (not self._auth_require_tls
                                   or self._tls_protocol
                                   or cfg["wrapper"]):
            ext.append("AUTH " + " ".join(sorted(self._auth_methods)))
        if cfg["enhancedstatuscodes"]:
            ext.append("ENHANCEDSTATUSCODES")
        if cfg["eightbitmime"]:
            ext.append("8BITMIME")
        if cfg["dsn"]:
            ext.append("DSN")
        if cfg["smtputf8"]:
            ext.append("SMTPUTF8")
        ext.extend(cfg["extra_ehlo"])
        return ext

    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname):
        if not hostname:
            await self.push("501 5.5.4 Syntax: EHLO hostname")
            return
        reply = _pick(self.cfg["ehlo_reply"])
        if reply:
            await self.push(reply)
            return
        self._set_rset_state()
        self.session.extended_smtp = True
        self.session.host_name = hostname
        self.conn.helo = hostname
        await self._multiline(["250 " + self.hostname] +
                              ["250 " + e for e in self._extensions()])

    @syntax("HELO hostname")
    async def smtp_HELO(self, hostname):
        if self.conn is not None and hostname:
            self.conn.helo = hostname
        await super().smtp_HELO(hostname)

    # AUTH keeps aiosmtpd's own; the STARTTLS check there ignores wrapper
    # mode, so pretend TLS for it.
    async def smtp_AUTH(self, arg):
        if self.cfg["wrapper"] and self._tls_protocol is None:
            self._tls_protocol = True
            try:
                await super().smtp_AUTH(arg)
            finally:
                self._tls_protocol = None
        else:
            await super().smtp_AUTH(arg)
        if self.session.authenticated:
            self.conn.auth_user = self.session.auth_data

    def _split_address(self, arg, keyword):
        arg = self._strip_command_keyword(keyword, arg or "")
        if arg is None:
            return None, None
        stripped = arg.lstrip()
        if stripped.startswith("<>"):
            return "", stripped[2:]
        address, rest = self._getaddr(arg)
        return address, rest

    @staticmethod
    def _params(rest):
        params = {}
        for word in (rest or "").split():
            key, eq, value = word.partition("=")
            if not key.isalnum() or (eq and not value):
                return None
            params[key.upper()] = value if eq else True
        return params

    @syntax("MAIL FROM: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_MAIL(self, arg):
        if await self.check_helo_needed():
            return
        if await self.check_auth_needed("MAIL"):
            return
        cfg = self.cfg
        syntaxerr = "501 5.5.4 Syntax: MAIL FROM:<address>"
        address, rest = self._split_address(arg, "FROM:")
        if address is None:
            return await self.push(syntaxerr)
        params = self._params(rest)
        if params is None or (params and not self.session.extended_smtp):
            return await self.push(syntaxerr)
        if self.envelope.mail_from is not None:
            return await self.push("503 5.5.1 Error: nested MAIL command")
        known = {"AUTH"}
        if cfg["size"] is not None:
            known.add("SIZE")
        if cfg["eightbitmime"]:
            known.add("BODY")
        if cfg["smtputf8"]:
            known.add("SMTPUTF8")
        if cfg["dsn"]:
            known.update(("RET", "ENVID"))
        unknown = [k for k in params if k not in known]
        if unknown:
            return await self.push(
                f"555 5.5.4 Unsupported option: {unknown[0]}")
        body = params.get("BODY")
        if body is not None and str(body).upper() not in ("7BIT",
                                                          "8BITMIME"):
            return await self.push("501 5.5.4 Bad BODY parameter")
        size = params.get("SIZE")
        if size is not None:
            if size is True or not str(size).isdigit():
                return await self.push("501 5.5.4 Bad SIZE parameter")
            if cfg["size"] and int(size) > cfg["size"]:
                return await self.push(
                    "552 5.3.4 Message size exceeds fixed limit")
        reply = _pick(cfg["mail_reply"])
        if reply and not reply.startswith("2"):
            return await self.push(reply)
        self.envelope.mail_from = address
        self.envelope.mail_options = params
        self.envelope.smtp_utf8 = bool(params.get("SMTPUTF8"))
        self.envelope.rcpt_options = {}
        await self.push(reply or "250 2.1.0 Ok")

    @syntax("RCPT TO: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_RCPT(self, arg):
        if await self.check_helo_needed():
            return
        if await self.check_auth_needed("RCPT"):
            return
        if self.envelope.mail_from is None:
            return await self.push("503 5.5.1 Error: need MAIL command")
        syntaxerr = "501 5.5.4 Syntax: RCPT TO:<address>"
        address, rest = self._split_address(arg, "TO:")
        if not address:
            return await self.push(syntaxerr)
        params = self._params(rest)
        if params is None or (params and not self.session.extended_smtp):
            return await self.push(syntaxerr)
        known = {"NOTIFY", "ORCPT"} if self.cfg["dsn"] else set()
        unknown = [k for k in params if k not in known]
        if unknown:
            return await self.push(
                f"555 5.5.4 Unsupported option: {unknown[0]}")
        replies = self.cfg["rcpt_replies"]
        reply = None
        for key in replies:
            if key.lower() == address.lower():
                reply = _pick(replies[key])
                break
        else:
            if "*" in replies:
                reply = _pick(replies["*"])
        if reply and not reply.startswith("2"):
            return await self.push(reply)
        self.envelope.rcpt_tos.append(address)
        self.envelope.rcpt_options[address] = params
        await self.push(reply or "250 2.1.5 Ok")


class _SinkLMTP(_SinkSMTP):
    lmtp = True

    @syntax("LHLO hostname")
    async def smtp_LHLO(self, arg):
        await _SinkSMTP.smtp_EHLO(self, arg)

    async def smtp_HELO(self, arg):
        await self.push('500 5.5.1 Error: command "HELO" not recognized')

    async def smtp_EHLO(self, arg):
        await self.push('500 5.5.1 Error: command "EHLO" not recognized')


class SmtpSink:
    """See the module comment."""

    protocol = _SinkSMTP
    DEFAULTS = dict(
        host="127.0.0.1", port=0, unix_socket=None, hostname="sink.test",
        tls_cert=None, tls_key=None, ssl_context=None,
        require_starttls=False, wrapper=False,
        auth=None, auth_mechanisms=("PLAIN", "LOGIN"), auth_required=None,
        auth_require_tls=True,
        size=10240000, eightbitmime=True, smtputf8=True, dsn=True,
        pipelining=True, enhancedstatuscodes=True, extra_ehlo=(),
        greeting=None, ehlo_reply=None, mail_reply=None, rcpt_replies=None,
        data_reply=None, rcpt_data_replies=None, drop_at=None, delays=None,
        line_length_limit=1001, timeout=300)

    def __init__(self, **options):
        if not HAVE_AIOSMTPD:
            pytest.skip("python3-aiosmtpd is not installed "
                        "(apt-get install python3-aiosmtpd)")
        bad = set(options) - set(self.DEFAULTS)
        if bad:
            raise TypeError(f"unknown sink options: {sorted(bad)}")
        cfg = dict(self.DEFAULTS)
        cfg.update(options)
        cfg["rcpt_replies"] = dict(cfg["rcpt_replies"] or {})
        cfg["rcpt_data_replies"] = dict(cfg["rcpt_data_replies"] or {})
        cfg["delays"] = dict(cfg["delays"] or {})
        cfg["extra_ehlo"] = list(cfg["extra_ehlo"])
        if cfg["auth_required"] is None:
            cfg["auth_required"] = bool(cfg["auth"])
        ctx = cfg["ssl_context"]
        if ctx is None and cfg["tls_cert"]:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(cfg["tls_cert"]), str(cfg["tls_key"]))
        cfg["ssl_context"] = ctx
        if cfg["wrapper"] and ctx is None:
            raise ValueError("wrapper mode needs tls_cert/tls_key")
        self.cfg = cfg
        self.host = cfg["host"]
        self.port = cfg["port"]
        self.path = str(cfg["unix_socket"]) if cfg["unix_socket"] else None
        self.messages = []
        self.transactions = []
        self.connections = []
        self.auth_attempts = []
        self._cond = threading.Condition()
        self._live = set()
        self._loop = None
        self._thread = None
        self._server = None

    # -- lifecycle

    def start(self):
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        error = []

        def run():
            loop = self._loop
            asyncio.set_event_loop(loop)
            wrap_ctx = self.cfg["ssl_context"] if self.cfg["wrapper"] \
                else None
            try:
                if self.path:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.path)
                    coro = loop.create_unix_server(self._factory,
                                                   path=self.path,
                                                   ssl=wrap_ctx)
                else:
                    coro = loop.create_server(self._factory, host=self.host,
                                              port=self.port, ssl=wrap_ctx)
                self._server = loop.run_until_complete(coro)
            except Exception as e:
                error.append(e)
                ready.set()
                return
            if self.path:
                os.chmod(self.path, 0o666)
            else:
                self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            for proto in list(self._live):
                with contextlib.suppress(Exception):
                    if not proto.transport.is_closing():
                        proto.transport.abort()
            tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in tasks:
                t.cancel()
            loop.run_until_complete(
                asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True,
                                        name=type(self).__name__)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("sink did not start within 10s")
        if error:
            self._thread.join()
            self._thread = None
            raise error[0]
        return self

    def stop(self):
        if self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(15)
        self._thread = None
        if self.path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def nexthop(self):
        if self.path:
            return f"unix:{self.path}"
        return f"[{self.host}]:{self.port}"

    # -- server side

    def _factory(self):
        cfg = self.cfg
        exclude = [m for m in ("PLAIN", "LOGIN")
                   if not cfg["auth"] or m not in cfg["auth_mechanisms"]]
        return self.protocol(
            self, loop=self._loop, hostname=cfg["hostname"],
            ident="ESMTP postern test sink",
            tls_context=None if cfg["wrapper"] else cfg["ssl_context"],
            require_starttls=cfg["require_starttls"],
            data_size_limit=cfg["size"] or None,
            enable_SMTPUTF8=cfg["smtputf8"], decode_data=False,
            auth_required=cfg["auth_required"],
            auth_require_tls=cfg["auth_require_tls"],
            auth_exclude_mechanism=exclude,
            authenticator=self._authenticate, timeout=cfg["timeout"])

    def _new_connection(self, peer):
        with self._cond:
            conn = Connection(len(self.connections) + 1, peer)
            self.connections.append(conn)
            self._cond.notify_all()
            return conn

    def _authenticate(self, server, session, envelope, mechanism, data):
        user = data.login.decode("utf-8", "replace")
        password = data.password.decode("utf-8", "replace")
        ok = (self.cfg["auth"] or {}).get(user) == password
        with self._cond:
            self.auth_attempts.append((mechanism, user, ok))
        return AuthResult(success=ok, handled=False, auth_data=user)

    async def _data(self, server, session, envelope):
        cfg = self.cfg
        delay = cfg["delays"].get("DOT")
        if delay:
            await asyncio.sleep(delay)
        dropped = cfg["drop_at"] == "DOT"
        if dropped:
            # The client never sees a reply: a transaction, not a message.
            server.transport.abort()
        if server.lmtp:
            replies = {}
            for rcpt in envelope.rcpt_tos:
                reply = None
                for key, value in cfg["rcpt_data_replies"].items():
                    if key.lower() == rcpt.lower():
                        reply = _pick(value)
                        break
                reply = reply or _pick(cfg["data_reply"]) or \
                    f"250 2.0.0 <{rcpt}> Ok: delivered"
                replies[rcpt] = reply
            text = "\r\n".join(replies.values())
            accepted = any(r.startswith("2") for r in replies.values())
            reply_rec = replies
        else:
            text = _pick(cfg["data_reply"]) or "250 2.0.0 Ok: queued"
            accepted = text.startswith("2")
            reply_rec = text
        conn = server.conn
        rec = Received(
            mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
            content=bytes(envelope.original_content),
            mail_options=dict(envelope.mail_options or {}),
            rcpt_options=dict(envelope.rcpt_options or {}),
            tls=_tls_info(server._sslobj()),
            auth_user=session.auth_data if session.authenticated else None,
            connection=conn.number if conn else 0, helo=session.host_name,
            esmtp=session.extended_smtp, reply=reply_rec, peer=session.peer)
        with self._cond:
            self.transactions.append(rec)
            if accepted and not dropped:
                self.messages.append(rec)
            self._cond.notify_all()
        return text

    # -- test side

    @property
    def connection_count(self):
        with self._cond:
            return len(self.connections)

    def _wait(self, what, n, timeout, items):
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(items) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"timed out after {timeout}s waiting for "
                                f"{n} {what} at the sink (have "
                                f"{len(items)})")
                self._cond.wait(left)
            return list(items)

    def wait_messages(self, n=1, timeout=30):
        """The accepted messages once there are at least n."""
        return self._wait("message(s)", n, timeout, self.messages)

    def wait_transactions(self, n=1, timeout=30):
        return self._wait("DATA transaction(s)", n, timeout,
                          self.transactions)

    def wait_connections(self, n=1, timeout=30):
        return self._wait("connection(s)", n, timeout, self.connections)


class LmtpSink(SmtpSink):
    """SmtpSink speaking LMTP."""

    protocol = _SinkLMTP

    @property
    def nexthop(self):
        if self.path:
            return f"unix:{self.path}"
        return f"inet:{self.host}:{self.port}"


# ---------------------------------------------------------------- Dovecot

DOVECOT_USERS = ("alice@example.test", "bob@example.test")


def _user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _traversable(path):
    """Every directory from / to path is searchable by others."""
    p = Path(path).resolve()
    for d in [p, *p.parents]:
        if not os.stat(d).st_mode & 0o001:
            return False
    return True


def _free_port():
    return free_port()


def _lmtp_greets(family, address):
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(address)
            return s.recv(512).startswith(b"220 ")
    except OSError:
        return False


class Dovecot:
    """A running private Dovecot; see dovecot()."""

    def __init__(self, root, users, password, quota=None,
                 quota_tempfail=False):
        self.root = Path(root)
        self.quota = dict(quota or {})
        self.users = list(users) + [u for u in self.quota if u not in users]
        self.password = password
        self.quota_tempfail = quota_tempfail
        self.socket = self.root / "lmtp.sock"
        self.port = _free_port()
        self.log = self.root / "dovecot.log"
        self.conf = self.root / "dovecot.conf"
        self.mail = self.root / "mail"
        self.proc = None

    @property
    def unix_nexthop(self):
        return f"lmtp:unix:{self.socket}"

    @property
    def inet_nexthop(self):
        return f"lmtp:inet:127.0.0.1:{self.port}"

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def maildir(self, user):
        local, _, domain = user.partition("@")
        return self.mail / domain / local

    def mailbox(self, user):
        """The messages in user's INBOX (new/ and cur/), oldest first, as
        bytes (Dovecot stores LF line ends)."""
        files = []
        for sub in ("new", "cur"):
            d = self.maildir(user) / sub
            if d.is_dir():
                files.extend(p for p in d.iterdir() if p.is_file())
        files.sort(key=lambda p: (p.stat().st_mtime, p.name))
        return [p.read_bytes() for p in files]

    def wait_mailbox(self, user, n=1, timeout=30):
        """user's messages once there are at least n; fails the test at the
        deadline showing Dovecot's log."""
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.mailbox(user)
            if len(msgs) >= n:
                return msgs
            if time.monotonic() >= deadline:
                pytest.fail(f"timed out after {timeout}s waiting for {n} "
                            f"message(s) in {user}'s Dovecot mailbox "
                            f"(have {len(msgs)}); dovecot.log:\n"
                            + self.log_text()[-3000:])
            time.sleep(0.05)

    def _accounts(self):
        if os.getuid() == 0:
            mail_user = "postfix" if _user_exists("postfix") else "nobody"
            internal = "dovecot" if _user_exists("dovecot") else mail_user
            login = "dovenull" if _user_exists("dovenull") else "nobody"
        else:
            mail_user = internal = login = pwd.getpwuid(os.getuid()).pw_name
        return pwd.getpwnam(mail_user), internal, login

    def write_config(self):
        mail_pw, internal, login = self._accounts()
        for d in ("run", "state"):
            (self.root / d).mkdir(exist_ok=True)
        self.mail.mkdir(exist_ok=True)
        if os.getuid() == 0:
            os.chown(self.mail, mail_pw.pw_uid, mail_pw.pw_gid)
        users = self.root / "users"
        def extra(u):
            if u in self.quota:
                return f"userdb_quota_rule=*:bytes={self.quota[u]}"
            return ""
        users.write_text("".join(
            f"{u}:{{PLAIN}}{self.password}:{mail_pw.pw_uid}:"
            f"{mail_pw.pw_gid}::{self.maildir(u)}::{extra(u)}\n"
            for u in self.users))
        users.chmod(0o644)
        self.conf.write_text(f"""\
# private Dovecot for postern's LMTP tests
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = postern-test-{self.root.name}
log_path = {self.log}
protocols = lmtp
ssl = no
listen = 127.0.0.1
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{self.mail}/%d/%n
lmtp_rcpt_check_quota = no
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {users}
}}
service lmtp {{
  unix_listener {self.socket} {{
    mode = 0666
  }}
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.port}
  }}
}}
""")
        if self.quota:
            with open(self.conf, "a") as f:
                f.write("mail_plugins = $mail_plugins quota\n"
                        "quota_full_tempfail = "
                        f"{'yes' if self.quota_tempfail else 'no'}\n"
                        "plugin {\n  quota = maildir:User quota\n}\n")

    def start(self, timeout=20):
        self.write_config()
        out = open(self.root / "dovecot.stdout", "wb")
        self.proc = subprocess.Popen(
            [DOVECOT_BIN, "-F", "-c", str(self.conf)], stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"dovecot exited with {self.proc.returncode}:\n"
                    + (self.root / "dovecot.stdout").read_text(
                        errors="replace") + self.log_text())
            if (_lmtp_greets(socket.AF_UNIX, str(self.socket)) and
                    _lmtp_greets(socket.AF_INET, ("127.0.0.1", self.port))):
                return self
            if time.monotonic() >= deadline:
                self.stop()
                raise RuntimeError("dovecot LMTP did not answer within "
                                   f"{timeout}s:\n" + self.log_text())
            time.sleep(0.05)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # Children that outlived the master (same session, ours).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None


DOVECOT_BIN = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVECOT_LMTP = "/usr/lib/dovecot/lmtp"


def dovecot_available():
    """None when Dovecot with LMTP can run here, else the reason."""
    if not os.path.exists(DOVECOT_BIN):
        return "dovecot is not installed (apt-get install dovecot-core)"
    if not os.path.exists(DOVECOT_LMTP):
        return ("Dovecot's LMTP server is not installed "
                "(apt-get install dovecot-lmtpd)")
    return None


@contextlib.contextmanager
def dovecot(tmpdir=None, users=DOVECOT_USERS, password="secret",
            quota=None, quota_tempfail=False):
    """Start a private Dovecot with an LMTP listener on a UNIX socket
    (.socket, mode 0666) and on 127.0.0.1:.port, users with Maildirs
    under .mail owned by user postfix (as root) or the invoking user;
    yield the Dovecot and stop it (SIGTERM, then SIGKILL) afterwards.
    quota: {user: bytes} more users with a storage quota (Dovecot's quota
    plugin); a message that does not fit fails for that recipient after
    DATA with 552 5.2.2 (or 452 4.2.2 with quota_tempfail) while the other
    recipients of the same LMTP transaction get their 250.
    tmpdir is used only when every directory up to it is searchable by
    others (postern's lmtp client runs as user postfix); otherwise, and
    by default, a directory in /tmp is made and removed.  Skips the test
    when Dovecot or its LMTP server is missing."""
    reason = dovecot_available()
    if reason:
        pytest.skip(reason)
    if tmpdir is not None and _traversable(tmpdir):
        root = Path(tempfile.mkdtemp(prefix="dovecot-", dir=tmpdir))
    else:
        root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    root.chmod(0o755)
    dv = Dovecot(root, users, password, quota, quota_tempfail)
    try:
        dv.start()
        yield dv
    finally:
        dv.stop()
        shutil.rmtree(root, ignore_errors=True)
