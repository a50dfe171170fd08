"""The build and install layout an operator relies on (issue: foundation).

`make install prefix=DIR` must lay out sbin/, libexec/postern/, the
configuration directory and the manual pages, never overwrite an existing
main.cf/master.cf, and configure must name the Debian package of any
missing library."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SRCDIR, _run

COMMANDS = ["postconf", "postmap", "postalias"]


def test_commands_installed_in_sbin(postern):
    for name in COMMANDS:
        path = postern.sbin(name)
        assert path.is_file(), f"{path} missing"
        assert os.access(path, os.X_OK)


def test_install_lays_out_every_directory(postern):
    for d in ["sbin", "libexec/postern", "etc/postfix",
              "share/man/man1", "share/man/man5", "share/man/man8"]:
        assert (postern.prefix / d).is_dir(), f"{d} missing under the prefix"


def test_config_files_installed_under_prefix(postern):
    etc = postern.prefix / "etc" / "postfix"
    assert (etc / "main.cf").read_text() == (SRCDIR / "conf/main.cf").read_text()
    assert (etc / "master.cf").read_text() == (SRCDIR / "conf/master.cf").read_text()


def test_every_command_has_a_man_page(postern):
    man = postern.prefix / "share" / "man"
    for name in COMMANDS:
        page = man / "man1" / f"{name}.1"
        assert page.is_file(), f"no man page for {name}"
        # man(1) can render it without errors.
        r = _run(["man", "--warnings", "-l", "-Tutf8", page],
                 env={"MANWIDTH": "80"}) if shutil.which("man") else None
        if r is not None:
            assert r.returncode == 0, r.stderr
            assert name in r.stdout.lower()
    assert (man / "man5" / "postconf.5").is_file()


def test_install_keeps_existing_configuration(tmp_path):
    builddir = os.environ.get("POSTERN_BUILDDIR", str(SRCDIR))
    prefix = tmp_path / "p"
    r = _run(["make", "-s", "-C", builddir, "install", f"prefix={prefix}"], timeout=300)
    assert r.returncode == 0, r.stderr
    main_cf = prefix / "etc" / "postfix" / "main.cf"
    main_cf.write_text("myhostname = kept.example\n")
    r = _run(["make", "-s", "-C", builddir, "install", f"prefix={prefix}"], timeout=300)
    assert r.returncode == 0, r.stderr
    assert main_cf.read_text() == "myhostname = kept.example\n"
    assert (prefix / "sbin" / "postconf").is_file()


@pytest.fixture(scope="module")
def configure_copy(tmp_path_factory):
    """A copy of the generated configure script with just what it needs,
    so it can run apart from the configured source tree."""
    if not (SRCDIR / "configure").exists():
        pytest.skip("configure has not been generated (run autoreconf -fi)")
    d = tmp_path_factory.mktemp("configure")
    for name in ["configure", "Makefile.in", "config.h.in"]:
        shutil.copy(SRCDIR / name, d / name)
    shutil.copytree(SRCDIR / "build-aux", d / "build-aux")
    (d / "lib" / "util").mkdir(parents=True)
    shutil.copy(SRCDIR / "lib/util/msg.c", d / "lib/util/msg.c")
    return d


@pytest.mark.parametrize("override,package", [
    ("PKG_CONFIG_LIBDIR=/nonexistent", "libssl-dev"),
    ("ac_cv_header_db_h=no", "libdb-dev"),
    ("ac_cv_lib_spf2_SPF_server_new=no", "libspf2-dev"),
    ("ac_cv_header_opendkim_dkim_h=no", "libopendkim-dev"),
    ("ac_cv_header_libmilter_mfapi_h=no", "libmilter-dev"),
])
def test_configure_names_missing_debian_package(configure_copy, override, package):
    env = dict(os.environ)
    name, _, value = override.partition("=")
    args = ["./configure", "-q"]
    if name.startswith("ac_cv_"):
        args.append(override)
    else:
        env[name] = value
    r = subprocess.run(args, cwd=configure_copy, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert f"install the Debian package {package}" in r.stderr
