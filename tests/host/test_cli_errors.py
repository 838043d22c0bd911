"""No traceback, ever, for a user's mistake: every subcommand of the real command tree (walked
through click, so a command added later is covered too) gets bad inputs and must answer with one
line on stderr, `micromarket: what went wrong — what to do`, naming what was wrong, and a
non-zero exit.

Each command gets the generic mistakes (an unknown option, a stray argument, a value given to a
flag, an option left without its value, a word where a number goes) and, for every option it
has whose name is in BAD, the mistakes of that option: a missing or wrong port, a plain file for a
port, files of the wrong type, missing keys, a wrong passphrase, out-of-range numbers, unknown
names. The other required options get plausible values (BASE), so that the bad one is what the
command trips over. Everything runs in this process, on a state home of its own.
"""

import signal
import sys
from pathlib import Path

import click
import pytest

sys.path.insert(0, str(Path(__file__).parent / "device"))
from espfw import merged_firmware  # noqa: E402 - a well-formed ESP32 firmware to flash

from micromarket import keys
from micromarket.cli import cli, main

# Files the cases point at; made once per test in `files`.
TEXT = "{tmp}/notes.txt"          # a plain text file: no port, no database, no firmware, no key
EMPTY = "{tmp}/empty"             # an empty directory: no keys in it
LOCKED = "{tmp}/locked"           # keys under the passphrase "right"
WRONG = "{tmp}/wrong-passphrase"  # holds "wrong"
MISSING = "{tmp}/missing/nothing.here"

# Option -> [(bad value, words the error must contain)]. Words are lower-cased for the match.
BAD = {
    "--port": [("/dev/ttyNOPE9", "/dev/ttynope9 does not exist"), (TEXT, "not a serial port"),
               ("nosuchboard", "no port or virtual board named 'nosuchboard'")],
    "--baud": [("12", "--baud"), ("fast", "--baud")],
    "--db": [(TEXT, "is not a market database"), (EMPTY, "--db")],
    "--registry": [(TEXT, "is not a market database")],
    "--export": [(TEXT, "ledger export"), (MISSING, "--export")],
    "--keys": [(EMPTY, "key in"), (TEXT, "--keys")],
    "--dir": [(TEXT, "--dir")],
    "--passphrase-file": [(MISSING, "passphrase file"), (WRONG, "wrong passphrase")],
    "--board": [("no-such-board", "no-such-board"), (TEXT, "board")],
    "--firmware": [(TEXT, "firmware"), (MISSING, "firmware")],
    "--vectors": [(TEXT, "wycheproof"), (MISSING, "vector file")],
    "--broker": [("http://x", "broker"), ("mqtt://:0", "broker")],
    "--role": [("blah", "'blah' is not one of")],
    "--personality": [("greedy", "personality 'greedy'")],
    "--market": [("Elm Street!", "market id")],
    "--interval": [("0", "interval"), ("-300", "interval")],
    "--gate": [("0", "gate"), ("100000", "gate")],
    "--floor": [("-1", "--floor")],
    "--cap": [("-1", "--cap")],
    "--qmax": [("0", "--qmax")],
    "--window": [("0", "window")],
    "--speed": [("0", "speed"), ("-2", "speed")],
    "--anchor": [("-1", "anchor")],
    "--clock-speed": [("0", "clock speed")],
    "--keepalive": [("0", "keep-alive")],
    "--devices": [("0", "devices"), ("-3", "devices")],
    "--hours": [("0", "hours"), ("1000", "hours")],
    "--boards": [("-1", "boards")],
    "--parties": [("0", "parties")],
    "--rounds": [("0", "rounds")],
    "--limit": [("0", "limit")],
    "--from": [("-1", "from")],
    "--heap": [("12", "heap")],
    "--duration": [("-1", "duration")],
    "--opt": [("-O9", "--opt")],
    "--load-w": [("-1", "--load-w")],
    "--key": [("zz", "--key"), ("00", "--key")],
    "--registrar": [("zz", "--registrar")],
    "--since": [(TEXT, "is not a tree head or a ledger export"), (MISSING, "--since")],
    "--witnesses": [(TEXT, "not a delivery"), (MISSING, "--witnesses")],
    "--public-key": [("zz", "--public-key")],
    "--parent-key": [("zz", "--parent-key")],
    "--tariff": [("25:00=1/2", "--tariff")],
    "--parent": [("ftp://x", "parent")],
    "--wifi-psk-file": [(MISSING, "wi-fi key file")],
    "--runtime": [(TEXT, "micropython"), (MISSING, "micropython")],
    "--version": [("", "version")],
}

