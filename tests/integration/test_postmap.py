"""postmap(1): building, querying, editing and listing lookup tables.

Most tests run the same command through postern and through Debian's
Postfix 3.7 (the postfix_ref fixture) in two directories holding the same
files, and compare exit status, standard output and standard error after
replacing the directory names with a placeholder.
"""
import os
import pwd
import stat
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest


# ---------------------------------------------------------------- helpers

def write_files(directory, files):
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        data = text if isinstance(text, bytes) else text.encode()
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(data)


class Twin:
    """The same files in two directories, one per implementation, and a
    way to run one command line in both."""

    def __init__(self, tmp_path, postern, postfix_ref, files, cmd="postmap"):
        self.mine = tmp_path / "postern"
        self.ref = tmp_path / "postfix"
        write_files(self.mine, files)
        write_files(self.ref, files)
        self.postern = postern
        self.postfix_ref = postfix_ref
        self.cmd = cmd

    @staticmethod
    def _clean(text, directory):
        lines = []
        for line in text.replace(str(directory) + "/", "").splitlines():
            # Berkeley DB's own chatter; Postfix lets it through.
            if line.startswith("BDB"):
                continue
            lines.append(line)
        return lines

    def run(self, *args, input=None, cmd=None):
        """Run in both directories; returns (mine, ref), each as
        (returncode, stdout lines, stderr lines)."""
        cmd = cmd or self.cmd
        mine_args = [a.replace("@D@", str(self.mine)) for a in args]
        ref_args = [a.replace("@D@", str(self.ref)) for a in args]
        m = self.postern.run(cmd, *mine_args, input=input)
        r = self.postfix_ref.run(cmd, *ref_args, input=input)
        return ((m.returncode, self._clean(m.stdout, self.mine),
                 self._clean(m.stderr, self.mine)),
                (r.returncode, self._clean(r.stdout, self.ref),
                 self._clean(r.stderr, self.ref)))

    def same(self, *args, input=None, sort=False, cmd=None):
        """Assert identical results; sort=True compares stdout as a set
        (database order is not defined)."""
        mine, ref = self.run(*args, input=input, cmd=cmd)
        if sort:
            mine = (mine[0], sorted(mine[1]), mine[2])
            ref = (ref[0], sorted(ref[1]), ref[2])
        assert mine == ref, f"postmap {' '.join(args)}"
        return mine


def pm(postern, *args, input=None):
    return postern.run("postmap", *args, input=input)


@pytest.fixture
def twin(tmp_path, postern, postfix_ref):
    def make(files, cmd="postmap"):
        return Twin(tmp_path, postern, postfix_ref, files, cmd)
    return make


SIMPLE = (
    "# a comment\n"
    "alice@example.com    alice\n"
    "Bob@Example.COM      bob, bobby\n"
    "carol                value with  inner   spaces\n"
    "dave                 first part\n"
    "  continued part\n"
    "\n"
    "   # indented comment\n"
    "erin                 x\n"
    '"quoted key"         q\n'
)

SIMPLE_ENTRIES = {
    "alice@example.com": "alice",
    "bob@example.com": "bob, bobby",
    "carol": "value with  inner   spaces",
    "dave": "first part  continued part",
    "erin": "x",
    '"quoted key"': "q",
}


# ------------------------------------------------ round trips, file tables

@pytest.mark.parametrize("dbtype", ["hash", "btree"])
def test_build_query_list_delete_round_trip(postern, tmp_path, dbtype):
    src = tmp_path / "table"
    src.write_text(SIMPLE)
    table = f"{dbtype}:{src}"
    r = pm(postern, table)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert (tmp_path / "table.db").exists()

    for key, value in SIMPLE_ENTRIES.items():
        r = pm(postern, "-q", key, table)
        assert (r.returncode, r.stdout) == (0, value + "\n"), key

    r = pm(postern, "-s", table)
    assert r.returncode == 0
    assert sorted(r.stdout.splitlines()) == \
        sorted(f"{k}\t{v}" for k, v in SIMPLE_ENTRIES.items())

    r = pm(postern, "-d", "erin", table)
    assert r.returncode == 0
    r = pm(postern, "-q", "erin", table)
    assert (r.returncode, r.stdout) == (1, "")
    r = pm(postern, "-d", "erin", table)
    assert r.returncode == 1

    r = pm(postern, "-i", table, input="frank f1\nalice changed\n")
    assert r.returncode == 0
    assert 'duplicate entry: "alice@example.com"' not in r.stderr
    assert pm(postern, "-q", "frank", table).stdout == "f1\n"
    # no leftovers from the temporary build file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table", "table.db"]


