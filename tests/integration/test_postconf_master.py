"""postconf -M, -Mf and -M service[/type]: master.cf as Postfix shows it.

Operators and tools (config management, diff-based audits) read
`postconf -M` output, so postern must print master.cf byte for byte as
Debian's Postfix 3.7 does: aligned columns, normalized "-o" options,
"{ }" arguments, and -Mf folding. Each test runs the same master.cf
through both and compares stdout and the exit status."""
import os
import time

import pytest

from conftest import POSTFIX_STOCK_MASTER, SRCDIR

SUBMISSION = """\
smtp      inet  n       -       y       -       -       smtpd
submission inet n       -       y       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
#  -o smtpd_tls_auth_only=yes
  -o smtpd_reject_unlisted_recipient=no
  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o milter_macro_daemon_name=ORIGINATING
smtps     inet  n       -       y       -       -       smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
"""

CONTENT_FILTER = """\
smtp      inet  n       -       n       -       -       smtpd
  -o content_filter=scan:[127.0.0.1]:10024
scan      unix  -       -       n       -       16      smtp
  -o smtp_send_xforward_command=yes -o disable_mime_output_conversion=yes
127.0.0.1:10025 inet n - n - 10 smtpd -o content_filter= -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters -o smtpd_helo_restrictions= -o smtpd_client_restrictions= -o smtpd_sender_restrictions= -o smtpd_recipient_restrictions=permit_mynetworks,reject -o mynetworks=127.0.0.0/8 -o smtpd_authorized_xforward_hosts=127.0.0.0/8
[::1]:10026 inet n - n - - smtpd
"""

PIPES = """\
maildrop  unix  -       n       n       -       -       pipe
  flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}
dovecot   unix  -       n       n       -       -       pipe
  flags=DRhu user=vmail:vmail argv=/usr/lib/dovecot/deliver -f ${sender} -d ${user}@${nexthop} -a ${original_recipient}
scalemail-backend unix -  n     n       -       2       pipe
  flags=R user=scalemail argv=/usr/lib/scalemail/bin/scalemail-store ${nexthop} ${user} ${extension}
long unix - n n - - pipe flags=R user=x argv=/usr/local/bin/a-program-with-a-rather-long-name-that-does-not-fit-on-one-line ${recipient}
"""

BRACES = """\
a         unix  -       -       n       -       -       cmd { arg with space } {nospace} { } {} -v
b         unix  -       -       n       -       -       cmd x {a b} y {c d}
c         unix  -       -       n       -       -       cmd -o { a = b  c } {x y} -o {a = b}
d         unix  -       -       n       -       -       cmd x {aaaaaaaa bbbbbbb}
e         unix  -       -       n       -       -       cmd x {aaaaaaaaa bbbbbbb}
f         unix  -       -       n       -       -       cmd {-o} {a = b} -o { x =
      multi line }
"""

OPTIONS = """\
a unix - - - - - cmd -vo a=b -oc=d -o{x=y} -vDox=yo
b unix - - - - - cmd -v -o a=b c -o d=e
c unix - - - - - cmd -o a=b - -o c=d
d unix - - - - - cmd -- -o a=b
e unix - - - - - cmd -o { name } -o {= b} -o {} -o {{a=b}}
f unix - - - - - cmd -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v
"""

COLUMNS = """\
# comment
a         unix  y       n       y       1000?   0       cmd
   # a comment inside an entry

   arg
b unix-dgram - - - ? 007 cmd
c fifo - - - 0010 - cmd
d pass n n n - 1 cmd
aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa unix - - - - - cmd yy z
smtp      inet  n       -       y       -       -       smtpd
smtp      inet  n       -       y       -       5       smtpd -v
"""

MASTER_FILES = {
    "postern": (SRCDIR / "conf" / "master.cf").read_text(),
    "submission": SUBMISSION,
    "content_filter": CONTENT_FILTER,
    "pipes": PIPES,
    "braces": BRACES,
    "options": OPTIONS,
    "columns": COLUMNS,
}
if POSTFIX_STOCK_MASTER.exists():
    MASTER_FILES["debian"] = POSTFIX_STOCK_MASTER.read_text()


def config_dir(tmp_path, name, master_cf):
    """A configuration directory with an empty main.cf.  The files are
    dated a minute back: Postfix waits for a freshly written main.cf to
    settle, which would cost a second per command."""
    d = tmp_path / name
    d.mkdir()
    files = {"main.cf": ""}
    if master_cf is not None:
        files["master.cf"] = master_cf
    past = time.time() - 60
    for fname, text in files.items():
        (d / fname).write_text(text)
        os.utime(d / fname, (past, past))
    return d


