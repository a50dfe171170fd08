"""The postfix(1) control command: start, stop, abort, reload, status,
check, set-permissions, start-fg; -c and MAIL_CONFIG; messages and exit
codes as Postfix's.

Every test that starts an instance stops it again (the `pf` fixture
aborts whatever still runs), and the stop tests scan /proc to prove that
no process of the instance is left behind."""
import grp
import os
import pwd
import re
import signal
import socket
import stat
import subprocess

import pytest

from conftest import wait_for

AS_ROOT = os.getuid() == 0

# name: (owner is mail_owner, group is setgid_group, mode), as Debian's
# Postfix 3.7 creates them.
QUEUE_DIRS = {
    "active": (True, False, 0o700),
    "bounce": (True, False, 0o700),
    "corrupt": (True, False, 0o700),
    "defer": (True, False, 0o700),
    "deferred": (True, False, 0o700),
    "flush": (True, False, 0o700),
    "hold": (True, False, 0o700),
    "incoming": (True, False, 0o700),
    "private": (True, False, 0o700),
    "maildrop": (True, True, 0o730),
    "public": (True, True, 0o710),
    "pid": (False, False, 0o755),
    "saved": (True, False, 0o700),
    "trace": (True, False, 0o700),
}

RUNNING_RE = re.compile(
    r"postfix/postfix-script: the Postfix mail system is running: PID: (\d+)")


def instance_processes(inst):
    """Live processes of the instance: MAIL_CONFIG=<its config dir> in the
    environment, or its directory on the command line.  Zombies hold
    nothing and count as gone."""
    marker_env = f"MAIL_CONFIG={inst.config_dir}".encode()
    marker_cmd = str(inst.root).encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
            if state in (b"Z", b"X"):
                continue
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read()
            try:
                with open(f"/proc/{name}/environ", "rb") as f:
                    environ = f.read().split(b"\0")
            except PermissionError:
                environ = []
        except (OSError, IndexError):
            continue
        if marker_env in environ or marker_cmd in cmdline:
            found.append((int(name), cmdline.replace(b"\0", b" ").decode(
                errors="replace")))
    return found


def owner_uid(inst):
    return pwd.getpwnam(inst.user).pw_uid if AS_ROOT else os.getuid()


def master_pid(inst):
    """The pid in master.pid; a master that just took the lock may not
    have written it yet, so wait for it."""
    path = inst.queue_dir / "pid" / "master.pid"
    return int(wait_for(lambda: path.read_text().strip(), timeout=10,
                        what=f"a process ID in {path}"))


class Pf:
    """Runs `postfix` for one instance and remembers to stop it."""

    def __init__(self, inst):
        self.inst = inst

    def __call__(self, *args, **kw):
        return self.inst.run("postfix", *args, **kw)

    def start(self):
        r = self("start")
        assert r.returncode == 0, r.stdout + r.stderr
        return r

    def cleanup(self):
        if self("status").returncode == 0:
            self("abort", timeout=120)


@pytest.fixture
def pf(instance):
    p = Pf(instance)
    yield p
    p.cleanup()


# ---- status, start ---------------------------------------------------------

def test_status_exits_1_before_start_and_0_with_master_pid_after(pf, instance):
    r = pf("status")
    assert r.returncode == 1
    assert "postfix/postfix-script: the Postfix mail system is not running" \
        in r.stderr
    assert "fatal" not in r.stderr

    r = pf.start()
    assert "postfix/postfix-script: starting the Postfix mail system" \
        in r.stderr
    r = pf("status")
    assert r.returncode == 0, r.stderr
    m = RUNNING_RE.search(r.stderr)
    assert m, r.stderr
    assert int(m.group(1)) == master_pid(instance)


def test_start_twice_refuses(pf):
    pf.start()
    r = pf("start")
    assert r.returncode == 1
    assert ("postfix/postfix-script: fatal: the Postfix mail system is "
            "already running") in r.stderr
    assert "starting the Postfix mail system" not in r.stderr
    assert pf("status").returncode == 0