def test_incremental_duplicates_warn_replace_ignore(twin):
    t = twin({"t": "a 1\nb 2\n"})
    t.same("@D@/t")
    t.same("-i", "@D@/t", input="c 3\na 9\nB 5\n# x\nbad\n")
    t.same("-s", "@D@/t", sort=True)
    t.same("-i", "-r", "@D@/t", input="a 10\n")
    t.same("-q", "a", "@D@/t")
    t.same("-i", "-w", "@D@/t", input="a 11\n")
    t.same("-q", "a", "@D@/t")
    t.same("-i", "@D@/new", input="k v\n")
    t.same("-s", "@D@/new")


def test_texthash_query_and_list(twin):
    t = twin({"t": SIMPLE, "dup": "a first\nA second\n"})
    t.same("-q", "dave", "texthash:@D@/t")
    t.same("-q", "BOB@example.com", "texthash:@D@/t")
    t.same("-q", "nope", "texthash:@D@/t")
    t.same("-s", "texthash:@D@/t", sort=True)
    t.same("-d", "erin", "texthash:@D@/t")
    t.same("texthash:@D@/t")
    mine, ref = t.run("-q", "a", "texthash:@D@/dup")
    assert (mine[0], mine[1]) == (ref[0], ref[1]) == (0, ["first"])
    assert "dup, line 2: duplicate entry" in mine[2][0]


# -------------------------------------------------------------- exit codes

def test_exit_status_found_not_found_error(postern, tmp_path):
    src = tmp_path / "t"
    src.write_text("k v\n")
    assert pm(postern, str(src)).returncode == 0
    found = pm(postern, "-q", "k", str(src))
    assert (found.returncode, found.stdout) == (0, "v\n")
    missing_key = pm(postern, "-q", "x", str(src))
    assert (missing_key.returncode, missing_key.stdout,
            missing_key.stderr) == (1, "", "")
    # A table that cannot be opened is an error, reported as such, never
    # a silent "not found".
    missing_table = pm(postern, "-q", "k", str(tmp_path / "nosuch"))
    assert missing_table.returncode == 1
    assert missing_table.stdout == ""
    assert "postmap: fatal: open database" in missing_table.stderr
    assert "nosuch.db" in missing_table.stderr


def test_error_messages_match_postfix(twin):
    t = twin({"t": "a 1\n", "p.pcre": "/x/ y\n"})
    t.same("@D@/nosuch")
    t.same("-q", "x", "@D@/nosuch")
    t.same("-q", "x", "btree:@D@/nosuch")
    t.same("-q", "x", "pcre:@D@/nosuch")
    t.same("-q", "x", "texthash:@D@/nosuch")
    t.same("-d", "x", "@D@/nosuch")
    t.same("-s", "@D@/nosuch")
    t.same("pcre:@D@/p.pcre")
    t.same("texthash:@D@/t")
    t.same("-i", "regexp:@D@/t", input="a b\n")
    t.same("-d", "x", "pcre:@D@/p.pcre")
    t.same("-s", "pcre:@D@/p.pcre")
    t.same("-s", "static:x")
    t.same("-q", "x", "static:fixed")


def test_unknown_type_is_an_error(postern, tmp_path):
    r = pm(postern, "-q", "x", f"nosuchtype:{tmp_path}/t")
    assert r.returncode == 1
    assert "unsupported dictionary type: nosuchtype" in r.stderr


def test_option_conflicts_and_usage(twin):
    t = twin({"t": "a 1\n"})
    t.same("@D@/t")
    t.same("-q", "a", "-d", "a", "@D@/t")
    t.same("-d", "a", "-q", "a", "@D@/t")
    t.same("-q", "a", "-s", "@D@/t")
    t.same("-s", "-q", "a", "@D@/t")
    t.same("-q", "a", "-q", "b", "@D@/t")
    t.same("-h", "@D@/t")
    t.same("-b", "-q", "a", "@D@/t")
    t.same("-q", "a")
    t.same()
    t.same("-Z", "@D@/t")
    t.same("-x", "@D@/t")


