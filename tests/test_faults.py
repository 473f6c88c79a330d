"""Faults: builds and updates killed at any moment, a full disk, a read-only output folder.

The kills are real: a `statusgen build` (or `update`) process gets SIGKILL, either after a
random delay, or exactly before the n-th step of the writer (a profile hook counts every call
that write.py or author.py makes and kills the process at the chosen one). Afterwards the
output folder holds the old site or the new one, complete, never a mix; the incident file is
the old text or the new one; and the next run leaves no temporary file behind.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import WriteProject, run_build, small_config, snapshot

from statusgen import write
from statusgen.cli import main
from statusgen.write import SITE_MARK

LONG = os.environ.get("STATUSGEN_FUZZ") == "long"
OLD_NOW, NEW_NOW = "2025-04-19 10:00", "2025-04-19 12:00"

CONFIG = small_config("Fault Status")

INCIDENT = """\
title: Website slow  # a comment that must survive
updates:
  - at: 2025-04-19 09:30
    status: investigating
    components: {website: degraded_performance}
    message: Pages load slowly.
  - at: 2025-04-19 11:00
    status: resolved
    message: Fixed.
"""


def leftovers(parent: Path, name: str = "site") -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


@pytest.fixture
def sites(write_project: WriteProject, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A project, and the site it gives at OLD_NOW and at NEW_NOW (which differ)."""
    root = write_project({"statusgen.yaml": CONFIG, "incidents/a.yaml": INCIDENT})
    refs = tmp_path_factory.mktemp("refs")
    assert run_build(root, out=refs / "old", now=OLD_NOW)[0] == 0
    assert run_build(root, out=refs / "new", now=NEW_NOW)[0] == 0
    old, new = snapshot(refs / "old"), snapshot(refs / "new")
    assert old != new
    return root, old, new


def put_old_site(root: Path, old: dict[str, bytes]) -> None:
    """The old site in place, by hand, and no spare: each build then makes a new folder and
    swaps it in, the steps the kills below count."""
    site = root / "site"
    shutil.rmtree(site, ignore_errors=True)
    shutil.rmtree(root / ".statusgen-cache" / "site" / "spare", ignore_errors=True)
    for leftover in leftovers(root):
        shutil.rmtree(root / leftover)
    for name, data in old.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(data)


# --- Builds killed at random moments ---------------------------------------------------------

HANG = 120  # seconds: only a hang takes this long


def _inode(folder: Path) -> int | None:
    try:
        return folder.stat().st_ino
    except FileNotFoundError:  # between the two renames of the fallback swap
        return None


def kill_during(command: list[str], site: Path, delay: float) -> bool:
    """Runs `command`, which builds `site`, and kills it after `delay` seconds or as soon as
    the new site is in place, whichever comes first; whether it was killed (False: it ended
    before the kill reached it)."""
    before = _inode(site)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + delay
    while process.poll() is None and time.monotonic() < deadline and _inode(site) == before:
        time.sleep(0.0002)
    process.send_signal(signal.SIGKILL)  # nothing, if it has ended and been waited for
    return process.wait(timeout=HANG) == -signal.SIGKILL


def test_a_build_killed_at_random_moments_leaves_the_old_site_or_the_new(
        sites: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    """Half the runs are killed at a random moment of the build, most often before the new
    site is in place; the others as soon as it is, before the build has tidied up. Both
    outcomes must be seen, each from a process that was really killed."""
    root, old, new = sites
    command = [sys.executable, "-m", "statusgen", "build", "--project", str(root),
               "--now", NEW_NOW]
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, timeout=HANG)
    whole = time.monotonic() - started  # only to choose the moments from, never asserted
    rng = random.Random(6)
    runs = 40 if LONG else 8
    outcomes = {"old": 0, "new": 0}
    for attempt in range(3 * runs):
        if sum(outcomes.values()) == runs:
            break
        put_old_site(root, old)
        delay = rng.uniform(0, whole) if attempt % 2 else float("inf")
        if not kill_during(command, root / "site", delay):
            continue  # it ended first, which proves nothing: another run takes its place
        found = snapshot(root / "site")
        assert found in (old, new), "a mix of the old site and the new"
        outcomes["old" if found == old else "new"] += 1
    assert sum(outcomes.values()) == runs, f"only {outcomes} of {runs} runs were killed"
    assert outcomes["old"] and outcomes["new"], outcomes
    assert run_build(root, now=NEW_NOW)[0] == 0
    assert snapshot(root / "site") == new
    assert leftovers(root) == []  # what the killed builds left was tidied by the next


