"""A scriptable SMTP/LMTP sink for the smtp(8)/lmtp(8) client tests.

Plain sockets and one thread per connection, so a test sees exactly what
the client sent and how: every recv() chunk is kept (pipelining shows as
MAIL, RCPT and DATA in one chunk), connections are counted, and replies
can be chosen per command (rcpt_reply, data_reply, mail_reply), stalled
(stall_after_data) or varied (no EHLO, STARTTLS with an ssl context, AUTH
PLAIN/LOGIN with a user table, LMTP with one reply per recipient).

    sink = Sink(ehlo=["PIPELINING", "SIZE 1000", "8BITMIME"]).start()
    ... sink.port ... sink.messages[0].data ...
    sink.stop()
"""
import base64
import os
import socket
import ssl
import threading
import time

DEFAULT_EHLO = ["PIPELINING", "SIZE 10240000", "8BITMIME", "DSN",
                "ENHANCEDSTATUSCODES", "SMTPUTF8"]


class Message:
    def __init__(self):
        self.mail_from = None
        self.mail_params = ""
        self.rcpts = []          # (address, params) accepted
        self.data = b""         # un-dot-stuffed, CRLF line ends
        self.tls = False
        self.tls_version = None
        self.session_reused = None
        self.auth_user = None
        self.conn_no = 0


class _Reader:
    def __init__(self, sink, sock, conn_no):
        self.sink = sink
        self.sock = sock
        self.buf = b""
        self.conn_no = conn_no

    def readline(self):
        while b"\n" not in self.buf:
            try:
                data = self.sock.recv(65536)
            except (OSError, ssl.SSLError):
                return None
            if not data:
                return None
            with self.sink.lock:
                self.sink.chunks.append((self.conn_no, data))
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")


