"""postconf: main.cf syntax, defaults and edits, side by side with Postfix.

Where postern must behave like Postfix 3.7, each test runs the same
main.cf (and Debian's stock master.cf) through Debian's postconf and
ours and compares stdout and exit status byte for byte. The parameter
defaults are compared for every name both know, minus the documented
differences listed in DEFAULTS_THAT_DIFFER.
"""
import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from conftest import SRCDIR, POSTFIX_STOCK_MASTER

DEBIAN_MAIN_CF = Path("/usr/share/postfix/main.cf.debian")
DIST_MAIN_CF = Path("/usr/share/postfix/main.cf.dist")

# Every syntax feature of main.cf: continuations with comments and blank
# lines between, white space around "=", every expansion form, a
# restriction class, an unknown parameter, a duplicate.
SYNTAX_MAIN_CF = """\
# Every main.cf syntax feature.
   # an indented comment line
myhostname=mail.example.com
mydomain   =    example.com\t
myorigin = $mydomain
mydestination = $myhostname, localhost.$mydomain,
    localhost,
# a comment between continuation lines

\t${mydomain}
relayhost = [smtp.example.net]:587
alias_maps = hash:/etc/aliases\thash:/etc/postfix/aliases2
smtpd_banner = $myhostname    ESMTP   $(mail_name) ${mydomain?{(domain $mydomain)}:{(none)}}
smtp_helo_name = ${nothing_here:{fallback.example}}
smtpd_client_restrictions = ${{$compatibility_level} <level {3.6} ? {permit_mynetworks} : {reject_unauth_pipelining}}
smtpd_helo_restrictions = ${{$mydomain} == {example.com} ? {permit} : {reject}} ${{10} < {9} ? {numeric-wrong} : {numeric-ok}}
smtpd_sender_restrictions = ${relayhost?{relay set}:{no relay}} $$literal ${relayhost?x} ${relayhost:y}
smtpd_restriction_classes = class_a, class_b
class_a = permit_mynetworks, $my_own_list
class_b = reject
my_own_list = check_client_access hash:/etc/postfix/a
unknown_thing = 42
recipient_delimiter = +
compatibility_level = 3.6
myhostname = mail2.example.com
empty_value =
relay_domains =
virtual_maps = hash:/etc/postfix/virtual
local_recipient_maps = ${{$compatibility_level} >=level {3.6.1} ? {yes} : {no}} ${{3.10} >level {3.9}}
 # indented comment at the end
"""

# A realistic mail server: TLS, SASL, Dovecot LMTP, milters, a relay
# transport with its own concurrency.
SERVER_MAIN_CF = """\
smtpd_banner = $myhostname ESMTP $mail_name
biff = no
append_dot_mydomain = no
readme_directory = no
compatibility_level = 3.6

smtpd_tls_cert_file=/etc/letsencrypt/live/mail.example.org/fullchain.pem
smtpd_tls_key_file=/etc/letsencrypt/live/mail.example.org/privkey.pem
smtpd_tls_security_level=may
smtpd_tls_auth_only = yes
smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1
smtp_tls_CApath=/etc/ssl/certs
smtp_tls_security_level=may
smtp_tls_session_cache_database = btree:${data_directory}/smtp_scache

smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = yes

smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination
smtpd_recipient_restrictions =
\tpermit_mynetworks,
\tpermit_sasl_authenticated,
\treject_unauth_destination,
\tcheck_policy_service unix:private/policyd-spf
myhostname = mail.example.org
mydomain = example.org
alias_maps = hash:/etc/aliases
alias_database = hash:/etc/aliases
myorigin = /etc/mailname
mydestination = localhost.$mydomain, localhost
relayhost =
mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
mailbox_size_limit = 0
message_size_limit = 52428800
recipient_delimiter = +
inet_interfaces = all
inet_protocols = all
virtual_transport = lmtp:unix:private/dovecot-lmtp
virtual_mailbox_domains = hash:/etc/postfix/vdomains
virtual_mailbox_maps = hash:/etc/postfix/vmailbox
virtual_alias_maps = hash:/etc/postfix/virtual,
    regexp:/etc/postfix/virtual.regexp
milter_default_action = accept
smtpd_milters = inet:localhost:8891
non_smtpd_milters = $smtpd_milters
header_checks = regexp:/etc/postfix/header_checks
transport_maps = hash:/etc/postfix/transport
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd
smtp_sasl_security_options = noanonymous
relay_destination_concurrency_limit = 5
"""

