"""postalias(1): alias databases, side by side with Debian's Postfix 3.7.

Each test writes the same files into two directories, runs the same
command line through postern and through Postfix (with the same private
main.cf, so that YP_MASTER_NAME is the same), and compares exit status,
output and diagnostics.
"""
import random
import re
import time

import pytest

from test_postmap import Twin

MAIN_CF = "myhostname = host.example.com\n"

ALIASES = """# aliases(5) test file
Root: admin, bob@example.com
postmaster:root
mailer-daemon: postmaster
list: :include:/etc/mail/list, "|/usr/bin/prog arg",
  /var/mail/file
"odd name": x
"quoted:colon": y
"q@x": quoted-at
sp ace: z
pipe: |/bin/cat
devnull: /dev/null
bin: "|exit 67"
group: a, b(comment) , "c d" <c@d>, e@[192.0.2.1]
escaped: a\\,b, \\j, x\\"y
unterminated: "abc
dup: first
DUP: second
owner-list: root
weird: x . y , a<b>;<c> , ,
Ünïcode: é, ü
"""

BAD = """noval:
nocolon value
,comma: x
a,b: c
p@dom: q
o%p: x
 leading: x
ok: fine
: nothing
"""


def config_files(extra=None):
    files = {"cf/main.cf": MAIN_CF}
    files.update(extra or {})
    return files


@pytest.fixture
def twin(tmp_path, postern, postfix_ref):
    def make(files):
        t = Twin(tmp_path, postern, postfix_ref, config_files(files),
                 cmd="postalias")
        return t
    return make


def pa(t, *args, **kw):
    """Compare one postalias command in both directories."""
    return t.same("-c", "@D@/cf", *args, **kw)


EMPTY_VALUE_WARNING = re.compile(
    r"(empty string result is not allowed|should return NO RESULT)")


def listing(t, *args, empty_value_warnings=True):
    """-s output of both, as sets, with the time stamp made equal."""
    mine, ref = t.run("-c", "@D@/cf", "-s", *args)
    stamp = re.compile(r"^YP_LAST_MODIFIED:\t\d{10}$")

    def norm(lines):
        return sorted("YP_LAST_MODIFIED:\t<time>" if stamp.match(l) else l
                      for l in lines)

    def errors(lines):
        if empty_value_warnings:
            return lines
        return [l for l in lines if not EMPTY_VALUE_WARNING.search(l)]
    assert (mine[0], norm(mine[1]), errors(mine[2])) == \
        (ref[0], norm(ref[1]), errors(ref[2]))
    return norm(mine[1])


# --------------------------------------------------------------- building

@pytest.mark.parametrize("dbtype", ["hash", "btree"])
def test_build_and_list_like_postfix(twin, dbtype):
    t = twin({"aliases": ALIASES})
    mine = pa(t, f"{dbtype}:@D@/aliases")
    assert 'duplicate entry: "dup"' in "\n".join(mine[2])
    lines = listing(t, f"{dbtype}:@D@/aliases")
    assert "@:\t@" in lines
    assert "YP_MASTER_NAME:\thost.example.com" in lines
    assert "YP_LAST_MODIFIED:\t<time>" in lines
    assert 'list:\t:include:/etc/mail/list, "|/usr/bin/prog arg", ' \
        '/var/mail/file' in lines
    assert "odd name:\tx" in lines
    assert "pipe:\t|/bin/cat" in lines


def test_time_stamp_is_current(postern, tmp_path):
    (tmp_path / "a").write_text("x: y\n")
    before = int(time.time())
    assert postern.run("postalias", str(tmp_path / "a")).returncode == 0
    r = postern.run("postalias", "-f", "-q", "YP_LAST_MODIFIED",
                    str(tmp_path / "a"))
    assert r.returncode == 0
    assert re.fullmatch(r"\d{10}\n", r.stdout)
    assert before <= int(r.stdout) <= int(time.time())


def test_query_each_name_like_postfix(twin):
    t = twin({"aliases": ALIASES})
    pa(t, "@D@/aliases")
    for key in ["root", "ROOT", "Root", "postmaster", "list", "odd name",
                '"odd name"', "quoted:colon", "q@x", "sp ace", "pipe", "bin",
                "group", "escaped", "unterminated", "dup", "owner-list",
                "weird", "ünïcode", "Ünïcode", "@", "nope",
                "YP_MASTER_NAME", "yp_master_name"]:
        pa(t, "-q", key, "@D@/aliases")
    pa(t, "-f", "-q", "YP_MASTER_NAME", "@D@/aliases")
    pa(t, "-q", "-", "@D@/aliases",
       input="root\nnope\nLIST\n@\npipe\n")
    pa(t, "-q", "-", "@D@/aliases", input="nope\n")


def test_malformed_lines_name_file_and_line(twin):
    t = twin({"bad": BAD})
    mine = pa(t, "@D@/bad")
    err = "\n".join(mine[2])
    assert "bad, line 1: need name:value pair" in err
    assert "bad, line 5: name must be local" in err
    listing(t, "@D@/bad")


