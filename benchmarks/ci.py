"""Time an edit's build as a CI run makes it: a fresh clone of the project, with what the run
before cached restored by tar, as `actions/cache` saves and restores it.

    .venv/bin/python benchmarks/ci.py --sizes 1000 10000 --runs 3
    .venv/bin/python benchmarks/ci.py --cached .statusgen-cache   # without the site

For each size it writes a project (benchmarks/generate.py) into a git repository. A first run
builds it (no cache yet: a clean build); then each run commits an edit to one incident, clones
the repository anew at the same place (git gives every file a new time), restores the cache of
the run before (tar --posix, as `actions/cache` does: the same files in new inodes), builds, and
saves the cache for the next. The cache holds `--cached` (default: what the GitHub workflow of
`statusgen init` caches: the site, `.statusgen-cache` and the key). Each row is the median of
the runs (see run.py for the columns). Not part of the test run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import NOW, generate
from run import Run, _edit, _median, _row, measure

CACHED = ("site", ".statusgen-cache")  # and the key, kept outside the project


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org",
                    *args], cwd=cwd, check=True, capture_output=True)


def _tar(*args: str) -> None:
    subprocess.run(["tar", "--posix", *args], check=True, capture_output=True)


def ci_runs(statusgen: str, repository: Path, tmp: Path, runs: int,
            cached: tuple[str, ...]) -> tuple[Run, list[Run]]:
    """The first run's build, and each later run's."""
    checkout, home = tmp / "checkout", tmp / "home"  # the same paths in every run, as in CI
    incidents = sorted((repository / "incidents").iterdir())
    first, later = None, []
    for n in range(runs + 1):
        if n:
            _edit(incidents[len(incidents) // 2], n)
            _git("commit", "-qam", f"Edit {n}", cwd=repository)
            # the run before's folders put aside, not deleted: files made just after thousands
            # were deleted cost many times as much on some file systems (see run.py)
            checkout.rename(tmp / f"checkout-{n - 1}")
            home.rename(tmp / f"home-{n - 1}")
        _git("clone", "-q", str(repository), str(checkout), cwd=tmp)
        home.mkdir()
        if n:
            _tar("-xf", str(tmp / "checkout.tar"), "-C", str(checkout))
            _tar("-xf", str(tmp / "home.tar"), "-C", str(home))
        run = measure(["env", f"XDG_CACHE_HOME={home}", statusgen, "build", "--project",
                       str(checkout), "--now", NOW], checkout / "site")
        if n:
            later.append(run)
        else:
            first = run
        print(f"  run {n}: {run}", file=sys.stderr)
        _tar("-cf", str(tmp / "checkout.tar"), "-C", str(checkout), *cached)
        _tar("-cf", str(tmp / "home.tar"), "-C", str(home), "statusgen")
    assert first is not None
    return first, later


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3, help="edits per size (the median shown)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--statusgen", default=str(Path(sys.executable).with_name("statusgen")))
    parser.add_argument("--cached", nargs="+", default=list(CACHED),
                        help="what the cache step saves besides the key (default: %(default)s)")
    args = parser.parse_args()
    print("| incidents | build | wall s | CPU s | peak RSS MB | peak PSS MB | pages | files |"
          " wall s per 1k |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="statusgen-ci-") as tmp:
            repository = Path(tmp) / "repository"
            generate(size, args.seed, repository)
            _git("init", "-q", cwd=repository)
            _git("add", "-A", cwd=repository)
            _git("commit", "-qm", "The project", cwd=repository)
            first, later = ci_runs(args.statusgen, repository, Path(tmp), args.runs,
                                   tuple(args.cached))
            label = f"{size:,}"
            print(_row(label, "CI, first run (nothing cached)", first, size))
            print(_row(label, f"CI, an edit, {' and '.join(args.cached)} restored",
                       _median(later), None))


if __name__ == "__main__":
    main()