class Sink:
    def __init__(self, ehlo=None, lmtp=False, unix_path=None,
                 greeting="220 sink.test ESMTP", helo_ok=True,
                 mail_reply=None, rcpt_reply=None, data_reply=None,
                 data_init_reply=None, stall_after_data=False,
                 tls_context=None, auth_users=None, require_auth=False,
                 close_after=None, implicit_tls=False, tls_break=False,
                 stall_greeting=False):
        self.ehlo = DEFAULT_EHLO if ehlo is None else ehlo
        self.lmtp = lmtp
        self.unix_path = unix_path
        self.greeting = greeting
        self.helo_ok = helo_ok          # False: 502 to EHLO (HELO works)
        self.mail_reply = mail_reply    # fn(addr, params) -> reply or None
        self.rcpt_reply = rcpt_reply    # fn(addr, params) -> reply or None
        self.data_reply = data_reply    # fn(msg) -> reply, or list (LMTP)
        self.data_init_reply = data_init_reply
        self.stall_after_data = stall_after_data
        self.tls_context = tls_context
        self.auth_users = auth_users or {}
        self.require_auth = require_auth
        self.close_after = close_after  # close after N messages per conn
        self.implicit_tls = implicit_tls  # TLS from the start (port 465)
        self.tls_break = tls_break      # 220 to STARTTLS, then garbage
        self.stall_greeting = stall_greeting  # never send the greeting
        self.peers = []                 # client addresses, per connection
        self.messages = []
        self.commands = []              # (conn_no, line)
        self.chunks = []                # (conn_no, bytes)
        self.connections = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = []
        self.port = None

    # -- life cycle -------------------------------------------------------
    def start(self):
        if self.unix_path:
            if os.path.exists(self.unix_path):
                os.unlink(self.unix_path)
            self.lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.lsock.bind(self.unix_path)
            os.chmod(self.unix_path, 0o777)
        else:
            self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.lsock.bind(("127.0.0.1", 0))
            self.port = self.lsock.getsockname()[1]
        self.lsock.listen(50)
        self.lsock.settimeout(0.2)
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self.threads.append(t)
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=5)
        self.lsock.close()
        if self.unix_path and os.path.exists(self.unix_path):
            os.unlink(self.unix_path)

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                conn, peer = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
                conn_no = self.connections
                self.peers.append(peer)
            t = threading.Thread(target=self._serve_safe,
                                 args=(conn, conn_no), daemon=True)
            t.start()
            self.threads.append(t)

    def _serve_safe(self, conn, conn_no):
        try:
            conn.settimeout(60)
            self._serve(conn, conn_no)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    # -- helpers for tests -----------------------------------------------
    def commands_of(self, conn_no):
        return [c for n, c in self.commands if n == conn_no]

    def verbs(self):
        return [c.split(b" ")[0].split(b":")[0].upper()
                for _, c in self.commands]

    # -- the conversation -------------------------------------------------
    def _serve(self, conn, conn_no):
        tls = None
        if self.implicit_tls:
            conn = tls = self.tls_context.wrap_socket(conn, server_side=True)
        rd = _Reader(self, conn, conn_no)
        sock = conn

        def send(text):
            if isinstance(text, str):
                text = text.encode()
            sock.sendall(text + b"\r\n")

        if self.stall_greeting:
            self.stopping.wait(60)
            return
        send(self.greeting)
        if not self.greeting.startswith("2"):
            rd.readline()
            return
        msg = None
        auth_user = None
        sent_in_conn = 0
        while not self.stopping.is_set():
            line = rd.readline()
            if line is None:
                return
            with self.lock:
                self.commands.append((conn_no, line))
            verb = line.split(b" ")[0].split(b":")[0].upper().decode(
                errors="replace")
            arg = line[len(verb):].strip().decode(errors="replace")
            if verb in ("EHLO", "LHLO"):
                if (verb == "LHLO") != self.lmtp or (
                        verb == "EHLO" and not self.helo_ok):
                    send("502 5.5.2 Error: command not recognized")
                    continue
                ext = list(self.ehlo)
                if self.tls_context and tls is None:
                    ext.append("STARTTLS")
                if self.auth_users:
                    ext.append("AUTH PLAIN LOGIN")
                lines = ["sink.test"] + ext
                out = []
                for i, text in enumerate(lines):
                    sep = " " if i == len(lines) - 1 else "-"
                    out.append(f"250{sep}{text}")
                send("\r\n".join(out))
            elif verb == "HELO":
                send("250 sink.test")
            elif verb == "STARTTLS" and self.tls_context and tls is None:
                send("220 2.0.0 Ready to start TLS")
                if self.tls_break:
                    sock.sendall(b"this is not a TLS server hello\r\n" * 4)
                    return
                sock = self.tls_context.wrap_socket(conn, server_side=True)
                rd.sock = sock
                rd.buf = b""
                tls = sock
            elif verb == "AUTH" and self.auth_users:
                auth_user = self._auth(rd, send, arg)
            elif verb == "MAIL":
                if self.require_auth and auth_user is None:
                    send("530 5.7.0 Authentication required")
                    continue
                addr, params = _path(arg)
                reply = self.mail_reply(addr, params) if self.mail_reply \
                    else None
                if reply and not reply.startswith("2"):
                    send(reply)
                    continue
                msg = Message()
                msg.conn_no = conn_no
                msg.mail_from = addr
                msg.mail_params = params
                msg.auth_user = auth_user
                if tls is not None:
                    msg.tls = True
                    msg.tls_version = tls.version()
                    msg.session_reused = tls.session_reused
                send(reply or "250 2.1.0 Ok")
            elif verb == "RCPT":
                if msg is None:
                    send("503 5.5.1 Error: need MAIL command")
                    continue
                addr, params = _path(arg)
                reply = self.rcpt_reply(addr, params) if self.rcpt_reply \
                    else None
                reply = reply or "250 2.1.5 Ok"
                if reply.startswith("2"):
                    msg.rcpts.append((addr, params))
                send(reply)
            elif verb == "DATA":
                if msg is None or not msg.rcpts:
                    send("554 5.5.1 Error: no valid recipients")
                    continue
                if self.data_init_reply:
                    send(self.data_init_reply)
                    msg = None
                    continue
                send("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while True:
                    l = rd.readline()
                    if l is None:
                        return
                    if l == b".":
                        break
                    if l.startswith(b"."):
                        l = l[1:]
                    data.append(l + b"\r\n")
                msg.data = b"".join(data)
                with self.lock:
                    self.messages.append(msg)
                if self.stall_after_data:
                    self.stopping.wait(60)
                    return
                reply = self.data_reply(msg) if self.data_reply else None
                if self.lmtp:
                    replies = reply or ["250 2.0.0 Ok: delivered"] * \
                        len(msg.rcpts)
                    for r in replies:
                        send(r)
                else:
                    send(reply or "250 2.0.0 Ok: queued as SINK%d" %
                         len(self.messages))
                msg = None
                sent_in_conn += 1
                if self.close_after and sent_in_conn >= self.close_after:
                    return
            elif verb == "RSET":
                msg = None
                send("250 2.0.0 Ok")
            elif verb == "NOOP":
                send("250 2.0.0 Ok")
            elif verb == "QUIT":
                send("221 2.0.0 Bye")
                return
            else:
                send("502 5.5.2 Error: command not recognized")

    def _auth(self, rd, send, arg):
        words = arg.split()
        mech = words[0].upper() if words else ""
        if mech == "PLAIN":
            if len(words) > 1:
                resp = words[1]
            else:
                send("334 ")
                resp = (rd.readline() or b"").decode()
            try:
                _, user, pw = base64.b64decode(resp).decode().split("\0")
            except ValueError:
                send("501 5.5.2 bad response")
                return None
        elif mech == "LOGIN":
            send("334 " + base64.b64encode(b"Username:").decode())
            user = base64.b64decode(rd.readline() or b"").decode()
            send("334 " + base64.b64encode(b"Password:").decode())
            pw = base64.b64decode(rd.readline() or b"").decode()
        else:
            send("504 5.5.4 Unrecognized authentication type")
            return None
        if self.auth_users.get(user) == pw:
            send("235 2.7.0 Authentication successful")
            return user
        send("535 5.7.8 Error: authentication failed")
        return None


def _path(arg):
    """("addr", "params") from 'FROM:<addr> PARAMS'."""
    _, _, rest = arg.partition(":")
    rest = rest.strip()
    if rest.startswith("<"):
        end = rest.find(">")
        return rest[1:end], rest[end + 1:].strip()
    addr, _, params = rest.partition(" ")
    return addr, params.strip()


def wait_until(pred, timeout=20, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
