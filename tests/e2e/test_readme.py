"""The README's "First board, start to finish", run as written on a fresh clone.

The test clones the repository (what is committed) into a temporary directory with no
``../shared`` beside it, takes the command block of that README section from the clone and runs
it with bash, `micromarket` being the clone's package (the venv only lends its dependencies and
toolchain). Its state lives in a home of its own. One substitution: the market's broker port 1883
becomes a free one, so that the test does not collide with a broker already on the machine.
Afterwards the clone's market database holds at least two awards of the board's party and a
ledger that verifies; the board's own view names that party.
"""

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from micromarket.paths import ROOT
from micromarket.sim.fleet import free_port

SECTION = "First board, start to finish"


def readme_commands(readme: str) -> str:
    """The command block of the section: the first fenced block under its heading."""
    m = re.search(rf"^## {re.escape(SECTION)}\n(.*?)^## ", readme, re.S | re.M)
    assert m, f"README has no section {SECTION!r}"
    block = re.search(r"^```sh\n(.*?)^```", m.group(1), re.S | re.M)
    assert block, f"the section {SECTION!r} has no ```sh block"
    return block.group(1)


def test_section_is_found_and_names_the_path():
    text = readme_commands((ROOT / "README.md").read_text())
    for step in ("vboard start", "deploy", "keys init", "market serve", "provision", "monitor",
                 "status", "ledger verify"):
        assert f"micromarket {step}" in text, step


@pytest.fixture
def clone(tmp_path):
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode:
        pytest.skip("not a git checkout")
    dest = tmp_path / "work" / "micromarket"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dest)], check=True, timeout=120)
    assert not (dest.parent / "shared").exists()
    return dest


def test_first_board_start_to_finish(clone, tmp_path):
    port = free_port()
    script = readme_commands((clone / "README.md").read_text()).replace("1883", str(port))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "micromarket"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m micromarket.cli "$@"\n')
    shim.chmod(0o755)
    home = tmp_path / "home"
    env = {**os.environ, "PATH": f"{bindir}:{Path(sys.executable).parent}:{os.environ['PATH']}",
           "PYTHONPATH": str(clone / "host"), "MICROMARKET_HOME": str(home)}
    for var in ("MICROMARKET_PORT", "ESPPORT", "MICROMARKET_PASSPHRASE", "MICROMARKET_MICROPYTHON"):
        env.pop(var, None)
    where = subprocess.run([sys.executable, "-c", "import micromarket.paths as p; print(p.ROOT)"],
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert where == str(clone)  # the clone's own package runs, not the one installed
    log = tmp_path / "readme.log"
    with open(log, "w") as out_file, open(tmp_path / "readme.err", "w") as err_file:
        proc = subprocess.Popen(["bash", "-e", "-x", "-c", script], cwd=tmp_path, env=env, text=True,
                                stdout=out_file, stderr=err_file, start_new_session=True)
        try:
            code = proc.wait(timeout=480)
        except subprocess.TimeoutExpired:
            code = None
        finally:  # whatever happened, leave no board or market running
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            subprocess.run([sys.executable, "-m", "micromarket.cli", "vboard", "stop", "--all"],
                           env=env, capture_output=True, timeout=60)
    run = subprocess.CompletedProcess(proc.args, code, log.read_text(), (tmp_path / "readme.err").read_text())
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-4000:]
    assert "Traceback" not in out, out[-4000:]
    assert f"keys in {home / 'keys'}" in run.stdout
    # monitor stopped after two interval lines with an award
    traded = [line for line in run.stdout.splitlines() if re.search(r"interval \d+: buy \d+ Wh, awarded", line)]
    assert len(traded) >= 2, run.stdout[-4000:]
    party = re.search(r"^party +(p[0-9a-f]{16})", run.stdout, re.M)
    assert party, run.stdout[-4000:]
    assert re.search(r"^registry +.*: balance -?\d+ ucr, reputation \d+", run.stdout, re.M)
    assert re.search(r"\d+ entries, .*; ledger verifies", run.stdout)
    # the market's line per cleared interval, and its database where every command looked
    assert re.search(r"^interval .* UTC \(\d+\): price \d+ ucr/kWh, \d+ Wh awarded", run.stdout, re.M)
    conn = sqlite3.connect(home / "market.db")
    try:
        awards = conn.execute("SELECT COUNT(*) FROM awards WHERE party = ? AND wh > 0",
                              (party.group(1),)).fetchone()[0]
    finally:
        conn.close()
    assert awards >= 2
