"""A corpus of hostile and mistaken input: each case exits 2 with one line, no traceback, nothing written.

Every case runs ``agrifin`` through its entry point (:func:`simulation.app.cli.main.main`) in a
fresh folder, then checks the exit status, that stderr is a single line naming the
problem, that no traceback was printed, and that the folder holds only what the case
put there (byte for byte).
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from simulation.app.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = ("--households", "200", "--years", "1", "-r", "1", "-q", "--no-charts", "--workers", "1")
GOOD = "name: county\ndescription: a small county\npopulation:\n  households: 200\n"


def agrifin(*args: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """Run the ``agrifin`` entry point with ``args``; its exit status, stdout and stderr."""
    monkeypatch.setattr(sys, "argv", ["agrifin", *args])
    with pytest.raises(SystemExit) as leaving:
        main()
    captured = capsys.readouterr()
    return leaving.value.code or 0, captured.out, captured.err


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder`` with its bytes (None for folders)."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in folder.rglob("*")}


def bomb() -> str:
    """A ~1 KB mapping whose aliases expand to 2**30 values (the attack of issue 21)."""
    lines = [GOOD, "regions:", "  plain:", "    a0: &a0 {x: 1, y: 1}"]
    lines += [f"    a{i}: &a{i} {{p: *a{i - 1}, q: *a{i - 1}}}" for i in range(1, 30)]
    return "\n".join(lines) + "\n"


def chain(folder: Path, length: int) -> None:
    """``e0.yaml`` extends ``e1.yaml`` … ``e<length>.yaml``."""
    for i in range(length):
        (folder / f"e{i}.yaml").write_text(f"extends: e{i + 1}.yaml\nname: e{i}\ndescription: link {i}\n")
    (folder / f"e{length}.yaml").write_text(GOOD)


def write(name: str, content: str | bytes) -> Callable[[Path], None]:
    """A setup step writing one file."""

    def setup(folder: Path) -> None:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8")

    return setup


def both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    """Several setup steps in order."""

    def setup(folder: Path) -> None:
        for step in steps:
            step(folder)

    return setup


NO_MANIFEST = both(write("mine/summary.csv", "my,own\n1,2\n"), write("mine/scenario.yaml", "mine: true\n"))
LIST_MANIFEST = both(write("mine/manifest.json", "[1, 2]"), write("mine/summary.csv", "my,own\n"))
ESCAPING_POLICY = "extends: s.yaml\nname: ..\ndescription: p\n"
REPORTABLE = write("done/manifest.json", json.dumps({"experiment": {"kind": "run"}, "scenarios": []}))

# (id, setup, command line, words the one line must hold)
CASES = [
    ("name-escapes-the-folder", write("s.yaml", GOOD.replace("county", "../../x_escaped", 1)),
     ["run", "s.yaml", *SMALL], "name"),
    ("name-is-an-absolute-path", write("s.yaml", GOOD.replace("county", "/tmp/agrifin_escape", 1)),
     ["run", "s.yaml", *SMALL], "name"),
    ("compare-policy-name-escapes", both(write("s.yaml", GOOD), write("p.yaml", ESCAPING_POLICY)),
     ["compare", "s.yaml", "p.yaml", *SMALL], "name"),
    ("name-set-on-the-command-line", write("s.yaml", GOOD), ["run", "s.yaml", "--set", "name=a/b", *SMALL], "name"),
    ("duplicate-key", write("s.yaml", GOOD + "population:\n  households: 300\n"), ["validate", "s.yaml"],
     "duplicate key"),
    ("boolean-for-a-number", write("s.yaml", GOOD.replace("200", "true")), ["run", "s.yaml", "-q"], "boolean"),
    ("infinity-by-set", write("s.yaml", GOOD), ["run", "s.yaml", "--set", "transfers.dibao_standard=.inf", *SMALL],
     "finite"),
    ("nan-in-a-share", write("s.yaml", GOOD + "transfers:\n  dibao_takeup: .nan\n"), ["validate", "s.yaml"], "finite"),
    ("number-beyond-its-unit", write("s.yaml", GOOD), ["describe", "s.yaml", "--set", "transfers.dibao_standard=1e308"],
     "above"),
    ("alias-bomb", write("s.yaml", bomb()), ["validate", "s.yaml"], "expands to more than"),
    ("too-many-aliases", write("s.yaml", GOOD + "x: &x 1\nl: [" + ", ".join(["*x"] * 200) + "]\n"),
     ["validate", "s.yaml"], "aliases"),
    ("recursive-alias", write("s.yaml", GOOD + "regions: &r {plain: *r}\n"), ["validate", "s.yaml"], "itself"),
    ("deep-nesting", write("s.yaml", GOOD + "regions: " + "[" * 5000 + "]" * 5000 + "\n"), ["validate", "s.yaml"],
     "nested"),
    ("extends-chain-1000-deep", lambda folder: chain(folder, 1000), ["validate", "e0.yaml"], "extends"),
    ("extends-cycle", both(write("a.yaml", "extends: b.yaml\n" + GOOD), write("b.yaml", "extends: a.yaml\n" + GOOD)),
     ["validate", "a.yaml"], "cycle"),
    ("latin-1-file", write("s.yaml", "name: caf\xe9\ndescription: x\n".encode("latin-1")), ["validate", "s.yaml"],
     "--encoding"),
    ("binary-file", write("s.yaml", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256))), ["validate", "s.yaml"], "binary"),
    ("scenario-is-a-folder", write("s.yaml/x", "x"), ["validate", "s.yaml"], "folder"),
    ("huge-file", write("s.yaml", GOOD + "# " + "x" * 1_100_000 + "\n"), ["validate", "s.yaml"], "larger than"),
    ("unknown-encoding", write("s.yaml", GOOD), ["validate", "s.yaml", "--encoding", "klingon"], "encoding"),
    ("set-value-recursive-alias", write("s.yaml", GOOD), ["describe", "s.yaml", "--set", "regions=&a [*a]"],
     "cannot read value"),
    ("output-is-a-file", both(write("s.yaml", GOOD), write("taken", "x")), ["run", "s.yaml", *SMALL, "-o", "taken"],
     "not a folder"),
    ("output-under-a-file", both(write("s.yaml", GOOD), write("taken", "x")),
     ["run", "s.yaml", *SMALL, "-o", "taken/out"], "taken"),
    ("output-not-empty", both(write("s.yaml", GOOD), write("out/notes.txt", "mine")),
     ["run", "s.yaml", *SMALL, "-o", "out"], "not empty"),
    ("resume-a-folder-agrifin-did-not-make", both(write("s.yaml", GOOD), NO_MANIFEST),
     ["run", "s.yaml", *SMALL, "--resume", "-o", "mine"], "manifest"),
    ("resume-a-manifest-that-is-a-list", both(write("s.yaml", GOOD), LIST_MANIFEST),
     ["run", "s.yaml", *SMALL, "--resume", "-o", "mine"], "manifest"),
    ("report-a-manifest-that-is-a-list", LIST_MANIFEST, ["report", "mine"], "manifest"),
    ("report-into-a-folder", both(REPORTABLE, write("there/x", "x")), ["report", "done", "-o", "there"], "folder"),
    ("a-billion-replicates", write("s.yaml", GOOD), ["run", "s.yaml", "-r", "1000000000", "-q"], "limit"),
    ("a-ten-billion-point-grid", write("s.yaml", GOOD),
     ["sweep", "s.yaml", "--vary", "transfers.dibao_takeup=0.1:0.9:100000",
      "--vary", "health.reimbursement_share=0.1:0.9:100000", "-q"], "limit"),
    ("a-billion-sobol-samples", write("s.yaml", GOOD),
     ["sensitivity", "s.yaml", "--vary", "transfers.dibao_takeup=0.1:0.9", "--samples", "1000000000", "-q"], "limit"),
    ("households-beyond-memory", write("s.yaml", GOOD), ["run", "s.yaml", "--households", "999999999", "-q"],
     "memory"),
    ("scheduler-not-an-address", write("s.yaml", GOOD), ["run", "s.yaml", *SMALL, "--scheduler", "not a url"],
     "--scheduler"),
    ("scheduler-http-scheme", write("s.yaml", GOOD), ["run", "s.yaml", *SMALL, "--scheduler", "http://127.0.0.1:1"],
     "scheme"),
    ("scheduler-port-out-of-range", write("s.yaml", GOOD), ["run", "s.yaml", *SMALL, "--scheduler", "tcp://h:99999"],
     "port"),
    ("scheduler-unknown-host", write("s.yaml", GOOD),
     ["run", "s.yaml", *SMALL, "--scheduler", "tcp://no-such-host.invalid:8786"], "unknown host"),
    ("bad-scheduler-with-an-empty-output-folder", both(write("s.yaml", GOOD), lambda folder: (folder / "e").mkdir()),
     ["run", "s.yaml", *SMALL, "-o", "e", "--scheduler", "tcp://127.0.0.1:1"], "cannot reach"),
    ("dashboard-on-a-binary-file", write("s.yaml", bytes(range(256))), ["dashboard", "s.yaml"], "binary"),
    ("schema-under-a-file", write("taken", "x"), ["schema", "-o", "taken/schema.json"], "taken"),
]  # fmt: skip


@pytest.mark.parametrize(("setup", "args", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(setup, args, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    setup(tmp_path)
    before = snapshot(tmp_path)
    code, out, err = agrifin(*args, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert words in err and err.startswith("agrifin: "), err
    assert "Traceback" not in out + err
    assert snapshot(tmp_path) == before
    assert not Path("/tmp/agrifin_escape").exists()


@pytest.fixture
def http_server() -> Iterator[str]:
    """An HTTP server on 127.0.0.1 (what the Dask dashboard's port looks like); yields its address."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_scheduler_address_that_is_a_web_server_exits_2_naming_it(http_server, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(GOOD)
    code, _, err = agrifin("run", "s.yaml", *SMALL, "--scheduler", http_server, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2 and "is not a Dask scheduler" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_a_refused_scheduler_port_exits_2_and_leaves_no_results_folder(tmp_path, monkeypatch, capsys):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(GOOD)
    code, _, err = agrifin(
        "run", "s.yaml", *SMALL, "--scheduler", f"tcp://127.0.0.1:{port}", capsys=capsys, monkeypatch=monkeypatch
    )
    assert code == 2 and "cannot reach the Dask scheduler" in err
    assert not (tmp_path / "results").exists()


def test_validate_reports_every_file_even_after_a_bad_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_bytes("name: caf\xe9\ndescription: x\n".encode("latin-1"))
    (tmp_path / "c.yaml").write_bytes(bytes(range(256)))
    (tmp_path / "d.yaml").write_text(GOOD.replace("county", "second"))
    code, out, err = agrifin("validate", "a.yaml", "b.yaml", "c.yaml", "d.yaml", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 2
    assert out.splitlines() == ["ok: a.yaml (county)", "ok: d.yaml (second)"]
    assert [line.split(":")[1].strip() for line in err.splitlines()] == ["b.yaml", "c.yaml"]


def test_chinese_files_in_gbk_utf8_with_bom_or_a_named_encoding_load(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    text = "name: 低保_提高\ndescription: 提高低保标准（示例）\ntransfers:\n  dibao_standard: 6000\n"
    (tmp_path / "gbk.yaml").write_bytes(text.encode("gbk"))
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "latin.yaml").write_bytes("name: cafe\ndescription: caf\xe9\n".encode("latin-1"))
    code, out, err = agrifin("validate", "gbk.yaml", "bom.yaml", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, err
    assert out.splitlines() == ["ok: gbk.yaml (低保_提高)", "ok: bom.yaml (低保_提高)"]
    code, out, err = agrifin("validate", "latin.yaml", "--encoding", "latin-1", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0 and out.strip() == "ok: latin.yaml (cafe)", err
    # --encoding names the files that are not UTF-8: a Latin-1 policy may extend the UTF-8 baseline
    (tmp_path / "policy.yaml").write_bytes(f"extends: {BASELINE}\nname: p\ndescription: caf\xe9\n".encode("latin-1"))
    code, out, err = agrifin("describe", "policy.yaml", "--encoding", "latin-1", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0 and "description: café" in out and "poverty:" in out, err


def test_a_merge_key_may_override_but_a_repeated_key_may_not(tmp_path):
    from simulation.scenario.loading import ScenarioError, load_scenario

    base = "name: m\ndescription: d\ncommon: &c {dibao_takeup: 0.5, dibao_standard: 5000}\n"
    (tmp_path / "ok.yaml").write_text(base.replace("common", "transfers") + "health:\n  reimbursement_share: 0.6\n")
    assert load_scenario(tmp_path / "ok.yaml").transfers.dibao_takeup == 0.5
    (tmp_path / "bad.yaml").write_text(
        "name: m\ndescription: d\ntransfers:\n  dibao_takeup: 0.5\n  dibao_takeup: 0.7\n"
    )
    with pytest.raises(ScenarioError, match="line 5: duplicate key 'dibao_takeup' \\(first on line 4\\)"):
        load_scenario(tmp_path / "bad.yaml")


def test_nan_is_named_as_not_finite_not_as_out_of_range(tmp_path):
    from simulation.scenario.loading import ScenarioError, load_scenario

    with pytest.raises(ScenarioError) as caught:
        load_scenario(BASELINE, {"transfers.dibao_takeup": float("nan")})
    assert "finite" in str(caught.value) and "less than" not in str(caught.value)


def test_scenario_names_may_be_chinese_and_dotted_but_not_paths():
    from simulation.scenario.base import check_scenario_name

    for name in ("低保_提高", "dibao-80", "v1.2", "a.b_c-d"):
        assert check_scenario_name(name) == name
    for name in ("../x", "/abs", ".hidden", "-dash", "a/b", "a\\b", "", "x" * 81, "a b", "a\x00b"):
        with pytest.raises(ValueError, match="not a valid name"):
            check_scenario_name(name)