def _random_alias_file(seed):
    """Lines that exercise every corner of the RFC 822 tokenizer."""
    rnd = random.Random(seed)
    alphabet = list("abcXY ") * 3 + list('"\\()<>@,;:.[]!%|\t#-=') + \
        ["\x01", "\x7f", "é"]
    lines = []
    for i in range(80):
        key = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 4)))
        value = "".join(rnd.choice(alphabet)
                        for _ in range(rnd.randint(0, 16)))
        line = f"k{i}{key.replace(chr(9), '')}:{value}".rstrip(" \t")
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(8))
def test_value_normalisation_matches_postfix(twin, seed):
    t = twin({"aliases": _random_alias_file(seed)})
    pa(t, "@D@/aliases")
    # A lone trailing backslash makes an empty value; the warnings about
    # that have their own test below.
    listing(t, "@D@/aliases", empty_value_warnings=False)


def test_empty_value_is_stored_and_flagged_when_listed(twin):
    t = twin({"aliases": "empty: \\\nfull: x\n"})
    pa(t, "@D@/aliases")
    pa(t, "-q", "empty", "@D@/aliases")
    listing(t, "@D@/aliases")


# ----------------------------------------------- signatures and updates

def test_incremental_update_replaces_signatures(twin):
    t = twin({"aliases": ALIASES})
    pa(t, "@D@/aliases")
    pa(t, "-i", "@D@/aliases", input="new: x, y\nroot: other\n")
    pa(t, "-i", "@D@/aliases", input="zz: y\n")
    pa(t, "-w", "-i", "@D@/aliases", input="zz: changed\n")
    pa(t, "-q", "zz", "@D@/aliases")
    pa(t, "-r", "-i", "@D@/aliases", input="zz: changed\n")
    pa(t, "-q", "zz", "@D@/aliases")
    listing(t, "@D@/aliases")
    # a new table made by an update gets the signatures too
    pa(t, "-i", "@D@/fresh", input="a: b\n")
    listing(t, "@D@/fresh")


def test_at_entry_from_source_and_empty_file(twin):
    t = twin({"at": '"@": from-source\n', "empty": "",
              "yp": "YP_MASTER_NAME: mine\n"})
    pa(t, "@D@/at")
    pa(t, "-q", "@", "@D@/at")
    pa(t, "@D@/empty")
    listing(t, "@D@/empty")
    pa(t, "-f", "@D@/yp")
    listing(t, "@D@/yp")


def test_yp_entries_have_no_nul_and_no_folding(twin):
    t = twin({"aliases": "a: b\n"})
    pa(t, "@D@/aliases")
    pa(t, "-q", "YP_MASTER_NAME", "@D@/aliases")
    pa(t, "-f", "-q", "YP_MASTER_NAME", "@D@/aliases")
    pa(t, "-f", "-n", "-q", "YP_MASTER_NAME", "@D@/aliases")
    pa(t, "-f", "-N", "-q", "YP_MASTER_NAME", "@D@/aliases")
    pa(t, "-n", "-q", "@", "@D@/aliases")
    pa(t, "-N", "-q", "@", "@D@/aliases")
    pa(t, "-n", "@D@/aliases")
    pa(t, "-N", "-q", "a", "@D@/aliases")
    pa(t, "-n", "-q", "a", "@D@/aliases")
    listing(t, "@D@/aliases")


def test_delete(twin):
    t = twin({"aliases": ALIASES})
    pa(t, "@D@/aliases")
    pa(t, "-d", "root", "@D@/aliases")
    pa(t, "-d", "root", "@D@/aliases")
    pa(t, "-d", "-", "@D@/aliases", input="nope\nPIPE\nlist\n")
    pa(t, "-d", "-", "@D@/aliases", input="nope\n")
    listing(t, "@D@/aliases")


# ------------------------------------------------------ compatibility

@pytest.mark.parametrize("dbtype", ["hash", "btree"])
def test_databases_are_interchangeable_with_postfix(postern, postfix_ref,
                                                    tmp_path, dbtype):
    (tmp_path / "aliases").write_text(ALIASES)
    table = f"{dbtype}:{tmp_path / 'aliases'}"
    assert postern.run("postalias", table).returncode == 0
    r = postfix_ref.postalias("-q", "list", table)
    assert (r.returncode, r.stdout) == (
        0, ':include:/etc/mail/list, "|/usr/bin/prog arg", /var/mail/file\n')
    r = postfix_ref.postalias("-q", "@", table)
    assert (r.returncode, r.stdout) == (0, "@\n")
    r = postfix_ref.postmap("-q", "bin", table)
    assert r.stdout == '"|exit 67"\n'
    assert postfix_ref.postalias(table).returncode == 0
    r = postern.run("postalias", "-q", "group", table)
    assert (r.returncode, r.stdout) == (
        0, 'a, b (comment), "c d" <c@d>, e@[192.0.2.1]\n')
    r = postern.run("postmap", "-q", "odd name", table)
    assert (r.returncode, r.stdout) == (0, "x\n")


def test_usage_and_errors(twin):
    t = twin({"aliases": "a: b\n", "p.pcre": "/x/ y\n"})
    t.same()
    t.same("-q", "a")
    t.same("-x", "@D@/aliases")
    t.same("-F", "@D@/aliases")
    t.same("-h", "@D@/aliases")
    pa(t, "@D@/nosuch")
    pa(t, "-q", "a", "@D@/nosuch")
    pa(t, "pcre:@D@/p.pcre")
    pa(t, "-q", "a", "-s", "@D@/aliases")
    pa(t, "-d", "a", "-q", "a", "@D@/aliases")
    pa(t, "-q", "x", "pcre:@D@/p.pcre")
    pa(t, "-q", "a", "inline:{a=b}")
