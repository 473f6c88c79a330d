"""Time `statusgen build` on generated projects of 100, 1,000 and 10,000 incidents.

    .venv/bin/python benchmarks/run.py                 # 3 runs per row, medians
    .venv/bin/python benchmarks/run.py --sizes 1000 --runs 5
    .venv/bin/python benchmarks/run.py --sizes 1000 --baseline /tmp/before.sh  # A/B, interleaved

For each size it writes a project (benchmarks/generate.py) into a fresh temporary folder and
runs the installed `statusgen` executable as a subprocess, as a user would: clean builds (no
output folder, no cache), then two rebuilds, each after editing one incident's latest message
(the cache of the build before is warm; the second also finds the site before last kept as a
spare), and a third, after another edit, an hour later: a build on the clock, which makes again
the pages that show the present. It also builds the repository's own demo. Each row is the median
of the runs, with:

- wall: seconds from starting the process to its exit, interpreter start included;
- CPU: user + system seconds of the build and every process it started;
- RSS: the peak resident memory of the largest single process (ru_maxrss from wait4);
- PSS: the peak of the whole process tree's proportional set size, sampled every 50 ms or,
  where a sample takes long, 20 times as long as it took (memory shared by forked workers is
  counted once), the real memory a build needs;
- pages and files written.

Not part of the test run: it takes minutes and its figures depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import NOW, generate
from hugo import hugo_site

REPO = Path(__file__).resolve().parent.parent
# As a user's shell has it: Python keeps the bytecode it compiles (an editable install's
# modules are compiled on every start otherwise).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
DEMO_NOW = "2025-05-14T12:00:00+01:00"


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_mb: float
    pss_mb: float
    pages: int
    files: int


def _children(pid: int) -> list[int]:
    """Every descendant of `pid`, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _sample_pss(pid: int, stop: threading.Event, peak: list[int]) -> None:
    """Every 50 ms, or less often where a sample takes long: reading smaps_rollup walks a
    process's memory (6 to 8 ms for each process of a 10,000-incident build), and sampling at
    a fixed pace took half a core from the build it measured."""
    while not stop.is_set():
        started = time.perf_counter()
        total = sum(_pss_kb(p) for p in [pid, *_children(pid)])
        peak[0] = max(peak[0], total)
        stop.wait(max(0.05, 20 * (time.perf_counter() - started)))  # 5% of a core at most


def _count(out: Path) -> tuple[int, int]:
    pages = files = 0
    for _, _, names in os.walk(out):
        files += len(names)
        pages += sum(1 for n in names if n.endswith(".html"))
    return pages, files


def build(statusgen: str, project: Path, out: Path, now: str, *extra: str) -> Run:
    """One `statusgen build` in a subprocess, measured."""
    return measure([statusgen, "build", "--project", str(project), "--out", str(out), "--now",
                    now, *extra], out)


def measure(command: list[str], out: Path) -> Run:
    """One run of `command`, which writes a site into `out`, in a subprocess, measured."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=_ENV)
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=_sample_pss, args=(process.pid, stop, peak))
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    output = process.stdout.read().decode() if process.stdout else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({process.returncode}):\n{output}")
    pages, files = _count(out)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak[0] / 1024,
               pages, files)


def _edit(incident: Path, n: int) -> None:
    """Change the latest update's message of one incident (its last language's, in a site
    of several): a different word each run."""
    text = incident.read_text(encoding="utf-8").rstrip("\n")
    last = text.rsplit("\n", 1)[-1]
    indent = last[:len(last) - len(last.lstrip())]
    incident.write_text(f"{text}\n{indent}Edited for run {n}.\n", encoding="utf-8")


def _later(n: int) -> str:
    """The benchmark's `now`, n + 1 hours later."""
    return (datetime.fromisoformat(NOW.replace("Z", "+00:00")) + timedelta(hours=n + 1)) \
        .isoformat()


def _median(runs: list[Run]) -> Run:
    def median(name: str) -> float:
        return statistics.median(getattr(r, name) for r in runs)

    return Run(median("wall"), median("cpu"), median("rss_mb"), median("pss_mb"),
               runs[0].pages, runs[0].files)