@pytest.mark.parametrize("option", ["-m", "-U"])
def test_unsupported_options_fail_clearly(postern, tmp_path, option):
    src = tmp_path / "t"
    src.write_text("a b\n")
    r = pm(postern, "-b", option, "-q", "-", str(src), input="a\n")
    assert r.returncode == 1
    assert "not supported" in r.stderr
    assert r.stdout == ""


# ----------------------------------------------------- several tables, -q -

def test_query_several_tables_and_stdin(twin):
    t = twin({"t1": "foo one\nshared first\n", "t2": "bar two\nshared second\n"})
    t.same("@D@/t1")
    t.same("@D@/t2")
    t.same("-q", "shared", "@D@/t1", "@D@/t2")
    t.same("-q", "bar", "@D@/t1", "@D@/t2")
    t.same("-q", "nope", "@D@/t1", "@D@/t2")
    # A table is opened only when the search reaches it.
    t.same("-q", "foo", "@D@/t1", "@D@/nosuch")
    t.same("-q", "nope", "@D@/t1", "@D@/nosuch")
    t.same("-q", "-", "@D@/t1", "@D@/t2",
           input="foo\nnope\nBAR\nshared\n  foo  \nfoo\r\n")
    t.same("-q", "-", "@D@/t1", input="nope\n")
    t.same("-q", "-", "@D@/t1", "@D@/nosuch", input="foo\n")
    t.same("-q", "-", "@D@/t1", "@D@/nosuch", input="nope\n")
    # -s lists the first table only
    t.same("-s", "@D@/t1", "@D@/t2", sort=True)


def test_delete_from_several_tables_and_stdin(twin):
    t = twin({"t1": "a 1\nb 2\nc 3\n", "t2": "a 1\nb 2\n"})
    t.same("@D@/t1", "@D@/t2")
    t.same("-d", "a", "@D@/t1", "@D@/t2")
    t.same("-s", "@D@/t2", sort=True)
    t.same("-d", "B", "@D@/t1", "@D@/t2")
    t.same("-d", "-", "@D@/t1", "@D@/t2", input="x\nc\n")
    t.same("-d", "-", "@D@/t1", "@D@/t2", input="x\n")
    t.same("-s", "@D@/t1")
    # -d - opens every table before it deletes anything
    t.same("@D@/t1")
    t.same("-d", "-", "@D@/t1", "@D@/nosuch", input="a\n")
    t.same("-q", "a", "@D@/t1")


# --------------------------------------------------- case folding, NUL bytes

def test_case_folding_and_f_option(twin):
    t = twin({"t": "MixedCase Value\nlower v2\n"})
    t.same("@D@/t")
    t.same("-q", "mixedcase", "@D@/t")
    t.same("-q", "MIXEDCASE", "@D@/t")
    t.same("-f", "-q", "MixedCase", "@D@/t")
    t.same("-f", "@D@/t")
    t.same("-s", "@D@/t", sort=True)
    t.same("-f", "-q", "MixedCase", "@D@/t")
    t.same("-f", "-q", "mixedcase", "@D@/t")
    t.same("-q", "MixedCase", "@D@/t")


def test_nul_terminator_options(twin):
    t = twin({"t": "key value\n"})
    t.same("-n", "@D@/t")
    t.same("-q", "key", "@D@/t")
    t.same("-N", "-q", "key", "@D@/t")
    t.same("-n", "-q", "key", "@D@/t")
    t.same("-N", "@D@/t")
    t.same("-n", "-q", "key", "@D@/t")
    t.same("-N", "-q", "key", "@D@/t")
    t.same("-s", "@D@/t")


# ------------------------------------------------------ source text syntax

def test_duplicate_key_warning(twin):
    t = twin({"t": "foo first\nbar x\nFOO second\n"})
    mine = t.same("@D@/t")
    assert 'duplicate entry: "foo"' in "\n".join(mine[2])
    t.same("-q", "foo", "@D@/t")
    t.same("-w", "@D@/t")
    t.same("-r", "@D@/t")
    t.same("-q", "foo", "@D@/t")