MAIN_CFS = {
    "debian": DEBIAN_MAIN_CF,
    "dist": DIST_MAIN_CF,
    "syntax": SYNTAX_MAIN_CF,
    "server": SERVER_MAIN_CF,
    "empty": "",
}

# Names whose defaults legitimately differ between postern and Debian's
# Postfix 3.7 (each is documented in postconf(5), "Differences"):
DEFAULTS_THAT_DIFFER = {
    # Identity of the software.
    "mail_name", "mail_version", "mail_release_date",
    # A different process each run.
    "process_id",
    # Compile-time paths: postern's come from its own build configuration.
    "command_directory", "config_directory", "daemon_directory",
    "data_directory", "html_directory", "mailq_path", "manpage_directory",
    "meta_directory", "newaliases_path", "queue_directory",
    "readme_directory", "sample_directory", "sendmail_path",
    "shlib_directory",
    # postern has no NIS table type, so no "nis:mail.aliases".
    "alias_maps",
    # Safer defaults of later Postfix releases (DESIGN.md).
    "smtpd_forbid_bare_newline", "smtpd_forbid_unauth_pipelining",
    # TLS 1.2 is the minimum protocol by default (issue 5).
    "smtpd_tls_protocols", "smtpd_tls_mandatory_protocols",
    "smtp_tls_protocols", "smtp_tls_mandatory_protocols",
    "lmtp_tls_protocols", "lmtp_tls_mandatory_protocols",
}


def main_cf_text(source):
    if isinstance(source, Path):
        if not source.exists():
            pytest.skip(f"{source} is not installed")
        return source.read_text()
    return source


def make_config(root, name, text):
    d = root / name
    d.mkdir()
    (d / "main.cf").write_text(text)
    if POSTFIX_STOCK_MASTER.exists():
        shutil.copy(POSTFIX_STOCK_MASTER, d / "master.cf")
    else:
        (d / "master.cf").write_text("")
    return d


@pytest.fixture
def both(tmp_path, postern, postfix_ref):
    """Run postconf of both with the same configuration directory."""
    def run(text, *args):
        d = make_config(tmp_path, f"c{len(list(tmp_path.iterdir()))}", text)
        ours = postern.run("postconf", "-c", str(d), *args)
        ref = postfix_ref.postconf("-c", str(d), *args)
        return ours, ref
    return run


def assert_same(ours, ref):
    assert ours.returncode == ref.returncode, (ours.stderr, ref.stderr)
    assert ours.stdout == ref.stdout


def clean_stderr(text, directory=None):
    """Warnings, each once (Postfix sometimes repeats them), with the
    directory replaced and without the program name, which Postfix
    prints as invoked (/usr/sbin/postconf)."""
    seen = []
    if directory is not None:
        text = text.replace(str(directory), "DIR")
    for line in text.splitlines():
        line = re.sub(r"^\S*postconf: ", "", line)
        if line not in seen:
            seen.append(line)
    return seen


@pytest.mark.parametrize("name", sorted(MAIN_CFS))
def test_n_output_matches_postfix(both, name):
    ours, ref = both(main_cf_text(MAIN_CFS[name]), "-n")
    assert_same(ours, ref)


@pytest.mark.parametrize("name", sorted(MAIN_CFS))
def test_folded_n_output_matches_postfix(both, name):
    ours, ref = both(main_cf_text(MAIN_CFS[name]), "-nf")
    assert_same(ours, ref)


H_NAMES = ["myhostname", "mydomain", "myorigin", "mydestination",
           "relay_domains", "mynetworks", "mynetworks_style",
           "smtpd_banner", "alias_database", "smtpd_relay_restrictions",
           "compatibility_level", "relayhost", "virtual_alias_maps",
           "class_a", "smtpd_timeout", "append_dot_mydomain"]


@pytest.mark.parametrize("name", sorted(MAIN_CFS))
def test_h_values_match_postfix(both, name):
    ours, ref = both(main_cf_text(MAIN_CFS[name]), "-h", *H_NAMES)
    assert_same(ours, ref)