def _row(label: str, kind: str, run: Run, per: int | None) -> str:
    per_k = f"{run.wall / per * 1000:.2f}" if per else ""
    return (f"| {label} | {kind} | {run.wall:.2f} | {run.cpu:.2f} | {run.rss_mb:.0f} | "
            f"{run.pss_mb:.0f} | {run.pages} | {run.files} | {per_k} |")


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=3, help="runs per row (the median shown)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--statusgen", default=shutil.which("statusgen")
                        or str(Path(sys.executable).parent / "statusgen"))
    parser.add_argument("--baseline", default=None, metavar="EXECUTABLE",
                        help="another statusgen (say, the last commit's) to time in the same "
                             "minutes: each of its builds beside the same one of --statusgen "
                             "(which goes first changes from run to run), in an output folder "
                             "of its own")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo's row")
    parser.add_argument("--no-incremental", action="store_true",
                        help="only clean builds (for a statusgen without a cache)")
    parser.add_argument("--languages", nargs="+", default=[],
                        help="generate sites in these languages, e.g. en-GB cy (default: one)")
    parser.add_argument("--hugo", default=shutil.which("hugo"),
                        help="the hugo executable for the references (default: on the PATH)")
    parser.add_argument("--no-hugo", action="store_true", help="no reference builds")
    parser.add_argument("--cstate", type=Path, default=None, metavar="CHECKOUT",
                        help="a cState checkout: time cState on the same incidents too")
    parser.add_argument("--cstate-up-to", type=int, default=3000, metavar="N",
                        help="only for sizes up to N (its build time grows with the square)")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    print(f"load average before: {_loadavg()}", file=sys.stderr)
    rows = ["| incidents | build | wall s | CPU s | peak RSS MB | peak PSS MB | pages | files "
            "| wall s per 1k |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    builders = [("", args.statusgen)] + ([("baseline", args.baseline)] if args.baseline else [])
    ratios: list[str] = []
    if not args.no_demo:
        for name, statusgen in builders:
            with tempfile.TemporaryDirectory(prefix="statusgen-bench-") as tmp:
                runs = [build(statusgen, REPO, Path(tmp) / str(n) / "site", DEMO_NOW,
                              *_clean_flag(args)) for n in range(args.runs)]
                rows.append(_row("demo", _named("clean", name), _median(runs), None))
    for size in args.sizes:
        own_rows, own_ratios = _size(args, size, builders)
        rows += own_rows
        ratios += own_ratios
    print(f"load average after: {_loadavg()}", file=sys.stderr)
    print("\n".join(rows))
    if ratios:
        print("\n" + "\n".join(ratios))


def _clean_flag(args: argparse.Namespace) -> tuple[str, ...]:
    return () if args.no_incremental else ("--clean",)


def _named(kind: str, name: str) -> str:
    return f"{kind} ({name})" if name else kind


@dataclass
class _Timed:
    """The runs of one statusgen at one size, by kind of build."""

    clean: list[Run]
    first: list[Run]
    incremental: list[Run]
    later: list[Run]


def _size(args: argparse.Namespace, size: int, builders: list[tuple[str, str]]
          ) -> tuple[list[str], list[str]]:
    """The rows and ratios of one size: each statusgen of `builders` (name, executable),
    build after build, and the references in the same minutes."""
    with tempfile.TemporaryDirectory(prefix="statusgen-bench-") as tmp:
        project = Path(tmp) / "project"
        incidents = generate(size, args.seed, project, tuple(args.languages))
        # A file changed within two seconds of a build is read again by the next (as git
        # does): the files were all just written, which is not what a rebuild meets.
        time.sleep(2.1)
        references = _references(args, size, project, Path(tmp))
        made: dict[str, list[Run]] = {label: [] for label, _ in references}
        timed = {name: _Timed([], [], [], []) for name, _ in builders}
        for n in range(args.runs):
            # A new output folder each run, so no cache and no site, and nothing deleted just
            # before: on an ext4 without a journal (this machine's), files made in the minutes
            # after thousands were deleted cost up to ten times the time to make, as the
            # kernel steps over each inode it freed. That would time the benchmark's own
            # clean-up, which no build meets.
            outs = {name: project / f"site-{name or 'statusgen'}-{n}" for name, _ in builders}
            # Which goes first changes from run to run: the second may find more in the caches.
            order = builders if n % 2 == 0 else builders[::-1]
            for name, statusgen in order:
                timed[name].clean.append(build(statusgen, project, outs[name], NOW,
                                               *_clean_flag(args)))
                print(f"  {size} {_named('clean', name)}: {timed[name].clean[-1]}",
                      file=sys.stderr)
            for label, source in references:  # in the same minutes
                made[label].append(measure([
                    str(args.hugo), "--quiet", "--source", str(source), "--destination",
                    str(source / f"public-{n}")], source / f"public-{n}"))
                print(f"  {size} {label}: {made[label][-1]}", file=sys.stderr)
            if not args.no_incremental:
                _edits(project, incidents, n, order, outs, timed)
        return _size_rows(size, made, timed)


def _edits(project: Path, incidents: list[Path], n: int, builders: list[tuple[str, str]],
           outs: dict[str, Path], timed: dict[str, _Timed]) -> None:
    """The rebuilds of run `n`, each after one edit, by each statusgen in turn. The first
    after a clean one has no spare site yet to bring up to date: it links every unchanged
    file into a new folder. The next ones are what an operator posting update after update
    meets. The last is a build on the clock: the pages that show the present change."""
    steps = [(incidents[len(incidents) // 2], 2 * n, NOW, "first"),
             (incidents[len(incidents) // 2], 2 * n + 1, NOW, "incremental"),
             (incidents[len(incidents) // 3], 2 * n, _later(n), "later")]
    for incident, edit, now, kind in steps:
        _edit(incident, edit)
        for name, statusgen in builders:
            runs: list[Run] = getattr(timed[name], kind)
            runs.append(build(statusgen, project, outs[name], now))
            print(f"  {_named(kind, name)}: {runs[-1]}", file=sys.stderr)


def _size_rows(size: int, made: dict[str, list[Run]], timed: dict[str, _Timed]
               ) -> tuple[list[str], list[str]]:
    rows: list[str] = []
    ratios: list[str] = []
    for name, runs in timed.items():
        clean = _median(runs.clean)
        rows.append(_row(f"{size:,}", _named("clean", name), clean, size))
        if runs.incremental:
            for kind, label in (("first", "first edit after a clean build"),
                                ("incremental", "one incident edited"),
                                ("later", "one incident edited, a new now")):
                rows.append(_row(f"{size:,}", _named(label, name),
                                 _median(getattr(runs, kind)), None))
            ratios.append(_share(size, clean.wall, _median(runs.first).wall,
                                 _median(runs.incremental).wall, name))
        for label, references in made.items():
            ratios.append(_ratio(size, clean.wall, label, _median(references).wall, name))
    for label, references in made.items():
        rows.append(_row(f"{size:,}", f"{label}, clean", _median(references), size))
    if "baseline" in timed:
        ratios.append(_against(size, timed[""], timed["baseline"]))
    return rows, ratios


def _references(args: argparse.Namespace, size: int, project: Path, tmp: Path
                ) -> list[tuple[str, Path]]:
    """The other generators' sites of the same incidents, by label, ready for `hugo`: bare
    Hugo always (unless --no-hugo), cState when a checkout is given and the size is small
    enough."""
    if args.no_hugo or not args.hugo:
        return []
    version = subprocess.run([args.hugo, "version"], capture_output=True, text=True,
                             check=True).stdout.split()[1].split("+")[0]
    hugo = tmp / "hugo"
    hugo_site(project, hugo)
    found = [(f"Hugo {version}, bare two-template theme", hugo)]
    if args.cstate is not None and size <= args.cstate_up_to:
        from cstate import cstate_site

        cstate_site(project, tmp / "cstate", args.cstate)
        found.append((f"cState on Hugo {version}", tmp / "cstate"))
    return found


def _ratio(size: int, statusgen: float, label: str, other: float, name: str = "") -> str:
    """statusgen's clean build against another generator's, in one sentence."""
    who = _named("statusgen", name)
    if statusgen <= other:
        return (f"{size:,} incidents, clean: {who} {statusgen:.2f} s, {label} "
                f"{other:.2f} s: {who} {other / statusgen:.1f}x faster")
    return (f"{size:,} incidents, clean: {who} {statusgen:.2f} s, {label} {other:.2f} s: "
            f"{who} takes {statusgen / other:.1f}x its time")


def _share(size: int, clean: float, first: float, steady: float, name: str = "") -> str:
    """An edit's build against a clean one, in one sentence."""
    return (f"{_named(f'{size:,} incidents', name)}: one incident edited "
            f"{steady:.2f} s ({steady / clean:.1%} of a clean build), the first edit after a "
            f"clean build {first:.2f} s ({first / clean:.1%})")


def _against(size: int, new: _Timed, old: _Timed) -> str:
    """Each kind of build of --statusgen against the baseline's, from the same minutes."""
    kinds = [("clean", "clean")] + ([("first", "first edit"), ("incremental", "edit"),
                                      ("later", "edit, a new now")] if new.incremental else [])
    return f"{size:,} incidents, statusgen against the baseline: " + ", ".join(
        f"{label} {_median(getattr(new, kind)).wall / _median(getattr(old, kind)).wall:.1%}"
        for kind, label in kinds)


if __name__ == "__main__":
    main()