def test_malformed_lines_are_reported_with_file_and_line(twin):
    text = ('  leading whitespace\n'
            'good one\n'
            'lonely\n'
            '"unbalanced quote v\n'
            'alias: style\n'
            '"a b"z v\n'
            '"esc\\"aped" v\n'
            '"" empty\n'
            'k2 "unbalanced in value is fine\n'
            'next line\n'
            '  continued\n'
            'lonely2\n'
            '  \n'
            'last:\n'
            '  continued\n')
    t = twin({"t": text})
    mine = t.same("@D@/t")
    err = "\n".join(mine[2])
    assert "t, line 3: expected format: key whitespace value" in err
    assert "t, line 4: unbalanced" in err
    assert "t, line 12: expected format" in err
    t.same("-s", "@D@/t", sort=True)
    t.same("-i", "@D@/t", input="lonely\nok v\n")


def test_texthash_source_warnings_match_postfix(twin):
    """texthash: reads the same syntax as postmap. Postfix repeats its
    warnings once per entry; compare each distinct warning."""
    t = twin({"t": '  leading\nlonely\n"unbalanced v\nalias: style\n'
                   'ok v\nOK again\n'})
    mine, ref = t.run("-q", "ok", "texthash:@D@/t")
    assert (mine[0], mine[1]) == (ref[0], ref[1]) == (0, ["v"])
    assert sorted(set(mine[2])) == sorted(set(ref[2]))


def test_backslash_outside_quotes_escapes(twin):
    # Postfix: a backslash quotes the next character in a key, inside or
    # outside double quotes.
    t = twin({"t": 'k\\ 5 v5\nk\\"x v6\nab\\\\ v7\n'})
    t.same("@D@/t")
    t.same("-s", "@D@/t", sort=True)


# --------------------------------------------------- Postfix compatibility

@pytest.mark.parametrize("dbtype", ["hash", "btree"])
def test_tables_are_interchangeable_with_postfix(postern, postfix_ref,
                                                 tmp_path, dbtype):
    src = tmp_path / "t"
    src.write_text(SIMPLE)
    table = f"{dbtype}:{src}"
    expect = sorted(f"{k}\t{v}" for k, v in SIMPLE_ENTRIES.items())

    # postern writes, Postfix reads
    assert pm(postern, table).returncode == 0
    r = postfix_ref.postmap("-s", table)
    assert (r.returncode, sorted(r.stdout.splitlines())) == (0, expect)
    r = postfix_ref.postmap("-q", "BOB@example.com", table)
    assert (r.returncode, r.stdout) == (0, "bob, bobby\n")
    # Postfix writes, postern reads
    assert postfix_ref.postmap(table).returncode == 0
    r = pm(postern, "-s", table)
    assert (r.returncode, sorted(r.stdout.splitlines())) == (0, expect)
    r = pm(postern, "-q", "dave", table)
    assert (r.returncode, r.stdout) == (0, "first part  continued part\n")
    # Postfix updates a postern table in place, and back
    assert pm(postern, table).returncode == 0
    assert postfix_ref.postmap("-i", table, input="new1 v1\n").returncode == 0
    assert pm(postern, "-i", table, input="new2 v2\n").returncode == 0
    r = postfix_ref.postmap("-q", "new2", table)
    assert r.stdout == "v2\n"
    r = pm(postern, "-q", "new1", table)
    assert r.stdout == "v1\n"
    # without NUL bytes (-n), both ways
    assert pm(postern, "-n", table).returncode == 0
    assert postfix_ref.postmap("-q", "erin", table).stdout == "x\n"
    assert postfix_ref.postmap("-n", table).returncode == 0
    assert pm(postern, "-q", "erin", table).stdout == "x\n"