def normalize_expanded(result, mail_name):
    """Expanded output with the software's own name as a placeholder and
    lines that depend on the process ID dropped."""
    lines = [line.replace(mail_name, "MAIL_NAME")
             for line in result.stdout.splitlines()
             if not line.startswith(("debugger_command =", "process_id ="))]
    return result.returncode, lines


@pytest.mark.parametrize("name", sorted(MAIN_CFS))
def test_expanded_values_match_postfix(both, name):
    ours, ref = both(main_cf_text(MAIN_CFS[name]), "-nx")
    assert normalize_expanded(ours, "postern") == \
        normalize_expanded(ref, "Postfix")
    exclude = DEFAULTS_THAT_DIFFER | {"debugger_command", "milter_macro_v",
                                      "smtpd_banner"}
    names = [n for n in H_NAMES if n not in exclude]
    ours, ref = both(main_cf_text(MAIN_CFS[name]), "-xh", *names)
    assert_same(ours, ref)


def test_warnings_match_postfix(both, tmp_path):
    ours, ref = both(SYNTAX_MAIN_CF, "-n")
    dirs = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    mine = clean_stderr(ours.stderr, dirs[0])
    theirs = clean_stderr(ref.stderr, dirs[0])
    assert sorted(set(mine) - set(theirs)) == []
    # Postfix may read main.cf twice and then also warns that the first
    # line overrides the last one; nothing else may be missing.
    assert [w for w in theirs if w not in mine
            and "overriding earlier entry" not in w] == []
    text = ours.stderr
    assert "main.cf, line 25: overriding earlier entry: myhostname=mail.example.com" in text
    assert "main.cf: unused parameter: unknown_thing=42" in text
    assert "main.cf: undefined parameter: nothing_here" in text


def test_unknown_named_parameter_warns(both):
    ours, ref = both("", "myhostname", "no_such_parameter", "fallback_relay")
    assert_same(ours, ref)
    assert "postconf: warning: no_such_parameter: unknown parameter" in ours.stderr


def test_leading_white_space_is_warned_and_ignored(both):
    ours, ref = both("  relayhost = [x]\nmyhostname = a.example\n", "-n")
    assert_same(ours, ref)
    assert 'main.cf: logical line must not start with whitespace: "  relayhost = [x]"' \
        in ours.stderr


def test_read_only_parameters_are_refused(both):
    ours, ref = both("process_name = x\nmyhostname = a.example\n", "-n")
    assert_same(ours, ref)
    assert "read-only parameter assignment: process_name=x" in ours.stderr


def parse_defaults(stdout):
    values = {}
    for line in stdout.splitlines():
        name, _, value = line.partition(" =")
        values[name] = value
    return values


def test_defaults_match_postfix(both):
    ours, ref = both("", "-d")
    assert ours.returncode == ref.returncode == 0
    mine = parse_defaults(ours.stdout)
    theirs = parse_defaults(ref.stdout)
    # postern invents no parameter names.
    assert sorted(set(mine) - set(theirs)) == []
    compared = [n for n in mine if n not in DEFAULTS_THAT_DIFFER]
    assert len(compared) > 600
    different = {n: (mine[n], theirs[n]) for n in compared if mine[n] != theirs[n]}
    assert different == {}
    # The order is Postfix's too.
    assert list(mine) == [n for n in theirs if n in mine]


def test_expanded_defaults_match_postfix(both):
    ours, ref = both("", "-dx")
    mine = parse_defaults(ours.stdout)
    theirs = parse_defaults(ref.stdout)
    exclude = DEFAULTS_THAT_DIFFER | {
        # Their expansions contain one of the names above.
        "milter_macro_v", "smtpd_banner", "local_recipient_maps",
        "debugger_command", "proxy_read_maps", "tls_random_exchange_name",
        # proxy_write_maps names verify and postscreen tables, which
        # postern does not have.
        "proxy_write_maps",
    }
    different = {n: (mine[n], theirs[n]) for n in mine
                 if n not in exclude and mine[n] != theirs[n]}
    assert different == {}


def test_defaults_of_named_parameters(both):
    ours, ref = both("", "-d", "myhostname", "mydomain", "mynetworks",
                     "relay_destination_concurrency_limit", "virtual_maps")
    assert_same(ours, ref)
    assert ours.stdout.startswith("myhostname = ")


