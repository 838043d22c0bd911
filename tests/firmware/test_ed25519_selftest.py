"""`micromarket selftest` and `bench crypto` logic, run against the MicroPython unix port."""

import json
import sys

import pytest
from click.testing import CliRunner

from micromarket.bench import crypto as crypto_bench
from micromarket.device import selftest
from micromarket.device import upy
from micromarket.errors import UsageError
from micromarket.paths import FIRMWARE_DIR, ROOT

sys.path.insert(0, str(ROOT / "tests" / "tools"))
import crypto_support  # noqa: E402


class UnixPortTarget:
    """The Target interface (exec -> stdout) over the unix port: the virtual board's interpreter."""

    def __init__(self, mpy_dir):
        self.mpy_dir = mpy_dir
        self.calls = 0

    def exec(self, code, timeout=30):
        self.calls += 1
        return upy.run_code(code, lib_dirs=[self.mpy_dir, FIRMWARE_DIR / "lib"], timeout=timeout)


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    return UnixPortTarget(crypto_support.compile_crypto(tmp_path_factory.mktemp("st_mpy")))


def test_every_repository_vector_passes_in_small_chunks(target, wycheproof):
    vectors = selftest.load_vectors()
    outcomes = selftest.run_vectors(target, vectors)
    assert len(outcomes) == wycheproof["numberOfTests"]
    assert selftest.summary(outcomes) == f"{len(outcomes)} passed, 0 failed"
    assert target.calls > 5  # chunked, not one huge script


def test_cli_reports_each_failure_and_exits_non_zero(target, tmp_path, monkeypatch, wycheproof):
    data = json.loads(json.dumps(wycheproof))
    flipped = data["testGroups"][0]["tests"][0]
    flipped["result"] = "invalid" if flipped["result"] == "valid" else "valid"
    path = tmp_path / "v.json"
    path.write_text(json.dumps(data))

    import contextlib

    import micromarket.device.target as tgt

    @contextlib.contextmanager
    def fake_connect(port, *args, **kwargs):
        yield target
    monkeypatch.setattr(tgt, "connect", fake_connect)
    from micromarket.device.cli import selftest_cmd

    result = CliRunner().invoke(selftest_cmd, ["--vectors", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1] == f"{wycheproof['numberOfTests'] - 1} passed, 1 failed"
    assert lines[0].startswith(f"FAIL tcId {flipped['tcId']} ")


def test_bad_vector_files_are_usage_errors(tmp_path):
    with pytest.raises(UsageError):
        selftest.load_vectors(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text('{"testGroups": [{"tests": []}]}')
    with pytest.raises(UsageError):
        selftest.load_vectors(tmp_path / "bad.json")


def test_bench_reports_every_figure():
    r = crypto_bench.run()
    v, b = r["unix_port"]["viper"], r["unix_port"]["bigint_baseline"]
    for figures in (v, b):
        assert figures["sign_ms"] > 0 and figures["sign_oneshot_ms"] > 0 and figures["verify_ms"] > 0
    assert 0 < v["heap_per_sign"] <= 256
    assert 6144 < v["import_heap"] < 40 * 1024  # the base table alone is 6 KB
    assert 0 < v["import_qstr_bytes"] < v["import_heap"]
    assert r["mpy_xtensawin_bytes"] == sum(r["mpy_xtensawin"].values()) > 0
    assert set(r["ratios"]) == {"sign_vs_baseline", "sign_oneshot_vs_baseline", "verify_vs_baseline"}
    json.dumps(r)