def test_messages_also_go_to_maillog(pf, instance):
    pf("status")
    log = instance.maillog.read_text()
    assert re.search(r" postfix/postfix-script\[\d+\]: the Postfix mail "
                     r"system is not running\n", log), log


def test_syslog_name_names_the_messages(pf, instance):
    instance.append_main_cf("syslog_name = pst")
    r = pf("status")
    assert "pst/postfix-script: the Postfix mail system is not running" \
        in r.stderr
    assert re.search(r" pst/postfix-script\[\d+\]: ",
                     instance.maillog.read_text())


# ---- stop, abort, reload -----------------------------------------------------

@pytest.mark.parametrize("command,message", [
    ("stop", "stopping the Postfix mail system"),
    ("abort", "aborting the Postfix mail system"),
])
def test_stop_and_abort_return_only_when_every_process_is_gone(
        pf, instance, command, message):
    pf.start()
    assert instance_processes(instance), "the instance runs no process"
    # Hold sessions open with the daemons that are installed: the master
    # must end those children too before stop returns.
    sessions = []
    if instance.postern.libexec("cleanup").exists():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(instance.queue_dir / "public" / "cleanup"))
        sessions.append(s)
    if instance.postern.libexec("smtpd").exists():
        s = socket.create_connection(("127.0.0.1", instance.port("smtp")),
                                     timeout=30)
        s.settimeout(30)
        sessions.append(s)
        assert s.recv(512).startswith(b"220")
    wait_for(lambda: len(instance_processes(instance)) > len(sessions),
             timeout=15, what="a child of the master for each session")
    try:
        r = pf(command, timeout=120)
    finally:
        for s in sessions:
            s.close()
    assert r.returncode == 0, r.stderr
    assert f"postfix/postfix-script: {message}" in r.stderr
    # No waiting here: stop has already waited.
    assert instance_processes(instance) == []
    r = pf("status")
    assert r.returncode == 1
    assert "the Postfix mail system is not running" in r.stderr


@pytest.mark.parametrize("command", ["stop", "abort", "reload"])
def test_commands_refuse_when_not_running(pf, command):
    r = pf(command)
    assert r.returncode == 1
    assert ("postfix/postfix-script: fatal: the Postfix mail system is not "
            "running") in r.stderr


def test_start_after_stop_works(pf):
    pf.start()
    assert pf("stop", timeout=120).returncode == 0
    pf.start()
    assert pf("status").returncode == 0


def test_reload_signals_the_master(pf, instance):
    pf.start()
    pid = master_pid(instance)
    r = pf("reload")
    assert r.returncode == 0, r.stderr
    assert "postfix/postfix-script: refreshing the Postfix mail system" \
        in r.stderr
    wait_for(lambda: re.search(rf"postfix/master\[{pid}\]: reload",
                               instance.maillog.read_text()),
             timeout=15, what="the master's reload log line")
    assert master_pid(instance) == pid
    assert pf("status").returncode == 0