# Values that get a command past its required options to the one under test.
BASE = {
    "--market": "elm-street", "--board": "virtual-plug", "--role": "load",
    "--personality": "deferrable", "--broker": "mqtt://127.0.0.1:1", "--version": "1.0.0",
    "--out": "{tmp}/out/x.bin", "-o": "{tmp}/out/x", "--firmware": TEXT, "--port": "/dev/ttyNOPE9",
    "--from": "0",
}
ARGUMENTS = {  # argument name -> a bad value and the words of its error
    "name": ("no such/board", "invalid virtual board name 'no such/board'"),
    "credential": (TEXT, "enrollment"),
    "bundle": (TEXT, "bundle"),  # a signed one is made in `files`
    "modules": ("no_such_module", "no_such_module"),
    "message_hash": ("zz", "message_hash must be 64 hex digits"),
    "proof_file": (TEXT, "is not a proof"),
    "username": ("a b", "cannot be a broker username"),
}
# Options whose BASE value would be refused before anything else could be looked at.
NO_BASE = {("flash", "--port"), ("doctor", "--port")}
# Per command: other BASE values, options given whenever the case is not about them, other BAD
# values for an option of the same name, and cases that are no mistake there.
BASE_OF = {"flash": {"--board": "shelly-plus-plug-s", "--firmware": "{tmp}/esp32.bin"}}
EXTRA = {"release sign": (("--board", "--dir"), ["--dir", "{tmp}/app"])}
BAD_OF = {"market serve": {"--port": [("70000", "--port"), ("0", "--port")]},
          "provision": {"--wifi-psk-file": [(MISSING, "--wifi-psk-file")],
                        "--registry": [(TEXT, "is not a registry")]},
          "broker config": {"--keys": [(EMPTY, "in {tmp}/empty"), (TEXT, "--keys")]},
          "broker credential": {"--keys": [(EMPTY, "in {tmp}/empty"), (TEXT, "--keys")]},
          "release sign": {"--dir": [(TEXT, "notes.txt"), (MISSING, "nothing.here")]}}
VALID_ARGUMENT = {"name": "harness-board", "credential": TEXT, "bundle": "{tmp}/app.mmb", "modules": "wire",
                  "message_hash": "ab" * 32, "proof_file": TEXT, "username": "p0123456789abcdef"}
NOT_A_MISTAKE = {("keys init", "--passphrase-file", WRONG)}  # keys that exist are kept as they are


def leaf_commands():
    ctx = click.Context(cli)
    out = []

    def walk(cmd, path):
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), [*path, name])
        else:
            out.append((path, cmd))

    walk(cli, [])
    return out


def _options(cmd):
    return [p for p in cmd.params if isinstance(p, click.Option)]


def base_argv(path, cmd, skip):
    argv = [*path]
    base = {**BASE, **BASE_OF.get(" ".join(path), {})}
    for p in _options(cmd):
        name = p.opts[0]
        if p.required and name != skip:
            argv += [name, base[name]]
    unless, extra = EXTRA.get(" ".join(path), ((), []))
    if skip not in unless:
        argv += extra
    return argv


def cases_of(path, cmd):
    """(argv, expected words) of every mistake this command gets."""
    opts = _options(cmd)
    args = [p for p in cmd.params if isinstance(p, click.Argument)]
    flags = [p for p in opts if p.is_flag and p.opts[0].startswith("--")]
    valued = [p for p in opts if not p.is_flag and not p.count]
    full = base_argv(path, cmd, None)
    tail = [VALID_ARGUMENT[a.name] for a in args if a.required]
    longs = [p.opts[0] for p in opts if p.opts[0].startswith("--")]
    typo = longs[0][:-1] if longs else "--hlep"
    cases = [([*full, "--no-such-option", *tail], "no such option '--no-such-option'"),
             ([*full, "-Z", *tail], "no such option '-z'"),
             ([*full, typo, *tail], f"no such option '{typo}'")]
    if not args:
        cases.append(([*full, "stray-word"], "unexpected extra argument (stray-word)"))
    for a in args:
        if a.required:
            cases.append(([*full], f"missing argument '{a.name.upper()}'"))
        value, words = ARGUMENTS[a.name]
        cases.append(([*full, value], words))
    if flags:
        f = flags[0].opts[0]
        cases.append(([*full, f"{f}=yes", *tail], f"option '{f}' does not take a value"))
    if valued:
        o = valued[-1].opts[0]
        cases.append(([*full, *tail, o], f"option '{o}' requires an argument"))
    for p in valued:
        if isinstance(p.type, (click.types.IntParamType, click.types.FloatParamType)):
            cases.append(([*full, p.opts[0], "many", *tail], f"invalid value for '{p.opts[0]}'"))
            break
    here = " ".join(path)
    for p in opts:
        name = p.opts[0]
        if p.required and name in BASE and (path[0], name) not in NO_BASE:
            cases.append(([*base_argv(path, cmd, name), *tail], f"missing option '{name}'"))
        for value, words in BAD_OF.get(here, {}).get(name, BAD.get(name, [])):
            if (here, name, value) in NOT_A_MISTAKE:
                continue
            argv = base_argv(path, cmd, name) if (path[0], name) not in NO_BASE else [*path]
            if (path[0], name) in NO_BASE:
                base = {**BASE, **BASE_OF.get(here, {})}
                argv += [x for q in _options(cmd) if q.required and q.opts[0] != name
                         for x in (q.opts[0], base[q.opts[0]])]
            if value == WRONG and any(q.opts[0] == "--keys" for q in opts):
                argv += ["--keys", LOCKED]  # the wrong passphrase for keys that have one
            cases.append(([*argv, name, value, *tail], words))
    return cases