# --- Builds killed before each step of the writer --------------------------------------------

KILLER = textwrap.dedent("""\
    import atexit, os, signal, sys
    import statusgen.write as write
    mode, kill_at, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    if mode == "fallback":  # as on a system or file system that cannot exchange two folders
        write._exchange = lambda a, b: False
    steps = []

    def profile(frame, event, arg):
        if event == "c_call" and frame.f_code.co_filename == write.__file__:
            name = getattr(arg, "__name__", "?")
        elif event == "call" and frame.f_back is not None \\
                and frame.f_back.f_code.co_filename == write.__file__:
            name = frame.f_code.co_name
        else:
            return
        steps.append(name)
        if len(steps) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    # Counting starts when the writer takes its lock, whoever calls it.
    original = write.writers_lock

    def traced(parent):
        sys.setprofile(profile)
        return original(parent)

    write.writers_lock = traced
    atexit.register(lambda: print("\\n".join(steps), file=sys.stderr))
    from statusgen.cli import main
    main(args)
""")

SWAP_STEPS = {"renameat2", "_exchange", "_swap", "rename", "rmtree", "recover"}


def kill_points(steps: list[str], rng: random.Random, extra: int) -> list[int]:
    """1-based steps to kill at: just before and after every rename, exchange and removal,
    and `extra` chosen at random among the rest (writing the files)."""
    chosen = {n for n, name in enumerate(steps, 1) if name in SWAP_STEPS}
    chosen |= {n + 1 for n in chosen if n < len(steps)}
    chosen |= set(rng.sample(range(1, len(steps) + 1), min(extra, len(steps))))
    return sorted(chosen)


@pytest.mark.parametrize("mode", ["exchange", "fallback"])
def test_a_build_killed_before_any_step_of_the_swap_leaves_a_whole_site(
        sites: tuple[Path, dict[str, bytes], dict[str, bytes]], mode: str) -> None:
    root, old, new = sites
    args = ["build", "--project", str(root), "--now", NEW_NOW]
    assert run_build(root, now=NEW_NOW)[0] == 0  # the project folder as the runs below find it
    put_old_site(root, old)
    dry = subprocess.run([sys.executable, "-c", KILLER, mode, "0", *args], capture_output=True,
                         text=True, check=True)
    steps = [line for line in dry.stderr.splitlines() if line]
    assert ("_exchange" in steps) == (mode == "exchange")
    swap = steps[:steps.index("_exchange")] if mode == "exchange" else steps
    assert ("rename" in swap) == (mode == "fallback")  # the exchange is one system call
    assert snapshot(root / "site") == new
    points = kill_points(steps, random.Random(mode), 40 if LONG else 6)
    gaps = 0
    for point in points:
        put_old_site(root, old)
        killed = subprocess.run([sys.executable, "-c", KILLER, mode, str(point), *args],
                                capture_output=True, text=True)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        if not (root / "site").exists():
            # Only the fallback has this moment, between its two renames; the next build
            # (here its first step alone) puts the old site back.
            assert mode == "fallback"
            gaps += 1
            write.recover(root.resolve() / "site")
        assert snapshot(root / "site") in (old, new), f"a mix after a kill at step {point}"
    assert gaps == (1 if mode == "fallback" else 0)
    assert run_build(root, now=NEW_NOW)[0] == 0
    assert snapshot(root / "site") == new and leftovers(root) == []