def test_start_fg_runs_in_the_foreground_until_sigterm(pf, instance):
    p = instance.spawn([instance.postern.sbin("postfix"), "-c",
                        instance.config_dir, "start-fg"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: pf("status").returncode == 0, timeout=30,
             what="start-fg to bring the master up")
    # start-fg becomes the master: the same process.
    assert master_pid(instance) == p.pid
    assert p.poll() is None
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    err = p.stderr.read().decode()
    assert "starting the Postfix mail system" in err
    wait_for(lambda: pf("status").returncode == 1, timeout=30,
             what="status to say not running")


# ---- check, set-permissions ------------------------------------------------

def assert_queue_dirs(inst):
    uid = owner_uid(inst)
    qst = os.stat(inst.queue_dir)
    assert stat.S_IMODE(qst.st_mode) == 0o755
    for name, (mail_owned, setgid, mode) in QUEUE_DIRS.items():
        st = os.lstat(inst.queue_dir / name)
        assert stat.S_ISDIR(st.st_mode), name
        assert stat.S_IMODE(st.st_mode) == mode, \
            f"{name}: {oct(stat.S_IMODE(st.st_mode))}"
        if AS_ROOT:
            assert st.st_uid == (uid if mail_owned else 0), name
            if setgid:
                assert st.st_gid == grp.getgrnam(inst.group).gr_gid, name
        else:
            assert st.st_uid == uid, name
    st = os.stat(inst.data_dir)
    assert stat.S_IMODE(st.st_mode) == 0o700
    assert st.st_uid == uid


def test_check_creates_every_queue_directory(pf, instance):
    instance.data_dir.rmdir()
    assert not any(instance.queue_dir.iterdir())
    r = pf("check")
    assert r.returncode == 0, r.stderr
    assert_queue_dirs(instance)
    # A second check finds nothing wrong with what the first one made.
    r = pf("check")
    assert r.returncode == 0
    assert str(instance.queue_dir) not in r.stderr, r.stderr
    assert str(instance.data_dir) not in r.stderr, r.stderr


def test_check_reports_a_wrong_mode_and_owner(pf, instance):
    assert pf("check").returncode == 0
    incoming = instance.queue_dir / "incoming"
    incoming.chmod(0o777)
    r = pf("check")
    assert r.returncode == 0
    assert (f"postfix/postfix-script: warning: wrong mode 0777 (expected "
            f"0700): {incoming}") in r.stderr
    # check only reports; set-permissions repairs.
    assert stat.S_IMODE(incoming.stat().st_mode) == 0o777
    if AS_ROOT:
        os.chown(instance.queue_dir / "hold", 0, -1)
        r = pf("check")
        assert (f"warning: not owned by {instance.user}: "
                f"{instance.queue_dir / 'hold'}") in r.stderr


def test_check_warns_about_writable_config(pf, instance):
    cf = instance.config_dir / "main.cf"
    cf.chmod(0o666)
    r = pf("check")
    assert r.returncode == 0
    assert f"warning: group or other writable: {cf}" in r.stderr


def test_check_fails_without_master_cf(pf, instance):
    (instance.config_dir / "master.cf").unlink()
    r = pf("check")
    assert r.returncode == 1
    assert f"fatal: no {instance.config_dir}/master.cf file found" in r.stderr


def test_check_warns_about_services_without_program(pf, instance):
    with open(instance.config_dir / "master.cf", "a") as f:
        f.write("nosuch    unix  -       -       n       -       -       "
                "no-such-daemon\n")
    r = pf("check")
    assert r.returncode == 0
    assert re.search(r"warning: .*master\.cf, line \d+: service nosuch/unix: "
                     r"program .*/no-such-daemon is not installed", r.stderr), \
        r.stderr


def test_set_permissions_repairs_modes_and_owners(pf, instance):
    assert pf("check").returncode == 0
    incoming = instance.queue_dir / "incoming"
    incoming.chmod(0o777)
    (instance.queue_dir / "public").chmod(0o777)
    hashed = incoming / "A"
    hashed.mkdir()
    hashed.chmod(0o755)
    if AS_ROOT:
        os.chown(instance.queue_dir / "deferred", 0, 0)
        os.chown(hashed, 0, 0)
        (instance.queue_dir / "maildrop").chmod(0o700)
        os.chown(instance.queue_dir / "maildrop", 0, 0)
    r = pf("set-permissions")
    assert r.returncode == 0, r.stderr
    hashed.rmdir()
    assert_queue_dirs(instance)
    r = pf("check")
    assert str(instance.queue_dir) not in r.stderr, r.stderr


def test_set_permissions_keeps_file_modes(pf, instance):
    assert pf("check").returncode == 0
    qfile = instance.queue_dir / "active" / "ABCDEF1234"
    qfile.write_text("x")
    qfile.chmod(0o700)      # a complete queue file
    if AS_ROOT:
        os.chown(qfile, 0, 0)
    assert pf("set-permissions").returncode == 0
    st = qfile.stat()
    assert stat.S_IMODE(st.st_mode) == 0o700
    assert st.st_uid == owner_uid(instance)


def test_check_reports_damaged_messages(pf, instance):
    assert pf("check").returncode == 0
    bad = instance.queue_dir / "corrupt" / "0123456789"
    bad.write_text("x")
    if AS_ROOT:
        os.chown(bad, owner_uid(instance), -1)
    r = pf("check")
    assert f"warning: damaged message: {bad}" in r.stderr


@pytest.mark.skipif(not AS_ROOT, reason="mail_owner applies to root only")
@pytest.mark.parametrize("setting,message", [
    ("mail_owner = no-such-user-x",
     "parameter mail_owner: unknown user name value: no-such-user-x"),
    ("mail_owner = root",
     "parameter mail_owner: user root has privileged user ID"),
    ("setgid_group = no-such-group-x",
     "parameter setgid_group: unknown group name: no-such-group-x"),
])
def test_bad_mail_owner_is_fatal_as_root(pf, instance, setting, message):
    instance.append_main_cf(setting)
    for command in ("check", "start"):
        r = pf(command)
        assert r.returncode == 1
        assert f"postfix: fatal: file {instance.config_dir}/main.cf: " \
            f"{message}" in r.stderr
    assert not any(instance.queue_dir.iterdir())


@pytest.mark.skipif(AS_ROOT, reason="tests the non-root instance")
def test_other_mail_owner_only_warns_when_not_root(pf, instance):
    instance.append_main_cf("mail_owner = postfix")
    instance.data_dir.rmdir()
    r = pf("check")
    assert r.returncode == 0, r.stderr
    assert "warning: not running as root: mail_owner postfix does not " \
        "apply" in r.stderr
    assert_queue_dirs(instance)


# ---- command line, configuration ---------------------------------------------

def test_unknown_command_is_refused_with_usage(pf):
    r = pf("bogus")
    assert r.returncode == 1
    assert ("postfix/postfix-script: fatal: unknown command: 'bogus'. "
            "Usage: postfix start (or ") in r.stderr
    r = pf()
    assert r.returncode == 1
    assert "fatal: unknown command: ''" in r.stderr


def test_bad_option_prints_usage(pf):
    r = pf("-x", "status")
    assert r.returncode == 1
    assert "postfix: fatal: usage: postfix [-c config_dir] [-Dv] command" \
        in r.stderr


def test_dash_d_is_accepted(pf):
    r = pf("-D", "status")
    assert r.returncode == 1
    assert "the Postfix mail system is not running" in r.stderr


def test_dash_c_beats_mail_config(pf, instance):
    # postern.run() points MAIL_CONFIG at an empty default configuration.
    run = instance.postern.run
    c = ("-c", str(instance.config_dir))
    r = run("postfix", *c, "status",
            env={"MAIL_CONFIG": "/nonexistent/postern"})
    assert r.returncode == 1
    assert "the Postfix mail system is not running" in r.stderr
    assert "nonexistent" not in r.stderr

    r = run("postfix", *c, "start")
    assert r.returncode == 0, r.stderr
    r = run("postfix", *c, "status")
    assert r.returncode == 0
    assert int(RUNNING_RE.search(r.stderr).group(1)) == master_pid(instance)
    r = run("postfix", *c, "stop", timeout=120)
    assert r.returncode == 0, r.stderr
    assert instance_processes(instance) == []


def test_mail_config_selects_the_instance(pf, instance):
    r = instance.postern.run("postfix", "status",
                             env={"MAIL_CONFIG": "/nonexistent/postern"})
    assert r.returncode == 1
    assert "postfix: fatal: open /nonexistent/postern/main.cf" in r.stderr
    r = instance.postern.run("postfix", "status",
                             env={"MAIL_CONFIG": str(instance.config_dir)})
    assert r.returncode == 1
    assert "the Postfix mail system is not running" in r.stderr


def test_relative_config_dir_is_refused(pf, instance):
    r = pf("-c", "etc", "status")
    assert r.returncode == 1
    assert "postfix: fatal: -c requires absolute pathname" in r.stderr


def test_main_cf_error_names_file_and_line(pf, instance):
    lines = (instance.config_dir / "main.cf").read_text().count("\n")
    instance.append_main_cf("this line has no equals sign")
    r = pf("status")
    assert r.returncode == 1
    assert re.search(rf"postfix: fatal: {re.escape(str(instance.config_dir))}"
                     rf"/main\.cf, line {lines + 2}: ", r.stderr), r.stderr


def test_maillog_file_outside_prefixes_is_refused(pf, instance):
    instance.append_main_cf("maillog_file_prefixes = /var")
    r = pf("status")
    assert r.returncode == 1
    assert (f"postfix: fatal: maillog_file value '{instance.maillog}' does "
            f"not match any prefix in maillog_file_prefixes") in r.stderr


def test_start_reports_a_master_that_fails_to_start(pf, instance):
    # Something else holds the smtp port: the master cannot bind it.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", instance.port("smtp")))
        busy.listen()
        r = pf("start")
    assert r.returncode == 1
    assert "postfix/postfix-script: fatal: mail system startup failed" \
        in r.stderr
    assert pf("status").returncode == 1
    assert instance_processes(instance) == []


def test_set_permissions_updates_main_cf_first(pf, instance):
    r = pf("set-permissions", "delay_warning_time=4h")
    assert r.returncode == 0, r.stderr
    r = instance.postconf("-h", "delay_warning_time")
    assert r.stdout.strip() == "4h"
    assert_queue_dirs_exist(instance)
    r = pf("set-permissions", "novalue")
    assert r.returncode == 1
    assert "expected name=value" in r.stderr


def assert_queue_dirs_exist(inst):
    for name in QUEUE_DIRS:
        assert (inst.queue_dir / name).is_dir(), name


def test_check_fails_on_a_master_cf_error(pf, instance):
    with open(instance.config_dir / "master.cf", "a") as f:
        f.write("broken    nosuchtype  -  -  n  -  -  smtpd\n")
    r = pf("check")
    assert r.returncode == 1
    assert re.search(rf"fatal: {re.escape(str(instance.config_dir))}"
                     rf"/master\.cf, line \d+: ", r.stderr), r.stderr
    assert pf("start").returncode == 1
    assert instance_processes(instance) == []


def test_check_warns_about_bad_main_cf_values(pf, instance):
    lines = (instance.config_dir / "main.cf").read_text().count("\n")
    instance.append_main_cf("smtpd_recipient_limit = lots\n"
                            "disable_vrfy_command = maybe")
    r = pf("check")
    assert r.returncode == 0, r.stderr
    cf = f"{instance.config_dir}/main.cf"
    assert (f"warning: {cf}, line {lines + 2}: bad numerical configuration: "
            f"smtpd_recipient_limit = lots") in r.stderr
    assert (f"warning: {cf}, line {lines + 3}: bad boolean configuration: "
            f"disable_vrfy_command = maybe") in r.stderr


@pytest.mark.skipif(not AS_ROOT, reason="only root changes owners")
def test_set_permissions_does_not_follow_links_out_of_the_queue(pf, instance):
    """mail_owner can write in the queue; it must not be able to make root
    chown a file elsewhere through a symbolic or hard link."""
    assert pf("check").returncode == 0
    victim = instance.root / "victim"
    victim.write_text("secret")
    os.chown(victim, 0, 0)
    (instance.queue_dir / "incoming" / "SYMLINK").symlink_to(victim)
    hard = instance.queue_dir / "active" / "HARDLINK"
    os.link(victim, hard)
    r = pf("set-permissions")
    assert f"warning: not changing the owner of {hard}: it has 2 hard " \
        f"links" in r.stderr
    assert r.returncode == 1
    assert victim.stat().st_uid == 0
    assert os.lstat(instance.queue_dir / "incoming" / "SYMLINK").st_uid == \
        owner_uid(instance)


# ---- side by side with Debian's Postfix --------------------------------------

def postfix_instance(root):
    """A private Debian Postfix configuration under root."""
    etc, queue, data = root / "etc", root / "queue", root / "data"
    etc.mkdir(parents=True)
    queue.mkdir()       # Postfix wants it, as our fixture has it
    (etc / "main.cf").write_text(
        f"queue_directory = {queue}\n"
        f"data_directory = {data}\n"
        f"maillog_file = {root}/maillog\n"
        f"maillog_file_prefixes = {root}\n"
        f"compatibility_level = 3.6\n")
    (etc / "master.cf").write_text(
        "postlog   unix-dgram n  -       n       -       1       postlogd\n")
    return etc, queue, data


def script_messages(maillog):
    """The postfix-script messages of a log, without time, host and pid."""
    return [re.sub(r"^.*? postfix/postfix-script\[\d+\]: ", "", line)
            for line in maillog.read_text().splitlines()
            if "postfix/postfix-script[" in line]


@pytest.mark.skipif(not AS_ROOT, reason="Debian's Postfix runs as root only")
def test_check_makes_the_same_directories_as_postfix(pf, instance,
                                                     postfix_ref):
    if not os.path.exists("/usr/sbin/postfix"):
        pytest.skip("Debian's postfix command is not installed")
    etc, queue, data = postfix_instance(instance.root / "ref")
    r = subprocess.run(["/usr/sbin/postfix", "-c", str(etc), "check"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    instance.data_dir.rmdir()
    assert pf("check").returncode == 0

    def shape(path):
        st = os.lstat(path)
        return (pwd.getpwuid(st.st_uid).pw_name,
                grp.getgrgid(st.st_gid).gr_name, oct(stat.S_IMODE(st.st_mode)))
    assert shape(instance.queue_dir) == shape(queue)
    assert shape(instance.data_dir) == shape(data)
    names = sorted(p.name for p in queue.iterdir())
    assert sorted(p.name for p in instance.queue_dir.iterdir()) == names
    for name in names:
        assert shape(instance.queue_dir / name) == shape(queue / name), name


@pytest.mark.skipif(not AS_ROOT, reason="Debian's Postfix runs as root only")
def test_messages_match_postfix_when_not_running(pf, instance, postfix_ref):
    if not os.path.exists("/usr/sbin/postfix"):
        pytest.skip("Debian's postfix command is not installed")
    ref_root = instance.root / "ref"
    etc, _, _ = postfix_instance(ref_root)
    commands = ("status", "stop", "reload", "abort")
    for command in commands:
        r = subprocess.run(["/usr/sbin/postfix", "-c", str(etc), command],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 1
        assert pf(command).returncode == 1
    expected = script_messages(ref_root / "maillog")
    assert len(expected) == len(commands)
    assert script_messages(instance.maillog) == expected


def test_maillog_file_needs_a_postlog_service(pf, instance):
    cf = instance.config_dir / "master.cf"
    cf.write_text("".join(line + "\n" for line in cf.read_text().splitlines()
                          if not line.startswith("postlog ")))
    for command in ("check", "start"):
        r = pf(command)
        assert r.returncode == 1
        assert "fatal: missing 'postlog' service in master.cf" in r.stderr
    assert instance_processes(instance) == []