COMMANDS = leaf_commands()


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROMARKET_HOME", str(tmp_path / "home"))
    for env in ("MICROMARKET_PORT", "ESPPORT", "MICROMARKET_PASSPHRASE"):
        monkeypatch.delenv(env, raising=False)
    (tmp_path / "notes.txt").write_text("not what you think\n")
    (tmp_path / "empty").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("import mmboot\n")
    (tmp_path / "esp32.bin").write_bytes(merged_firmware("esp32"))
    assert main(["keys", "init"]) == 0  # the default keys exist: the other mistakes show
    # a good bundle, so that a release command's other mistakes are what it trips over
    assert main(["release", "sign", "--version", "1.0.0", "--dir", str(tmp_path / "app"),
                 "--market", "elm-street", "--out", str(tmp_path / "app.mmb")]) == 0
    keys.init(tmp_path / "locked", passphrase=b"right")
    (tmp_path / "wrong-passphrase").write_text("wrong\n")
    yield tmp_path
    from micromarket.device import vboard

    vboard.stop_all()  # a case that was not refused may have started one: say so, leave none


class _Hung(Exception):
    pass


def _alarm(*_):
    raise _Hung


def run_case(argv, capsys):
    """Exit code and stderr of `micromarket ARGV` run here; an exception that escapes is a traceback."""
    capsys.readouterr()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(60)
    try:
        code = main([str(a) for a in argv])
    except _Hung:
        pytest.fail(f"micromarket {' '.join(map(str, argv))} did not fail within 60 s")
    except BaseException as exc:  # noqa: BLE001 - whatever escapes main() is a traceback
        pytest.fail(f"micromarket {' '.join(map(str, argv))} raised {exc!r}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return code, capsys.readouterr().err


def test_every_command_has_at_least_five_mistakes_to_make():
    assert len(COMMANDS) >= 30
    for path, cmd in COMMANDS:
        assert len(cases_of(path, cmd)) >= 5, " ".join(path)


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_one_line_for_every_mistake(path, cmd, files, capsys):
    wrong = []
    for argv, words in cases_of(path, cmd):
        argv = [a.format(tmp=files) if isinstance(a, str) else a for a in argv]
        words = words.format(tmp=files).lower()
        code, err = run_case(argv, capsys)
        lines = [line for line in err.splitlines() if line.strip()
                 and not line.startswith("using ")]
        shown = " ".join(map(str, argv))
        if code == 0:
            wrong.append(f"{shown}: exit 0")
        elif "Traceback" in err:
            wrong.append(f"{shown}: traceback")
        elif len(lines) != 1 or not lines[0].startswith("micromarket: "):
            wrong.append(f"{shown}: {len(lines)} lines: {err!r}")
        elif words not in lines[0].lower():
            wrong.append(f"{shown}: {lines[0]!r} does not name {words!r}")
    assert not wrong, "\n".join(wrong)


def test_the_walk_finds_commands_added_later():
    @click.command("late")
    @click.option("--count", type=int, default=1)
    def late(count):
        """A command added after this test was written."""

    cli.add_command(late)
    try:
        found = {" ".join(p) for p, _ in leaf_commands()}
        assert "late" in found
        assert len(cases_of(["late"], late)) >= 5
    finally:
        cli.commands.pop("late")


def test_a_command_path_is_what_the_usage_line_names(files, capsys):
    code, err = run_case(["market", "stats", "--db"], capsys)
    assert code == 2
    assert err.strip() == ("micromarket: Option '--db' requires an argument — see "
                           "`micromarket market stats --help`")
    assert Path(files).exists()