def both(postern, postfix_ref, d, *args):
    ours = postern.run("postconf", "-c", str(d), *args)
    theirs = postfix_ref.postconf("-c", str(d), *args)
    return ours, theirs


@pytest.mark.parametrize("flag", ["-M", "-Mf"])
@pytest.mark.parametrize("name", sorted(MASTER_FILES))
def test_postconf_master_matches_postfix(postern, postfix_ref, tmp_path,
                                         name, flag):
    d = config_dir(tmp_path, name, MASTER_FILES[name])
    ours, theirs = both(postern, postfix_ref, d, flag)
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout


SELECTIONS = [
    ["smtp"],
    ["smtp/inet"],
    ["smtp/unix"],
    ["*/unix"],
    ["smtp/*"],
    ["*"],
    ["relay", "smtp"],
    ["smtp", "smtp"],
    ["smtp//"],
    ["postlog/unix-dgram"],
]


@pytest.mark.parametrize("flag", ["-M", "-Mf"])
@pytest.mark.parametrize("selection", SELECTIONS, ids="+".join)
def test_postconf_master_selects_services(postern, postfix_ref, tmp_path,
                                          selection, flag):
    text = MASTER_FILES.get("debian", MASTER_FILES["postern"])
    d = config_dir(tmp_path, "sel", text)
    ours, theirs = both(postern, postfix_ref, d, flag, *selection)
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout
    assert ours.stdout != ""


@pytest.mark.parametrize("selection", [["nonexistent"], ["smtp/fifo"],
                                       ["nonexistent", "smtp"]],
                         ids="+".join)
def test_postconf_master_warns_unmatched(postern, postfix_ref, tmp_path,
                                         selection):
    d = config_dir(tmp_path, "unmatched", MASTER_FILES["postern"])
    ours, theirs = both(postern, postfix_ref, d, "-M", *selection)
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)
    assert ours.returncode == 0
    assert f'warning: unmatched request: "{selection[0]}"' in ours.stderr


@pytest.mark.parametrize("bad", ["/smtp", "smt*", "smtp/inet/x", ""])
def test_postconf_master_rejects_bad_selection(postern, postfix_ref,
                                               tmp_path, bad):
    d = config_dir(tmp_path, "bad", MASTER_FILES["postern"])
    ours, theirs = both(postern, postfix_ref, d, "-M", bad)
    assert theirs.returncode != 0
    assert ours.returncode != 0
    assert ours.stdout == ""
    assert "fatal: -M option requires service_name[/type]" in ours.stderr


@pytest.mark.parametrize("line3,reason", [
    ("bad  unix  -  -", "bad field count"),
    ("bad  tcp   -  -  n  -  -  cmd", 'invalid type field "tcp"'),
    ("bad  unix  x  -  n  -  -  cmd", 'invalid private field "x"'),
    ("bad  unix  -  -  n  1x -  cmd", 'invalid wakeup field "1x"'),
    ("bad  unix  -  -  n  -  -5 cmd", 'invalid process_limit field "-5"'),
])
def test_postconf_master_syntax_error_names_file_and_line(
        postern, postfix_ref, tmp_path, line3, reason):
    text = ("pickup    unix  n       -       n       60      1       pickup\n"
            "# a comment\n" + line3 + "\n  -o a=b\n")
    d = config_dir(tmp_path, "err", text)
    ours, theirs = both(postern, postfix_ref, d, "-M")
    assert theirs.returncode != 0
    assert ours.returncode != 0
    assert ours.stdout == ""
    assert f"fatal: {d}/master.cf, line 3: {reason}" in ours.stderr


def test_postconf_master_missing_file(postern, postfix_ref, tmp_path):
    d = config_dir(tmp_path, "missing", None)
    ours, theirs = both(postern, postfix_ref, d, "-M")
    assert theirs.returncode != 0
    assert ours.returncode != 0
    assert ours.stdout == ""
    assert f"open {d}/master.cf: No such file or directory" in ours.stderr


def test_postconf_master_brace_warning_names_line(postern, tmp_path):
    d = config_dir(tmp_path, "warn",
                   "a unix - - - - - cmd\n  x\nb unix - - - - - cmd {a b\n")
    ours = postern.run("postconf", "-c", str(d), "-M")
    assert ours.returncode == 0, ours.stderr
    assert f"warning: {d}/master.cf, line 3: missing '}}' in \"{{a b\"" \
        in ours.stderr
    assert ours.stdout.endswith(" cmd a b\n")
