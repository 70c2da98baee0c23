"""``-o``: what the path is stays what it is (issue 14).

Devices and FIFOs are written through, ``-`` is standard output, a symlink is followed and
its target replaced atomically (the link stays), directories are refused with one line.
Exercised through the CLI for ``show``, ``summarize`` and ``export``.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from comparison_sample import remifentanil_studies

from extractor.cli import cli
from extractor.errors import ExportError
from extractor.export import write_csv, write_text_atomic
from extractor.store import database, store_record

RECORD = "11111111"


@pytest.fixture()
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four hand-built studies in a database; the working directory is ``tmp_path/work``."""
    (tmp_path / "db").mkdir()  # the database (and any -wal, -shm) in a folder of its own
    path = tmp_path / "db" / "evidence.db"
    with database(path) as handle:
        for record in remifentanil_studies():
            store_record(handle, record)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return path


@pytest.fixture()
def no_replace_in_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make a regression fail instead of replacing the system's /dev/null (tests may run as
    root): renaming anything onto a path under /dev or /proc raises."""
    real_replace, real_rename = os.replace, os.rename

    def guarded(real):  # type: ignore[no-untyped-def]
        def call(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
            if os.path.abspath(dst).startswith(("/dev/", "/proc/")):
                raise AssertionError(f"refusing to rename onto {dst} in a test")
            return real(src, dst, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "replace", guarded(real_replace))
    monkeypatch.setattr(os, "rename", guarded(real_rename))


def run(*args: str, db: Path) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(cli, [*args, "--db", str(db)], catch_exceptions=False)
    return result.exit_code, result.stdout_bytes, result.stderr


def expected(*args: str, db: Path) -> bytes:
    """What the command writes to a new regular file (read back, then removed)."""
    reference = db.with_name("expected.out")
    code, _, err = run(*args, "-o", str(reference), db=db)
    assert code == 0, err
    data = reference.read_bytes()
    reference.unlink()
    return data


# Commands that write one text stream to -o.
COMMANDS = [
    pytest.param(("show", RECORD), id="show"),
    pytest.param(("show", RECORD, "--json"), id="show-json"),
    pytest.param(("summarize", "--format", "markdown"), id="summarize"),
    pytest.param(("export", "ris"), id="export-ris"),
    pytest.param(("export", "jsonl"), id="export-jsonl"),
    pytest.param(("export", "characteristics"), id="export-characteristics"),
]


@pytest.mark.usefixtures("no_replace_in_dev")
@pytest.mark.parametrize("args", COMMANDS)
def test_output_dev_null_stays_a_char_device(args: tuple[str, ...], db: Path) -> None:
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    code, _, err = run(*args, "-o", "/dev/null", db=db)
    assert code == 0, err
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    assert not list(Path("/dev").glob(".null.*.tmp"))


@pytest.mark.parametrize("args", COMMANDS)
def test_output_own_char_device_is_written_through(
    args: tuple[str, ...], db: Path, tmp_path: Path
) -> None:
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("cannot create a device node here")
    code, _, err = run(*args, "-o", str(device), db=db)
    assert code == 0, err
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "null", "work"]


def _reader(fifo: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(fifo, "rb") as pipe:
            into.append(pipe.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("args", COMMANDS)
def test_output_fifo_is_written_through(args: tuple[str, ...], db: Path, tmp_path: Path) -> None:
    want = expected(*args, db=db)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = _reader(fifo, got)
    code, _, err = run(*args, "-o", str(fifo), db=db)
    thread.join(timeout=10)
    assert code == 0, err
    assert not thread.is_alive(), "the reader never saw a writer: the FIFO was replaced"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got[0].rstrip(b"\n") == want.rstrip(b"\n")


def test_output_fifo_plot_is_written_through(db: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "plot.png"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = _reader(fifo, got)
    code, _, err = run("export", "plot", "-o", str(fifo), db=db)
    thread.join(timeout=30)
    assert code == 0, err
    assert not thread.is_alive()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got[0][:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args", COMMANDS)
def test_output_symlink_is_followed_and_kept(
    args: tuple[str, ...], db: Path, tmp_path: Path
) -> None:
    want = expected(*args, db=db)
    target = tmp_path / "target.txt"
    target.write_text("old\n")
    link = tmp_path / "work" / "link.md"
    link.symlink_to(target)
    code, _, err = run(*args, "-o", str(link), db=db)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes().rstrip(b"\n") == want.rstrip(b"\n")
    # a chain of links, relative: the final file is the one replaced
    middle = tmp_path / "work" / "middle"
    middle.symlink_to("link.md")
    target.write_text("old\n")
    code, _, err = run(*args, "-o", "middle", db=db)
    assert code == 0, err
    assert middle.is_symlink() and link.is_symlink()
    assert target.read_bytes().rstrip(b"\n") == want.rstrip(b"\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "target.txt", "work"]


def test_output_dangling_symlink_creates_its_target(db: Path, tmp_path: Path) -> None:
    link = tmp_path / "work" / "card.html"
    link.symlink_to(tmp_path / "new.html")
    code, _, err = run("show", RECORD, "--html", "-o", str(link), db=db)
    assert code == 0, err
    assert link.is_symlink() and (tmp_path / "new.html").read_text().startswith("<!DOCTYPE")
    link.unlink()
    link.symlink_to(tmp_path / "missing" / "new.html")
    code, _, err = run("show", RECORD, "--html", "-o", str(link), db=db)
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err


def test_output_symlink_to_dev_null(db: Path, tmp_path: Path, no_replace_in_dev: None) -> None:
    link = tmp_path / "work" / "sink"
    link.symlink_to("/dev/null")
    for args in (("show", RECORD), ("export", "ris")):
        code, _, err = run(*args, "-o", str(link), db=db)
        assert code == 0, err
        assert link.is_symlink() and stat.S_ISCHR(os.stat(link).st_mode)


@pytest.mark.usefixtures("no_replace_in_dev")
@pytest.mark.parametrize("folder", ["/proc/self/fd", "/dev/fd"])
def test_output_open_descriptor_is_written_through(folder: str, db: Path, tmp_path: Path) -> None:
    """``-o /dev/stdout >> log`` appends to the log; replacing the file would lose it."""
    want = expected("export", "ris", db=db)
    log = tmp_path / "log.txt"
    log.write_bytes(b"earlier\n")
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    try:
        code, _, err = run("export", "ris", "-o", f"{folder}/{fd}", db=db)
    finally:
        os.close(fd)
    assert code == 0, err
    assert log.read_bytes() == b"earlier\n" + want
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "log.txt", "work"]


def test_output_symlink_loop_is_one_line(db: Path) -> None:
    Path("a").symlink_to("b")
    Path("b").symlink_to("a")
    code, _, err = run("show", RECORD, "-o", "a", db=db)
    assert code == 1 and err.count("\n") == 1 and "symbolic links" in err
    assert Path("a").is_symlink() and Path("b").is_symlink()


def test_output_keeps_the_mode_of_the_file_it_replaces(db: Path) -> None:
    path = Path("private.md")
    path.write_text("old\n")
    path.chmod(0o600)
    code, _, err = run("summarize", "-o", str(path), db=db)
    assert code == 0, err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "old" not in path.read_text()


@pytest.mark.parametrize(
    ("args", "status"),
    [
        pytest.param(("show", RECORD), 2, id="show"),
        pytest.param(("summarize",), 2, id="summarize"),
        pytest.param(("export", "ris"), 1, id="export-ris"),
        pytest.param(("export", "characteristics"), 1, id="export-characteristics"),
        pytest.param(("export", "plot"), 1, id="export-plot"),
    ],
)
def test_output_directory_is_refused(args: tuple[str, ...], status: int, db: Path) -> None:
    folder = Path("folder")
    folder.mkdir()
    code, out, err = run(*args, "-o", str(folder), db=db)
    assert code == status and out == b""
    assert "directory" in err and "Traceback" not in err
    if status == 1:
        assert err == f"error: {folder}: is a directory, not a file\n"
    assert list(folder.iterdir()) == []


def test_output_block_device_is_refused(db: Path, tmp_path: Path) -> None:
    device = tmp_path / "disk"
    try:
        os.mknod(device, stat.S_IFBLK | 0o600, os.makedev(7, 250))
    except (PermissionError, AttributeError):
        pytest.skip("cannot create a device node here")
    code, _, err = run("export", "ris", "-o", str(device), db=db)
    assert code == 1 and err.count("\n") == 1 and "block device" in err
    assert stat.S_ISBLK(os.lstat(device).st_mode)


@pytest.mark.parametrize("args", COMMANDS)
def test_output_dash_is_standard_output(args: tuple[str, ...], db: Path) -> None:
    want = expected(*args, db=db)
    code, out, err = run(*args, "-o", "-", db=db)
    assert code == 0, err
    assert out.rstrip(b"\n") == want.rstrip(b"\n")
    assert list(Path().iterdir()) == []


def test_output_dash_plot_is_a_png_on_standard_output(db: Path) -> None:
    code, out, err = run("export", "plot", "-o", "-", db=db)
    assert code == 0, err
    assert out[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(Path().iterdir()) == []


def test_output_dash_summarize_terminal(db: Path) -> None:
    code, out, err = run("summarize", "--format", "terminal", "-o", "-", db=db)
    assert code == 0, err
    assert out.startswith(b"Evidence summary") and b"remifentanil" in out
    assert list(Path().iterdir()) == []


@pytest.mark.parametrize("args", COMMANDS)
def test_output_dash_is_standard_output_beside_a_folder_named_dash(
    args: tuple[str, ...], db: Path
) -> None:
    Path("-").mkdir()
    code, out, err = run(*args, "-o", "-", db=db)
    assert code == 0, err
    assert out.rstrip(b"\n") == expected(*args, db=db).rstrip(b"\n")
    assert list(Path("-").iterdir()) == []


def test_output_dash_csv_is_refused_with_one_line(db: Path) -> None:
    code, out, err = run("export", "csv", "-o", "-", db=db)
    assert code == 1 and out == b""
    assert err.count("\n") == 1 and err.startswith("error: ") and "folder" in err
    assert list(Path().iterdir()) == []
    with pytest.raises(ExportError, match="folder"):
        write_csv([], Path("-"))


def test_output_plot_into_missing_folder_is_one_line(db: Path) -> None:
    code, _, err = run("export", "plot", "-o", "nowhere/participants.svg", db=db)
    assert code == 1 and err == "error: nowhere/participants.svg: folder 'nowhere' does not exist\n"
    assert list(Path().iterdir()) == []


def test_output_library_writes_through_dev_null(no_replace_in_dev: None) -> None:
    assert write_text_atomic(Path("/dev/null"), "x") == Path("/dev/null")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_show_json_and_html_are_mutually_exclusive(db: Path) -> None:
    code, out, err = run("show", RECORD, "--json", "--html", db=db)
    assert code == 2 and out == b""
    (line,) = [line for line in err.splitlines() if line.startswith("Error:")]
    assert "--json" in line and "--html" in line


def test_batch_jsonl_dash_is_standard_output(
    db: Path, seed_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``batch --jsonl -`` streams the records to stdout; before, it created a file named '-'."""
    code, out, err = run("batch", str(seed_path), "--jsonl", "-", "-q", db=db)
    assert code == 0, err
    assert not Path("-").exists()
    records = [json.loads(line) for line in out.decode().splitlines()]
    assert [r["document"]["title"][:11] for r in records] == ["Intravenous"]


@pytest.mark.parametrize(
    "args",
    [
        ("summarize", "--intervention", "no-such-drug"),
        ("summarize", "--intervention", "no-such-drug", "-o", "report.html"),
        ("export", "jsonl", "--intervention", "no-such-drug", "-o", "-"),
    ],
)
def test_empty_result_names_the_database(db: Path, args: tuple[str, ...]) -> None:
    """A summary or export that matches nothing says which database it searched."""
    code, _, err = run(*args, db=db)
    assert code == 0, err
    assert f"no study matches in {db} (4 records stored)" in err