def test_default_database_type_from_main_cf(postern, postfix_ref, tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "main.cf").write_text("default_database_type = btree\n")
    src = tmp_path / "t"
    src.write_text("k v\n")
    r = pm(postern, "-c", str(cfg), str(src))
    assert r.returncode == 0, r.stderr
    r = postfix_ref.postmap("-q", "k", f"btree:{src}")
    assert (r.returncode, r.stdout) == (0, "v\n")
    r = pm(postern, "-c", str(cfg), "-q", "k", str(src))
    assert (r.returncode, r.stdout) == (0, "v\n")
    r = pm(postern, "-q", "k", f"hash:{src}")
    assert r.returncode == 1
    assert "fatal" in r.stderr


# ------------------------------------------------------------ pattern tables

PCRE_TABLE = r"""# pcre test table
/^user(\+.*)?@example\.com$/	local:$1
/^(.*)@(sub\.)?example\.org$/	${1}-at-${2}org
/^FOO$/i	toggled-case
/^Bar$/	default-insensitive
if /\.net$/
/^admin@/	net-admin
!/^x/	net-not-x
endif
/^a(b)c/	$1$1
/^lit/	dollar $$ sign
/x{3,}/	many-x
/ü/	utf8
/^multi$/	first part
  continued value
/^(\d+)\.(\d+)$/	${2}.${1}
/^ext (ended)? \s pat  $/x	extended
/^opt(ional)?-(.*)$/	[$1][$2]
/^[[:upper:]]+$/	all-upper
"""

REGEXP_TABLE = r"""# regexp test table
/^user(\+.*)?@example\.com$/	local:$1
/^(.*)@(sub\.)?example\.org$/	${1}-at-${2}org
/^FOO$/i	toggled-case
/^Bar$/	default-insensitive
if /\.net$/
/^admin@/	net-admin
!/^x/	net-not-x
endif
/^a(b)c/	$1$1
/^lit/	dollar $$ sign
/x{3,}/	many-x
/^([0-9]+)\.([0-9]+)$/	${2}.${1}
/^opt(ional)?-(.*)$/	[$1][$2]
/^a|b$/	alternative
/^multi$/	first part
  continued value
/^[[:upper:]]+$/	all-upper
"""

PATTERN_KEYS = [
    "user@example.com", "user+tag@example.com", "USER@example.com",
    "joe@example.org", "joe@sub.example.org", "foo", "FOO", "Foo", "bar",
    "Bar", "BAR", "admin@x.net", "xadmin@x.net", "yy@x.net", "x.net", "abc",
    "ABC", "lit", "litx", "xxx", "xx", "ü", "12.34", "multi", "ext pat",
    "extended pat", "optional-x", "opt-y", "opt-", "a", "b", "ab", "ZZZ",
    "", "with space", "tab\there",
]

CIDR_TABLE = """# cidr test table
192.168.0.0/16	private192
10.0.0.0/8	ten
10.1.0.0/16	shadowed
1.2.3.4	exact
1.2.3.4/32	exact-again
2001:db8::/32	v6doc
[2001:db8:1::]/48	v6bracket
::1	loop6
if 100.64.0.0/10
100.64.1.0/24	inner
!100.64.2.0/24	inner-negated
endif
if !198.18.0.0/15
203.0.113.0/24	test-net-3
endif
!172.16.0.0/12	not-172
0.0.0.0/0	any4
::/0	any6
"""

CIDR_KEYS = [
    "192.168.1.1", "10.1.2.3", "1.2.3.4", "1.2.3.5", "2001:db8::1",
    "2001:db8:1::5", "2001:DB8::1", "::1", "172.16.1.1", "172.32.0.1",
    "100.64.1.7", "100.64.2.7", "100.64.3.7", "203.0.113.9", "198.18.0.1",
    "fe80::1", "::ffff:1.2.3.4", "foo", "1.2.3", "300.1.1.1", "[::1]",
    "010.1.2.3", "",
]


@pytest.mark.parametrize("table_type,text,keys", [
    ("pcre", PCRE_TABLE, PATTERN_KEYS),
    ("regexp", REGEXP_TABLE, PATTERN_KEYS),
    ("cidr", CIDR_TABLE, CIDR_KEYS),
], ids=["pcre", "regexp", "cidr"])
def test_pattern_tables_answer_like_postfix(twin, table_type, text, keys):
    t = twin({"table": text})
    name = f"{table_type}:@D@/table"
    for key in keys:
        t.same("-q", key, name)
    # all keys in one run, and with -f (no effect on pattern tables)
    t.same("-q", "-", name, input="".join(k + "\n" for k in keys))
    t.same("-f", "-q", "-", name, input="".join(k + "\n" for k in keys))