def test_the_first_build_killed_leaves_nothing_half_made(
        sites: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    root, _, new = sites
    args = ["build", "--project", str(root), "--now", NEW_NOW]
    dry = subprocess.run([sys.executable, "-c", KILLER, "exchange", "0", *args],
                         capture_output=True, text=True, check=True)
    writes = [n for n, name in enumerate(dry.stderr.splitlines(), 1) if name == "write_bytes"]
    for point in (writes[0], writes[len(writes) // 2], writes[-1] + 1):
        shutil.rmtree(root / "site", ignore_errors=True)
        shutil.rmtree(root / ".statusgen-cache", ignore_errors=True)  # a first build again
        killed = subprocess.run([sys.executable, "-c", KILLER, "exchange", str(point), *args],
                                capture_output=True, text=True)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert not (root / "site").exists()
        assert leftovers(root) != []  # a half-written .site.new-<pid>, never at site/
    assert run_build(root, now=NEW_NOW)[0] == 0
    assert snapshot(root / "site") == new and leftovers(root) == []


def test_a_first_build_killed_while_it_links_the_spare_leaves_no_site_or_its_own(
        sites: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    """A first build hard-links each file it puts in its new folder into a twin, which
    becomes the spare after the swap: killed at any of those links, the site is still none;
    killed as the twin becomes the spare, it is the new one; either way the next build (which
    finds no record of a spare) makes the site and its spare whole."""
    root, _, new = sites
    args = ["build", "--project", str(root), "--now", NEW_NOW]
    shutil.rmtree(root / ".statusgen-cache", ignore_errors=True)
    dry = subprocess.run([sys.executable, "-c", KILLER, "exchange", "0", *args],
                         capture_output=True, text=True, check=True)
    steps = dry.stderr.splitlines()
    links = [n for n, name in enumerate(steps, 1) if name == "link"]
    assert links  # the spare's files, hard-linked one by one
    renamed = max(n for n, name in enumerate(steps, 1) if name == "rename")  # the twin's
    for point, site in [(links[0], {}), (links[len(links) // 2], {}), (links[-1], {}),
                        (renamed, new)]:
        shutil.rmtree(root / "site", ignore_errors=True)
        shutil.rmtree(root / ".statusgen-cache", ignore_errors=True)
        killed = subprocess.run([sys.executable, "-c", KILLER, "exchange", str(point), *args],
                                capture_output=True, text=True)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert snapshot(root / "site") == site, f"the site after a kill at step {point}"
        assert run_build(root, now=NEW_NOW)[0] == 0
        assert snapshot(root / "site") == new and leftovers(root) == []
        spare = root / ".statusgen-cache" / "site" / "spare"
        assert snapshot(spare) == new  # linked whole by the build after


# --- A full disk and a read-only output folder -----------------------------------------------

def _limit_file_size() -> None:  # in the child: any file over 1 kB fails with EFBIG
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))


def test_no_room_for_a_file_gives_a_clear_error_and_the_old_site(
        sites: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    """A file-size limit fails the writes as a full disk would, on any machine."""
    root, old, _ = sites
    put_old_site(root, old)
    result = subprocess.run([sys.executable, "-m", "statusgen", "build", "--project", str(root),
                             "--now", NEW_NOW], capture_output=True, text=True,
                            preexec_fn=_limit_file_size)
    assert result.returncode == 1, result.stderr
    assert result.stderr == (f"error: cannot write the site to {root}/site: File too large; "
                             "the previous site is unchanged\n")
    assert snapshot(root / "site") == old and leftovers(root) == []


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextmanager
def small_disk(path: Path, kilobytes: int) -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs",
                              str(path)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


@pytest.mark.skipif(not _can_mount(), reason="needs root to mount a small tmpfs")
def test_a_full_disk_gives_a_clear_error_and_the_old_site(
        sites: tuple[Path, dict[str, bytes], dict[str, bytes]], tmp_path: Path) -> None:
    root, old, _ = sites
    pages = sum(-(-len(data) // 4096) for data in old.values())  # tmpfs counts whole pages
    with small_disk(tmp_path / "disk", pages * 4 * 3 // 2) as disk:
        out = disk / "site"
        assert run_build(root, out=out, now=OLD_NOW)[0] == 0  # room for one site, not for two
        code, output = run_build(root, out=out, now=NEW_NOW)
        assert code == 1
        assert output == (f"error: cannot write the site to {out}: No space left on device; "
                          "the previous site is unchanged\n")
        assert snapshot(out) == old and leftovers(disk) == []


@pytest.mark.skipif(not _can_mount() and os.geteuid() == 0,
                    reason="as root, only a read-only mount makes a folder read-only")
def test_a_read_only_output_gives_a_clear_error_and_the_old_site(
        sites: tuple[Path, dict[str, bytes], dict[str, bytes]], tmp_path: Path) -> None:
    root, old, _ = sites
    mount = _can_mount()
    with small_disk(tmp_path / "disk", 4096) if mount else _plain(tmp_path) as disk:
        out = disk / "site"
        assert run_build(root, out=out, now=OLD_NOW)[0] == 0
        if mount:
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        else:
            disk.chmod(0o555)
        try:
            code, output = run_build(root, out=out, now=NEW_NOW)
        finally:
            if not mount:
                disk.chmod(0o755)
        assert code == 1
        assert output.startswith(f"error: cannot write the site to {out}: ")
        assert output.endswith("; the previous site is unchanged\n")
        assert "Read-only file system" in output or "Permission denied" in output
        assert snapshot(out) == old and leftovers(disk) == []


@contextmanager
def _plain(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "disk").mkdir()
    yield tmp_path / "disk"


# --- `update` killed before each of its steps -----------------------------------------------

UPDATE_KILLER = textwrap.dedent("""\
    import os, signal, sys
    import statusgen.author as author
    import statusgen.cli as cli
    kill_at, args = int(sys.argv[1]), sys.argv[2:]
    steps = []

    def profile(frame, event, arg):
        if event == "c_call" and frame.f_code.co_filename == author.__file__:
            name = getattr(arg, "__name__", "?")
        elif event == "call" and frame.f_back is not None \\
                and frame.f_back.f_code.co_filename == author.__file__:
            name = frame.f_code.co_name
        else:
            return
        steps.append(name)
        if len(steps) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    original = author.append_update

    def traced(*a, **k):
        sys.setprofile(profile)
        try:
            return original(*a, **k)
        finally:
            sys.setprofile(None)
            print("\\n".join(steps), file=sys.stderr)

    author.append_update = traced  # the update command takes it from there when it runs
    cli.main(args)
""")


def test_an_update_killed_at_any_step_leaves_the_file_as_it_was_or_updated(
        write_project: WriteProject) -> None:
    root = write_project({"statusgen.yaml": CONFIG, "incidents/a.yaml": INCIDENT})
    path = root / "incidents" / "a.yaml"
    args = ["update", "--project", str(root), "a", "--reopen", "--status", "investigating",
            "--message", "Slow again.", "--at", "2025-04-19 12:00"]
    dry = subprocess.run([sys.executable, "-c", UPDATE_KILLER, "0", *args], capture_output=True,
                         text=True, check=True)
    steps = [line for line in dry.stderr.splitlines() if line]
    updated = path.read_bytes()
    assert updated.startswith(INCIDENT.encode()) and b"Slow again." in updated
    chosen = {n for n, name in enumerate(steps, 1) if name in (
        "_replace", "open", "write", "fsync", "chmod", "replace", "unlink", "flock")}
    chosen |= {n + 1 for n in chosen if n < len(steps)}
    chosen |= set(random.Random(8).sample(range(1, len(steps) + 1), min(6, len(steps))))
    for point in sorted(chosen):
        path.write_text(INCIDENT)
        killed = subprocess.run([sys.executable, "-c", UPDATE_KILLER, str(point), *args],
                                capture_output=True, text=True)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert path.read_bytes() in (INCIDENT.encode(), updated), f"half an update at {point}"
    path.write_text(INCIDENT)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == updated
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.yaml"]  # temporary files gone


def test_files_kept_from_the_last_site_are_linked_into_the_new_one_before_the_swap(
        tmp_path: Path) -> None:
    """An incremental build writes only what changed and keeps the rest by hard link: the
    new site is still swapped in whole, and the old one is never changed in place."""
    out = tmp_path / "site"
    write.write_site({"index.html": b"old", "a/page.html": b"same", SITE_MARK: b"{}"}, out)
    kept = (out / "a" / "page.html").stat().st_ino
    old_folder = out.stat().st_ino
    write.write_site({"index.html": b"new"}, out, unchanged=["a/page.html", SITE_MARK])
    assert snapshot(out) == {"index.html": b"new", "a/page.html": b"same", SITE_MARK: b"{}"}
    assert (out / "a" / "page.html").stat().st_ino == kept  # linked, not copied
    assert out.stat().st_ino != old_folder and leftovers(tmp_path) == []
    with pytest.raises(write.OutputError, match="refusing to write outside the site"):
        write.write_site({}, out, unchanged=["../escape"])
    with pytest.raises(write.OutputError, match="No such file"):  # nothing to keep: refused
        write.write_site({}, out, unchanged=["gone.html"])
    assert snapshot(out)["index.html"] == b"new" and leftovers(tmp_path) == []


# Counts the steps of the cache as well as of the writer (from the writers' lock on).
CACHE_KILLER = KILLER.replace(
    "import statusgen.write as write",
    "import statusgen.write as write, statusgen.incremental.output as cache\n"
    "FILES = {write.__file__, cache.__file__}").replace(
    "frame.f_code.co_filename == write.__file__", "frame.f_code.co_filename in FILES").replace(
    "frame.f_back.f_code.co_filename == write.__file__",
    "frame.f_back.f_code.co_filename in FILES")


@pytest.mark.parametrize("spare", [False, True])
def test_an_incremental_build_killed_midway_leaves_the_old_site_or_the_new(
        sites: tuple[Path, dict[str, bytes], dict[str, bytes]], spare: bool) -> None:
    """Killed while it links the unchanged files into a new folder, or while it brings the
    site before last (the spare) up to date: the site is the old one or the new one, and the
    next build makes the new one whole, whatever the kill left of the spare."""
    root, old, new = sites
    args = ["build", "--project", str(root), "--now", NEW_NOW]

    def set_up() -> None:
        put_old_site(root, old)
        shutil.rmtree(root / ".statusgen-cache", ignore_errors=True)
        # Written long ago: else a file changed within RACY_NS of a build is read (and its
        # record saved) again by the next, and the dry run would count steps the others skip.
        for path in (root / "incidents").iterdir():
            os.utime(path, (time.time() - 60, time.time() - 60))
        for _ in range(2 if spare else 1):  # the second swaps a recorded site out: a spare
            assert run_build(root, now=OLD_NOW)[0] == 0 and snapshot(root / "site") == old
        if not spare:  # the one the first build linked is gone: a new folder is made
            shutil.rmtree(root / ".statusgen-cache" / "site" / "spare")

    set_up()
    dry = subprocess.run([sys.executable, "-c", CACHE_KILLER, "exchange", "0", *args],
                         capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    steps = [line for line in dry.stderr.splitlines() if line]
    assert "publish" in steps and "_exchange" in steps
    # the folders checked (in another process), and the spare reused in place
    assert ("_checked" in steps) and (steps.count("unlink") > 0) == spare
    for point in kill_points(steps, random.Random(9), 40 if LONG else 8):
        set_up()
        killed = subprocess.run([sys.executable, "-c", CACHE_KILLER, "exchange", str(point),
                                 *args], capture_output=True, text=True)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert snapshot(root / "site") in (old, new), f"a mix after a kill at step {point}"
        assert run_build(root, now=NEW_NOW)[0] == 0
        assert snapshot(root / "site") == new, f"not whole after a kill at step {point}"
        assert leftovers(root) == []