def test_postern_defaults_differ_only_as_documented(postern, tmp_path):
    d = make_config(tmp_path, "c", "")
    r = postern.run("postconf", "-c", str(d), "-d", "mail_name",
                    "smtpd_forbid_bare_newline", "smtpd_forbid_unauth_pipelining",
                    "alias_maps")
    assert r.stdout == ("mail_name = postern\n"
                        "smtpd_forbid_bare_newline = yes\n"
                        "smtpd_forbid_unauth_pipelining = yes\n"
                        "alias_maps = hash:/etc/aliases\n")


def test_config_directory_shows_when_given(postern, postfix_ref, tmp_path):
    d = make_config(tmp_path, "c", "myhostname = a.example\n")
    for flag_args in ([], ["-c", str(d)]):
        env = {"MAIL_CONFIG": str(d)}
        ours = postern.run("postconf", *flag_args, "-n", env=env)
        ref = postfix_ref.postconf(*flag_args, "-n", env=env)
        assert_same(ours, ref)
        assert f"config_directory = {d}\n" in ours.stdout


def test_syntax_error_names_file_and_line(both, tmp_path):
    ours, ref = both("myhostname = a.example\n\nfoo bar\nrelayhost = x\n", "-n")
    assert_same(ours, ref)
    assert ours.returncode != 0
    assert re.search(r"fatal: \S*/main\.cf, line 3: missing '=' after attribute "
                     r"name: \"foo bar\"", ours.stderr), ours.stderr


def test_bad_expansion_names_file_and_line(postern, tmp_path):
    d = make_config(tmp_path, "c", "mydomain = example.com\n\nrelayhost = ${oops\n")
    r = postern.run("postconf", "-c", str(d), "-n")
    assert r.returncode != 0
    assert "main.cf, line 3: parameter relayhost: truncated macro reference" in r.stderr


def test_expansion_loop_is_an_error_not_a_crash(both):
    ours, ref = both("mydomain = $myhostname\nmyhostname = x.$mydomain\n"
                     "relayhost = $relay_a\nrelay_a = $relayhost\n",
                     "-x", "relayhost")
    assert_same(ours, ref)
    assert ours.returncode == 1
    assert "unreasonable macro call nesting" in ours.stderr


def test_missing_main_cf_is_fatal(postern, tmp_path):
    r = postern.run("postconf", "-c", str(tmp_path / "nowhere"), "-n")
    assert r.returncode == 1
    assert f"fatal: open {tmp_path}/nowhere/main.cf: No such file or directory" in r.stderr


EDIT_BASE = SYNTAX_MAIN_CF + "smtpd_recipient_restrictions =\n  permit_mynetworks,\n" \
    "# inside\n  reject\nlast = line\n"

EDITS = [
    ("replace", ["-e", "relayhost = [other.example]:25"]),
    ("replace-duplicate", ["-e", "myhostname=new.example"]),
    ("replace-continued", ["-e", "mydestination=$myhostname"]),
    ("replace-two", ["-e", "relayhost=a", "mydomain = b.example"]),
    ("append", ["-e", "new_parameter = 1"]),
    ("implicit-e", ["relayhost=implicit"]),
    ("repeat-argument", ["-e", "relayhost=a", "relayhost=b"]),
    ("empty-value", ["-e", "relayhost ="]),
    ("remove", ["-X", "mydestination", "smtpd_recipient_restrictions"]),
    ("remove-duplicate", ["-X", "myhostname"]),
    ("remove-absent", ["-X", "no_such_thing"]),
    ("comment", ["-#", "mydestination", "relay_domains"]),
    ("comment-duplicate", ["-#", "myhostname", "smtpd_recipient_restrictions"]),
]


@pytest.mark.parametrize("label,args", EDITS, ids=[e[0] for e in EDITS])
def test_edit_matches_postfix(postern, postfix_ref, tmp_path, label, args):
    ours_dir = make_config(tmp_path, "ours", EDIT_BASE)
    ref_dir = make_config(tmp_path, "ref", EDIT_BASE)
    ours = postern.run("postconf", "-c", str(ours_dir), *args)
    ref = postfix_ref.postconf("-c", str(ref_dir), *args)
    assert ours.returncode == ref.returncode == 0, (ours.stderr, ref.stderr)
    assert (ours_dir / "main.cf").read_bytes() == (ref_dir / "main.cf").read_bytes()
    assert clean_stderr(ours.stderr, ours_dir) == clean_stderr(ref.stderr, ref_dir)