def test_inline_and_static_tables(twin):
    t = twin({})
    for key in ["a", "A", "c", "nope"]:
        t.same("-q", key, "inline:{a=b, {c = d e}}")
    t.same("-s", "inline:{a=b, {c = d e}}", sort=True)
    t.same("-q", "anything", "static:{fixed value}")
    t.same("-q", "x", "inline:a=b")


@pytest.mark.parametrize("table_type,text", [
    ("pcre", "/ok/ OK\n/a(b/ BAD\n/x/ X\n/[/ ALSO-BAD\n"),
    ("pcre", "/ok/ OK\n/missing-end OOPS\n/y/q Y\nif /z/\n"),
    ("regexp", "/ok/ OK\n/a(b/ BAD\n/x/ X\n"),
    ("regexp", "/ok/ OK\nendif\n/z/ Z\n"),
    ("cidr", "10.0.0.0/8 TEN\n1.2.3.4/33 BAD\nfoo BAR\n10.1.0.0/8 HOST-BITS\n"
             "2001:db8::/129 BAD6\n192.0.2.0/24\n"),
], ids=["pcre-regex", "pcre-syntax", "regexp-regex", "regexp-endif", "cidr"])
def test_malformed_pattern_tables(twin, table_type, text):
    t = twin({"bad": text})
    name = f"{table_type}:@D@/bad"
    for key in ["ok", "x", "z", "10.1.1.1", "1.2.3.4", "nope"]:
        mine, ref = t.run("-q", key, name)
        # same answer and exit status ...
        assert (mine[0], mine[1]) == (ref[0], ref[1]), key
        # ... and each complaint names the file and the line
        assert len(mine[2]) >= 1, key
        for line in mine[2]:
            assert "bad, line " in line, line
        ref_lines = sorted(l.split(", line ")[1].split(":")[0]
                           for l in ref[2] if ", line " in l)
        mine_lines = sorted(l.split(", line ")[1].split(":")[0]
                            for l in mine[2])
        assert mine_lines == ref_lines, key


# ---------------------------------------------------------------- -b, -h, -F

MESSAGE = ("Subject: hello there\n"
           "X-Folded: first\n"
           "  second\n"
           "Header  : spaced name\n"
           "To: someone\n"
           "\n"
           "body line 1\n"
           "\n"
           "body line 3\n")


@pytest.mark.parametrize("options", [["-h"], ["-b"], ["-h", "-b"]])
@pytest.mark.parametrize("message", [
    MESSAGE,
    "From sender Mon Jan 1\nSubject: x\n\nbody\n",
    "Subject: x\nnot a header line\nX: y\n\nbody\n",
    "Subject: only headers\n",
    "\nbody without headers\n",
    "  leading continuation\nSubject: a\n",
    "A: b\r\n\r\nbody\r\n",
    "",
], ids=["normal", "from-line", "bad-header", "headers-only", "no-headers",
         "leading-space", "crlf", "empty"])
def test_header_and_body_query_mode(twin, options, message):
    t = twin({"all.pcre": "/(.*)/ [$1]\n",
              "some.regexp": "/^Subject: (.*)/ SUBJECT $1\n/^body/ BODY\n"})
    t.same(*options, "-q", "-", "pcre:@D@/all.pcre", input=message)
    t.same(*options, "-q", "-", "regexp:@D@/some.regexp", input=message)