@pytest.mark.parametrize("args", [["-e", "myhostname"], ["-e", "=x"], ["-e"]])
def test_bad_edit_arguments_are_fatal(postern, postfix_ref, tmp_path, args):
    ours_dir = make_config(tmp_path, "ours", EDIT_BASE)
    ref_dir = make_config(tmp_path, "ref", EDIT_BASE)
    ours = postern.run("postconf", "-c", str(ours_dir), *args)
    ref = postfix_ref.postconf("-c", str(ref_dir), *args)
    assert ours.returncode == ref.returncode == 1
    assert (ours_dir / "main.cf").read_text() == EDIT_BASE
    assert clean_stderr(ours.stderr, ours_dir)[-1] == \
        clean_stderr(ref.stderr, ref_dir)[-1]


def test_edit_replaces_file_atomically_and_keeps_mode(postern, tmp_path):
    d = make_config(tmp_path, "c", EDIT_BASE)
    main_cf = d / "main.cf"
    main_cf.chmod(0o640)
    before = main_cf.stat().st_ino
    r = postern.run("postconf", "-c", str(d), "-e", "relayhost=x")
    assert r.returncode == 0, r.stderr
    after = main_cf.stat()
    assert after.st_ino != before            # a new file, renamed into place
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert sorted(p.name for p in d.iterdir()) == ["main.cf", "master.cf"]


def test_edit_appends_after_unterminated_last_line(postern, tmp_path):
    d = make_config(tmp_path, "c", "mydomain = a.example")
    r = postern.run("postconf", "-c", str(d), "-e", "relayhost=x")
    assert r.returncode == 0, r.stderr
    assert (d / "main.cf").read_text() == "mydomain = a.example\nrelayhost = x\n"


def test_edit_of_missing_main_cf_is_fatal(postern, tmp_path):
    r = postern.run("postconf", "-c", str(tmp_path), "-e", "relayhost=x")
    assert r.returncode == 1
    assert f"open {tmp_path}/main.cf for reading: No such file or directory" in r.stderr


def test_m_lists_table_types(postern, tmp_path):
    d = make_config(tmp_path, "c", "")
    r = postern.run("postconf", "-c", str(d), "-m")
    assert r.returncode == 0, r.stderr
    types = r.stdout.splitlines()
    assert types == sorted(types)
    for t in ("btree", "cidr", "hash", "inline", "pcre", "regexp", "static",
              "texthash"):
        assert t in types


def test_m_types_are_known_to_postfix(both):
    ours, ref = both("", "-m")
    assert set(ours.stdout.split()) <= set(ref.stdout.split())


def test_option_conflicts_match_postfix(both):
    for args in (["-d", "-n"], ["-n", "-e", "a=b"], ["-h", "-H"], ["-m", "-n"]):
        ours, ref = both("", *args)
        assert ours.returncode == ref.returncode == 1, args
        assert clean_stderr(ours.stderr)[-1] == clean_stderr(ref.stderr)[-1]


def test_man_page_lists_every_parameter_with_its_default(postern, tmp_path):
    """postconf(5) is generated from the table; it must not go stale."""
    d = make_config(tmp_path, "c", "")
    (d / "master.cf").write_text("")
    r = postern.run("postconf", "-c", str(d), "-d")
    defaults = parse_defaults(r.stdout)
    page = (SRCDIR / "man" / "man5" / "postconf.5").read_text()
    entries = dict(re.findall(r"^\\fB(\S+)\\fR \(default: (.*)\)$", page, re.M))
    names = {n.replace("\\-", "-") for n in entries}
    assert names == set(defaults)
    for name, shown in entries.items():
        name = name.replace("\\-", "-")
        m = re.fullmatch(r"\\fI(.*)\\fR", shown)
        if m:
            assert m.group(1).replace("\\-", "-").replace("\\e", "\\") == \
                defaults[name].lstrip(" "), name
        elif shown == "empty":
            assert defaults[name] == "", name


@pytest.mark.parametrize("args", [["-M"], ["-Mf"], ["-M", "smtp/inet", "relay"],
                                  ["-M", "no_such_service"]])
def test_master_entries_match_postfix(both, args):
    ours, ref = both("", *args)
    assert_same(ours, ref)