def test_base64_file_values(twin):
    files = {"f1": "hello\nworld", "f2": "second\n", "empty": "",
             "t": "k1 f1\nk2 f1, f2\nk3 f2 f1\nk4 empty empty\n"
                  "k5 f1 nosuch\n",
             "plain": "a notbase64!\nb aGVsbG8=\n"}
    t = twin(files)
    # file names in the table are relative to the working directory, so
    # use absolute ones
    for d in (t.mine, t.ref):
        text = (d / "t").read_text()
        for name in ("f1", "f2", "empty", "nosuch"):
            text = text.replace(f" {name}", f" {d}/{name}")
        (d / "t").write_text(text)
    t.same("-F", "@D@/t")
    t.same("-s", "@D@/t", sort=True)
    t.same("-F", "-s", "@D@/t", sort=True)
    t.same("-F", "-q", "k3", "@D@/t")
    t.same("-F", "-q", "-", "@D@/t", input="k1\nk4\nnope\n")
    t.same("@D@/plain")
    t.same("-F", "-q", "b", "@D@/plain")
    mine, ref = t.run("-F", "-q", "a", "@D@/plain")
    assert (mine[0], mine[1]) == (ref[0], ref[1]) == (1, [])
    assert "malformed BASE64 value" in mine[2][0]
    mine, ref = t.run("-F", "-s", "@D@/plain")
    assert (mine[0], sorted(mine[1])) == (ref[0], sorted(ref[1]))


# ------------------------------------------------- permissions and ownership

@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o600])
@pytest.mark.parametrize("options", [[], ["-p"]])
def test_new_table_permissions_follow_source(twin, mode, options):
    t = twin({"t": "a b\n"})
    for d in (t.mine, t.ref):
        (d / "t").chmod(mode)
    old = os.umask(0o022)
    try:
        t.same(*options, "@D@/t")
    finally:
        os.umask(old)
    mine = stat.S_IMODE((t.mine / "t.db").stat().st_mode)
    ref = stat.S_IMODE((t.ref / "t.db").stat().st_mode)
    assert oct(mine) == oct(ref)
    # a rebuild keeps the mode of the existing table
    for d in (t.mine, t.ref):
        (d / "t").chmod(0o666)
    t.same("@D@/t")
    assert stat.S_IMODE((t.mine / "t.db").stat().st_mode) == mine


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to change owner")
def test_root_builds_as_source_owner(postern):
    nobody = pwd.getpwnam("nobody")
    d = Path(tempfile.mkdtemp(prefix="postern-postmap-"))
    try:
        d.chmod(0o777)
        src = d / "t"
        src.write_text("a b\n")
        os.chown(src, nobody.pw_uid, nobody.pw_gid)
        r = pm(postern, str(src))
        assert r.returncode == 0, r.stderr
        st = (d / "t.db").stat()
        assert (st.st_uid, st.st_gid) == (nobody.pw_uid, nobody.pw_gid)
        (d / "t.db").unlink()
        r = pm(postern, "-o", str(src))
        assert r.returncode == 0, r.stderr
        st = (d / "t.db").stat()
        assert (st.st_uid, st.st_gid) == (os.geteuid(), os.getegid())
        # ownership does not leak from one table to the next
        other = d / "u"
        other.write_text("c d\n")
        (d / "t.db").unlink()
        r = pm(postern, str(src), str(other))
        assert r.returncode == 0, r.stderr
        assert (d / "t.db").stat().st_uid == nobody.pw_uid
        assert (d / "u.db").stat().st_uid == os.geteuid()
    finally:
        for p in d.iterdir():
            p.unlink()
        d.rmdir()


# ----------------------------------------------------------- atomic rebuild

def test_readers_never_see_a_half_built_table(postern, tmp_path):
    """Rebuild a large table while another process keeps looking up the
    last key; every answer must be the old or the new value."""
    n = 100000
    src = tmp_path / "big"
    src.write_text("".join(f"key{i} old{i}\n" for i in range(n)))
    table = f"hash:{src}"
    assert pm(postern, table).returncode == 0
    src.write_text("".join(f"key{i} new{i}\n" for i in range(n)))
    last = f"key{n - 1}"
    answers = set()
    builder = subprocess.Popen(
        [str(postern.sbin("postmap")), table],
        env=dict(os.environ, MAIL_CONFIG=str(postern.config_dir)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def reader():
        while builder.poll() is None:
            r = pm(postern, "-q", last, table)
            answers.add((r.returncode, r.stdout))
    th = threading.Thread(target=reader)
    th.start()
    out, err = builder.communicate(timeout=300)
    th.join(timeout=60)
    assert builder.returncode == 0, err
    assert answers <= {(0, f"old{n - 1}\n"), (0, f"new{n - 1}\n")}, answers
    r = pm(postern, "-q", last, table)
    assert r.stdout == f"new{n - 1}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big", "big.db"]
