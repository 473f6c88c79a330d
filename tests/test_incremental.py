"""Incremental builds: after any edit, a build that uses the cache writes exactly the bytes a
clean build writes; the cache is only ever a shortcut."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    GOLDEN_NOW,
    GOLDEN_PROJECT,
    REPO,
    build_site,
    in_fresh_process,
    run_build,
    snapshot,
)

from statusgen import pool
from statusgen.build import read_project, render_site
from statusgen.errors import ProjectError
from statusgen.incremental import CACHE_FOLDER, BuildCache
from statusgen.incremental.read import SHARDS, _in_chunks, shard_of
from statusgen.incremental.records import LIBRARIES, installed
from statusgen.parse import parse_time
from statusgen.project import Project
from statusgen.render.theme import Theme

LATER = "2025-04-19T16:45:00+01:00"


def build(project: Path, out: Path, *args: str, now: str = GOLDEN_NOW) -> str:
    """A build with --profile, whose lines say what the cache did."""
    return build_site(project, out, "--profile", *args, now=now)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(GOLDEN_PROJECT, root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def anew(folder: Path) -> None:
    """`folder` copied in place of itself: the same files in new inodes, with new times (as
    a fresh clone or a restored cache has them)."""
    copy = folder.with_name(f"{folder.name}.copy")
    shutil.copytree(folder, copy, symlinks=True)
    shutil.rmtree(folder)
    copy.rename(folder)


def incident(root: Path, name: str) -> Path:
    return root / "incidents" / f"{name}.yaml"


NEW_INCIDENT = """\
title: Checkout errors
updates:
  - at: 2025-04-19 10:00
    status: identified
    components: {stores: partial_outage}
    message: Card payments fail in **some** stores.
"""
THEME_CONFIG = "  description: A small project"
THEMED = "  theme: mine\n  description: A small project"

# Each edit, and the note that shows the incremental build read through the cache.
EDITS: dict[str, tuple[Callable[[Path], None], str]] = {
    "an update's message": (lambda root: edit(
        incident(root, "2025-04-19-app-down"), "The app does not open.",
        "The app does not open on *any* phone."), "1 of 5 incident files parsed"),
    "an old incident's message": (lambda root: edit(
        incident(root, "2025-03-29-website-slow"), "loading slowly", "loading very slowly"),
        "1 of 5 incident files parsed"),
    "a component's state": (lambda root: edit(
        incident(root, "2025-04-19-app-down"), "app: major_outage", "app: degraded_performance"),
        "1 of 5 incident files parsed"),
    "an incident resolved": (lambda root: incident(root, "2025-04-19-app-down").write_text(
        incident(root, "2025-04-19-app-down").read_text() + "  - at: 2025-04-19 10:20\n"
        "    status: resolved\n    message: All fixed.\n"), "1 of 5 incident files parsed"),
    "an incident added": (lambda root: incident(root, "2025-04-19-checkout").write_text(
        NEW_INCIDENT), "1 of 6 incident files parsed"),
    "a file touched, not changed": (lambda root: incident(root, "2025-04-18-notice").write_bytes(
        incident(root, "2025-04-18-notice").read_bytes()), "0 of 5 incident files parsed"),
    "an incident deleted": (lambda root: incident(root, "2025-04-18-notice").unlink(),
                            "0 of 4 incident files parsed"),
    "the site's title": (lambda root: edit(root / "statusgen.yaml", "Golden Status",
                                           "Golden & Silver Status"), "all 5"),
    "a component's name": (lambda root: edit(root / "statusgen.yaml", "name: App",
                                             "name: Mobile app"), "all 5"),
    "the time zone": (lambda root: edit(root / "statusgen.yaml", "Europe/London",
                                        "Europe/Paris"), "all 5"),
}


@pytest.mark.parametrize("change", EDITS)
def test_an_incremental_build_equals_a_clean_build(project: Path, tmp_path: Path,
                                                   change: str) -> None:
    apply, note = EDITS[change]
    site = tmp_path / "site"
    first = build(project, site)
    assert "all 5 incident files parsed" in first
    apply(project)
    again = build(project, site)
    assert note in again, again
    build(project, tmp_path / "clean", "--clean")
    assert snapshot(site) == snapshot(tmp_path / "clean")


def test_edits_in_a_row_each_equal_a_clean_build(project: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build(project, site)
    for n, (apply, _) in enumerate(EDITS.values()):
        apply(project)
        build(project, site)
        build(project, tmp_path / f"clean-{n}", "--clean")
        assert snapshot(site) == snapshot(tmp_path / f"clean-{n}"), n


def test_a_new_now_equals_a_clean_build(project: Path, tmp_path: Path) -> None:
    """Every page is made again, from the Markdown that the last build converted."""
    first = build(project, tmp_path / "site")
    converted = int(re.search(r"(\d+) texts? converted from Markdown", first)[1])
    assert converted > 5
    output = build(project, tmp_path / "site", now=LATER)
    assert "0 of 5 incident files parsed" in output
    assert "0 texts converted from Markdown" in output
    build(project, tmp_path / "clean", "--clean", now=LATER)
    assert snapshot(tmp_path / "site") == snapshot(tmp_path / "clean")
    edit(incident(project, "2025-04-19-app-down"), "The app does not open.", "Nothing opens.")
    assert "1 text converted from Markdown" in build(project, tmp_path / "site", now=LATER)


def test_a_new_now_leaves_the_pages_of_ended_incidents_as_they_were(project: Path,
                                                                     tmp_path: Path) -> None:
    """An ended incident's page is made as of its end (its last update), and so is a list of
    only ended incidents (a month of history): later builds keep them, while the pages of what
    goes on say the new time."""
    out = tmp_path / "site"
    build(project, out)
    pages = {name: out / "incidents" / name / "index.html"
             for name in ("2025-03-29-website-slow", "2025-04-19-app-down")}
    month = out / "history" / "2025-03" / "index.html"  # the website-slow incident alone
    before = {name: (page.stat().st_ino, page.read_bytes()) for name, page in pages.items()}
    month_before = month.stat().st_ino, month.read_bytes()
    build(project, out, now=LATER)
    ended, going_on = pages.values()
    assert (ended.stat().st_ino, ended.read_bytes()) == before["2025-03-29-website-slow"]
    assert (month.stat().st_ino, month.read_bytes()) == month_before
    assert "last updated <time datetime=\"2025-03-30T13:00:00+01:00\">" in ended.read_text()
    assert going_on.read_bytes() != before["2025-04-19-app-down"][1]
    assert "last updated <time datetime=\"2025-04-19T16:45:00+01:00\">" in going_on.read_text()


def test_the_front_page_is_kept_while_nothing_it_shows_changes(project: Path,
                                                                tmp_path: Path) -> None:
    """The front page is made again when what it shows changes (an incident it lists, a
    component's state or bars, the time), not for an edit elsewhere: a message of an incident
    resolved before the recent days leaves it as it was, bars and all."""
    out, clean = tmp_path / "site", tmp_path / "clean"
    build(project, out)
    front = out / "index.html"
    before = front.stat().st_ino, front.read_bytes()
    edit(incident(project, "2025-03-29-website-slow"), "loading slowly", "loading very slowly")
    build(project, out)
    assert (front.stat().st_ino, front.read_bytes()) == before
    edit(incident(project, "2025-04-19-app-down"), "The app does not open.",
         "The app does not open on *any* phone.")
    build(project, out)
    assert b"does not open on any phone" in front.read_bytes()  # its summary, as plain text
    build(project, clean, "--clean")
    assert snapshot(out) == snapshot(clean)


def test_an_ended_incident_reopened_by_an_update_due_later_is_made_again(
        project: Path, tmp_path: Path) -> None:
    """An update written ahead of time is not out yet; when a later `now` publishes it, the
    page of the incident it reopens is made again, though its file has not changed."""
    path = incident(project, "2025-03-29-website-slow")  # resolved on 30 March
    path.write_text(path.read_text().replace(
        "postmortem:", "  - at: 2025-04-19 12:00\n    status: investigating\n"
        "    components: {website: degraded_performance}\n    message: It is back.\n"
        "postmortem:"))
    out = tmp_path / "site"
    build(project, out, now="2025-04-19T11:00:00+01:00")
    page = out / "incidents" / "2025-03-29-website-slow" / "index.html"
    assert "It is back." not in page.read_text() and "at their worst" in page.read_text()
    build(project, out, now=LATER)
    assert "It is back." in page.read_text()
    build(project, tmp_path / "clean", "--clean", now=LATER)
    assert snapshot(out) == snapshot(tmp_path / "clean")


THEME_EDITS: dict[str, Callable[[Path], None]] = {
    "a template overridden": lambda theme: (theme / "templates" / "404.html").write_text(
        '{% extends "default:404.html" %}{% block title %}Lost{% endblock %}'),
    "an overriding template changed": lambda theme: edit(
        theme / "templates" / "incident.html", "Updates below", "Every update below"),
    "an override removed": lambda theme: (theme / "templates" / "incident.html").unlink(),
    "a static file changed": lambda theme: (theme / "static" / "extra.css").write_text(
        "p { margin: 0 }\n"),
    "a static file added": lambda theme: (theme / "static" / "more.css").write_text("a {}\n"),
}


@pytest.mark.parametrize("change", THEME_EDITS)
def test_a_theme_edit_equals_a_clean_build(project: Path, tmp_path: Path, change: str) -> None:
    edit(project / "statusgen.yaml", THEME_CONFIG, THEMED)
    theme = project / "themes" / "mine"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "templates" / "incident.html").write_text(
        '{% extends "default:incident.html" %}{% block main %}<p>Updates below</p>'
        "{{ super() }}{% endblock %}")
    (theme / "static" / "extra.css").write_text("p { margin: 1em }\n")
    site = tmp_path / "site"
    build(project, site)
    THEME_EDITS[change](theme)
    build(project, site)
    build(project, tmp_path / "clean", "--clean")
    assert snapshot(site) == snapshot(tmp_path / "clean")


@pytest.mark.parametrize("tamper", ["changed", "deleted", "added"])
def test_an_output_folder_changed_by_hand_is_built_anew(project: Path, tmp_path: Path,
                                                         tamper: str) -> None:
    site = tmp_path / "site"
    build(project, site)
    clean = snapshot(site)
    page = site / "incidents" / "2025-04-18-notice" / "index.html"
    if tamper == "changed":
        page.write_bytes(page.read_bytes().replace(b"<h1", b"<h1 class=x"))
    elif tamper == "deleted":
        page.unlink()
    else:
        (site / "incidents" / "stray.html").write_text("not ours")
    build(project, site)
    assert snapshot(site) == clean


def test_the_site_before_last_is_brought_up_to_date_and_swapped_in(project: Path,
                                                                  tmp_path: Path) -> None:
    """The site the last swap replaced is kept as a spare among the records; the next build
    changes only the files that differ in it, then swaps it in."""
    site = tmp_path / "site"
    build(project, site)
    build(project, site)  # the first site, swapped out, is now the spare
    spare = tmp_path / CACHE_FOLDER / "site" / "spare"
    assert snapshot(spare) == snapshot(site)
    EDITS["an update's message"][0](project)
    output = build(project, site)
    assert "kept from the site before last" in output
    build(project, tmp_path / "clean", "--clean")
    assert snapshot(site) == snapshot(tmp_path / "clean")
    incident(project, "2025-04-18-notice").unlink()  # its page goes from the spare too
    assert "removed" in build(project, site)
    assert snapshot(site) == snapshot(build_clean(project, tmp_path / "clean2"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []


def test_a_clean_build_leaves_a_spare_the_first_edit_is_made_in(project: Path,
                                                                 tmp_path: Path) -> None:
    """A build that swaps out no site (a clean one, or the first) links its files as the spare,
    so the first edit after it costs what any other does: made in the spare, it writes only
    what changed and links nothing."""
    site = tmp_path / "site"
    build(project, site, "--clean")
    spare = tmp_path / CACHE_FOLDER / "site" / "spare"
    assert snapshot(spare) == snapshot(site)
    page = "incidents/2025-04-18-notice/index.html"
    assert (spare / page).stat().st_ino == (site / page).stat().st_ino  # linked, not copied
    EDITS["an update's message"][0](project)
    output = build(project, site)
    assert "kept from the site before last" in output and "linked" not in output
    assert snapshot(site) == snapshot(build_clean(project, tmp_path / "clean"))
    assert snapshot(spare) != snapshot(site)  # the site before, kept for the next edit


@pytest.mark.parametrize("cached", [("site", CACHE_FOLDER), (CACHE_FOLDER,)])
def test_a_ci_run_with_its_caches_restored_builds_only_what_changed(
        project: Path, tmp_path: Path, cached: tuple[str, ...]) -> None:
    """A CI run (the GitHub workflow) starts from a fresh clone, with the build cache and the
    site restored by tar from the last run: the same files in new inodes. Checked by their
    content, the site and the spare serve as if the build had never left: only the edited
    incident is parsed and only its pages made again. Without the site, every page is made
    again, from the Markdown converted before."""
    site = tmp_path / "site"
    build(project, site)
    build(project, site)  # the spare: the site before last
    with tarfile.open(tmp_path / "cache.tar", "w") as archive:  # as actions/cache saves them
        for name in cached:
            archive.add(tmp_path / name, name)
    for name in ("site", CACHE_FOLDER):
        shutil.rmtree(tmp_path / name)
    with tarfile.open(tmp_path / "cache.tar") as archive:
        archive.extractall(tmp_path, filter="tar")
    anew(project)  # every file anew, as git checks them out
    EDITS["an update's message"][0](project)
    output = build(project, site)
    assert "1 of 5 incident files parsed" in output
    some = re.search(r"(\d+) of (\d+) outputs made", output)
    assert (some is not None and int(some[1]) < int(some[2]) / 2) if "site" in cached else \
        re.search(r"all \d+ outputs made", output), output
    assert "1 text converted from Markdown" in output
    assert snapshot(site) == snapshot(build_clean(project, tmp_path / "clean"))
    EDITS["an old incident's message"][0](project)  # and the next build as usual
    build(project, site)
    assert snapshot(site) == snapshot(build_clean(project, tmp_path / "clean-2"))


@pytest.mark.parametrize("tamper", ["changed", "added", "linked"])
def test_a_restored_site_that_differs_from_the_record_is_not_used(
        project: Path, tmp_path: Path, tamper: str) -> None:
    """Known by content, a restored site or spare with a file changed, one added or a file
    turned into a link is not as recorded: the pages are made again."""
    site = tmp_path / "site"
    build(project, site)
    build(project, site)
    for name in ("site", CACHE_FOLDER):  # restored
        anew(tmp_path / name)
    for folder in (site, tmp_path / CACHE_FOLDER / "site" / "spare"):
        page = folder / "incidents" / "2025-04-18-notice" / "index.html"
        if tamper == "changed":
            page.write_bytes(page.read_bytes().replace(b"<h1", b"<h1 class=x"))
        elif tamper == "added":
            (page.parent / "stray.html").write_text("not ours")
        else:
            (tmp_path / "elsewhere.html").write_bytes(page.read_bytes())
            page.unlink()
            page.symlink_to(tmp_path / "elsewhere.html")
    output = build(project, site)
    assert re.search(r"all \d+ outputs made", output), output
    assert not (site / "incidents" / "2025-04-18-notice" / "index.html").is_symlink()
    assert snapshot(site) == snapshot(build_clean(project, tmp_path / "clean"))


def build_clean(project: Path, out: Path) -> Path:
    build(project, out, "--clean")
    return out


@pytest.mark.parametrize("tamper", ["changed", "deleted", "added"])
def test_a_spare_changed_by_hand_is_not_used(project: Path, tmp_path: Path,
                                            tamper: str) -> None:
    site = tmp_path / "site"
    build(project, site)
    build(project, site)
    page = tmp_path / CACHE_FOLDER / "site" / "spare" / "incidents" / "2025-04-18-notice" \
        / "index.html"
    data = page.read_bytes()
    page.unlink()  # it shares its inode with the site's page: replaced, not changed in place
    if tamper == "changed":
        page.write_bytes(data.replace(b"<h1", b"<h1 class=x"))
    elif tamper == "added":
        page.write_bytes(data)
        (page.parent / "stray.html").write_text("not ours")
    EDITS["an update's message"][0](project)
    output = build(project, site)
    assert "kept from the site before last" not in output
    assert snapshot(site) == snapshot(build_clean(project, tmp_path / "clean"))


@pytest.mark.parametrize("which", ["2025-04-19-app-down", "2025-04-18-notice"])
def test_a_site_changed_by_hand_gives_nothing_to_the_spare(project: Path, tmp_path: Path,
                                                          which: str) -> None:
    """Made in the spare, a build takes from the current site only the files that changed in
    the last build (the app-down page here), and checks only those: one changed by hand has
    every page made anew; one the spare holds as it was (the notice's page) is taken from it."""
    site = tmp_path / "site"
    build(project, site)
    build(project, site)  # the first site, swapped out, is now the spare
    EDITS["an update's message"][0](project)
    build(project, site)  # the app-down page differs between the site and the spare
    page = site / "incidents" / which / "index.html"
    data = page.read_bytes()
    page.unlink()  # shared with the spare or the site before: replaced, not changed in place
    page.write_bytes(data.replace(b"<h1", b"<h1 class=x"))
    output = build(project, site)
    assert ("files written" in output) == (which == "2025-04-19-app-down")
    assert snapshot(site) == snapshot(build_clean(project, tmp_path / "clean"))


def test_clean_ignores_the_cache(project: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build(project, site)
    assert "0 of 5 incident files parsed" in build(project, site)
    output = build(project, site, "--clean")
    assert "all 5 incident files parsed" in output and "kept" not in output
    assert snapshot(site) == snapshot(tmp_path / "site")


def test_records_that_are_not_ours_are_ignored(project: Path, tmp_path: Path) -> None:
    """A cache folder planted in a pull request must not pass off incidents or pages: a record
    is used only if signed with this user's key."""
    site = tmp_path / "site"
    build(project, site)
    clean = snapshot(site)
    records = sorted(p for p in (tmp_path / CACHE_FOLDER / "site").iterdir() if p.is_file())
    assert records
    for record in records:  # each one changed by a bit
        data = record.read_bytes()
        record.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    output = build(project, site)
    assert "all 5 incident files parsed" in output
    assert snapshot(site) == clean


def test_profile_prints_every_stage(project: Path, tmp_path: Path) -> None:
    output = build(project, tmp_path / "site")
    lines = output.splitlines()
    assert lines[0].startswith(f"Built {tmp_path / 'site'}: ")
    stages = [line.split()[0] for line in lines[1:] if line.rstrip().endswith(" s")]
    # the feeds, API and calendar made in another process, then waited for; or here
    apart = ["feeds,", "waiting"] if "waiting" in stages else ["feeds,"]
    assert stages == ["read", "model", "output", "keys", "pages", *apart, "incident", "write",
                      "cache"]
    _, without = run_build(project, out=tmp_path / "site", now=GOLDEN_NOW)
    assert without.count("\n") == 1


def _libraries_a_build_loads(root: Path, out: Path) -> tuple[str, list[str]]:
    """Builds `root` (in a fresh process): what it printed, and which of Python-Markdown and
    nh3 it loaded."""
    return build(root, out), sorted({"markdown", "nh3"} & sys.modules.keys())


def test_a_build_that_converts_no_text_starts_without_python_markdown(project: Path,
                                                                       tmp_path: Path) -> None:
    """Python-Markdown and nh3 are loaded with the first text a process converts: a build
    that converts none (a rebuild on the clock, a title corrected) starts sooner."""
    out = tmp_path / "site"
    build(project, out)
    edit(incident(project, "2025-03-29-website-slow"), "title: ", "title: The ")
    printed, loaded = in_fresh_process(_libraries_a_build_loads, project, out)
    assert "0 texts converted from Markdown" in printed
    assert loaded == []


# What a build has no use for: the other commands' modules, and importlib.metadata
NOT_FOR_BUILDING = ("importlib.metadata", "statusgen.author", "statusgen.guided",
                    "statusgen.notify", "statusgen.report", "statusgen.templates")


def test_a_build_in_a_new_interpreter_loads_nothing_it_does_not_use(project: Path,
                                                                    tmp_path: Path) -> None:
    """The cache's key names the libraries' versions from their metadata folders, and the
    converter is given its extension itself, not its name (which has Python-Markdown look
    through every installed package's entry points): neither loads importlib.metadata, tens
    of milliseconds of every process that starts a build or converts a text. The other
    commands load their own modules."""
    script = ("import sys\nfrom statusgen.cli import main\ntry:\n    main(sys.argv[1:])\n"
              "except SystemExit:\n    pass\n"
              f"print([name for name in {NOT_FOR_BUILDING!r} if name in sys.modules])")
    done = subprocess.run([sys.executable, "-c", script, "build", "--project", str(project),
                           "--out", str(tmp_path / "site"), "--profile"],
                          capture_output=True, text=True, check=True)
    *printed, loaded = done.stdout.splitlines()
    assert "texts converted from Markdown" in "\n".join(printed)
    assert "0 texts converted" not in "\n".join(printed)
    assert loaded == "[]"


def test_the_libraries_versions_are_those_importlib_metadata_finds() -> None:
    assert installed(LIBRARIES) == {name: importlib.metadata.version(name) for name in LIBRARIES}


def test_reading_through_the_cache_gives_the_same_project(project: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "site"
    cache = BuildCache(out)
    cache.read_project(project)
    cache.save()
    edit(incident(project, "2025-04-19-app-down"), "09:30", "09:31")
    assert BuildCache(out).read_project(project) == read_project(project)


def test_files_checked_out_again_are_not_loaded_again(project: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh clone (a CI run) gives every file a new inode and time: a file whose bytes are
    those the record knows is not loaded again, its recorded incident stands."""
    out = tmp_path / "site"
    cache = BuildCache(out)
    cache.read_project(project)
    cache.save()
    anew(project)

    def refused(raw: bytes, path: str) -> object:
        raise AssertionError(f"{path} loaded again")

    monkeypatch.setattr("statusgen.incremental.read.load_bytes", refused)
    again = BuildCache(out)
    assert again.read_project(project) == read_project(project)
    assert again.notes == ["0 of 5 incident files parsed, the rest from the cache"]


@pytest.mark.parametrize("files", [0, 1, 5, 300, 10_000])
@pytest.mark.parametrize("workers", [1, 2, 8])
def test_the_files_to_read_go_to_the_workers_in_a_few_chunks_of_whole_shards(
        files: int, workers: int) -> None:
    names = [f"2025-01-01-event-{n}.yaml" for n in range(files)]
    by_shard: dict[int, list[str]] = {}
    for name in names:
        by_shard.setdefault(shard_of(name), []).append(name)
    chunks = _in_chunks(by_shard, workers)
    assert sorted(name for chunk in chunks for name in chunk) == sorted(names)
    assert len(chunks) <= 4 * workers and all(chunks)
    for shard, own in by_shard.items():  # each shard's files together, in one chunk
        assert [chunk for chunk in chunks if own == [n for n in chunk if shard_of(n) == shard]]


@pytest.mark.parametrize("where", [GOLDEN_PROJECT, REPO])
def test_reading_file_by_file_gives_what_load_project_gives(tmp_path: Path,
                                                            where: Path) -> None:
    """Without a record (or with --clean), a project without links is read file by file (in
    worker processes when it is large): the same Project as load.load_project's."""
    assert BuildCache(tmp_path / "site", clean=True).read_project(where) == read_project(where)


def test_a_broken_edit_reports_what_check_reports(project: Path, tmp_path: Path) -> None:
    build(project, tmp_path / "site")
    edit(incident(project, "2025-04-19-app-down"), "major_outage", "mayor_outage")
    with pytest.raises(ProjectError) as cached:
        BuildCache(tmp_path / "site").read_project(project)
    with pytest.raises(ProjectError) as full:
        read_project(project)
    assert [str(p) for p in cached.value.problems] == [str(p) for p in full.value.problems]


def many(tmp_path: Path) -> Path:
    """The golden project with pool.MIN_ITEMS more incidents: enough for worker processes."""
    root = tmp_path / "many"
    shutil.copytree(GOLDEN_PROJECT, root)
    for n in range(pool.MIN_ITEMS):
        (root / "incidents" / f"2025-04-{1 + n % 18:02d}-event-{n}.yaml").write_text(
            f"title: Event {n}\nupdates:\n  - at: 2025-04-{1 + n % 18:02d} 0{n % 10}:15\n"
            f"    status: resolved\n    components: {{app: degraded_performance}}\n"
            f"    message: Event **{n}** is over.\n")
    return root


def _read_by_workers(root: Path, out: Path) -> tuple[Project, list[str]]:
    cache = BuildCache(out, clean=True)
    project = cache.read_project(root)
    saved = sorted(p.name for p in (out.parent / CACHE_FOLDER / out.name).iterdir())
    cache.save()  # as a build does, after the site
    return project, saved


def _read_by_workers_through_the_cache(root: Path, out: Path) -> tuple[Project, list[str]]:
    cache = BuildCache(out)
    project = cache.read_project(root)
    assert cache.notes[0].startswith("0 of "), cache.notes
    cache.save()
    return project, cache.notes


def refuse_to_read(root: Path, name: str, digest: str | None = None) -> object:
    raise AssertionError(f"{name} read again")


def test_a_large_project_is_read_and_recorded_by_worker_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read in worker processes, each shard's record is made and saved there: the next build
    finds every file in it, and both give the Project that load.load_project gives."""
    root = many(tmp_path)
    past = time.time() - 60  # not changed just now: else they are read again (see RACY_NS)
    for path in (root / "incidents").iterdir():
        os.utime(path, (past, past))
    out = tmp_path / "site"
    project, saved = in_fresh_process(_read_by_workers, root, out)
    assert project == read_project(root)
    # before this process saved the rest: every shard that holds files, saved by the workers
    names = [path.name for path in (root / "incidents").iterdir()]
    assert saved == sorted(f"read-{n}" for n in {shard_of(name) for name in names})
    assert len(saved) < SHARDS
    second = BuildCache(out)
    assert second.read_project(root) == read_project(root)
    count = len(list((root / "incidents").iterdir()))
    assert second.notes == [f"0 of {count} incident files parsed, the rest from the cache"]
    # every file checked out again: read by the workers, none parsed, each recorded anew
    for path in (root / "incidents").iterdir():
        path.write_bytes(path.read_bytes())
        os.utime(path, (past - 60, past - 60))
    project, _ = in_fresh_process(_read_by_workers_through_the_cache, root, out)
    assert project == read_project(root)
    # their new states recorded (by the workers, without handing the incidents over): none
    # is read again
    monkeypatch.setattr("statusgen.incremental.read.read_incident", refuse_to_read)
    fourth = BuildCache(out)
    assert fourth.read_project(root) == read_project(root)
    assert fourth.notes == [f"0 of {count} incident files parsed, the rest from the cache"]


def _problems_read_by_workers(root: Path, out: Path) -> list[str]:
    with pytest.raises(ProjectError) as refused:
        BuildCache(out, clean=True).read_project(root)
    return [str(p) for p in refused.value.problems]


def test_a_broken_file_read_by_a_worker_process_is_reported_as_check_reports_it(
        tmp_path: Path) -> None:
    root = many(tmp_path)
    edit(incident(root, "2025-04-19-app-down"), "major_outage", "mayor_outage")
    cached = in_fresh_process(_problems_read_by_workers, root, tmp_path / "site")
    with pytest.raises(ProjectError) as full:
        read_project(root)
    assert cached == [str(p) for p in full.value.problems]
    assert any("mayor_outage" in str(p) for p in full.value.problems)


def _built_by_workers(root: Path, out: Path) -> str:
    return build(root, out, "--clean")


def test_pages_made_in_worker_processes_equal_those_made_in_one(tmp_path: Path) -> None:
    root = many(tmp_path)
    project = read_project(root)
    alone = render_site(project, parse_time(GOLDEN_NOW, project.site.timezone),
                        Theme(root, project.site.theme))
    assert len(alone) > pool.MIN_ITEMS
    output = in_fresh_process(_built_by_workers, root, tmp_path / "site")
    assert "incident pages (2 processes)" in output
    assert snapshot(tmp_path / "site") == alone


def test_paged_component_lists_stay_equal_to_a_clean_build(tmp_path: Path) -> None:
    """An incident added or deleted moves others from page to page of a component's list."""
    root = tmp_path / "project"
    (root / "incidents").mkdir(parents=True)
    (root / "statusgen.yaml").write_text(
        "site: {title: Paged, base_url: 'https://status.example.com/', timezone: UTC}\n"
        "components:\n  - {id: web, name: Website}\n")

    def add(n: int) -> None:
        day = f"2025-{1 + n // 28:02}-{1 + n % 28:02}"
        (root / "incidents" / f"e{n:03}.yaml").write_text(
            f"title: Event {n}\nupdates:\n  - {{at: '{day} 10:00', status: resolved, "
            "message: Down and up., components: {web: major_outage}}\n")

    for n in range(0, 110, 2):
        add(n)
    site = tmp_path / "site"
    build(root, site, now=LATER)
    for change in (lambda: add(51), lambda: (root / "incidents" / "e100.yaml").unlink()):
        change()
        build(root, site, now=LATER)
        build(root, tmp_path / "clean", "--clean", now=LATER)
        assert snapshot(site) == snapshot(tmp_path / "clean")
        assert (site / "components" / "web" / "page" / "2" / "index.html").exists()


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs a second file system")
def test_an_output_on_another_file_system_than_the_cache(project: Path, tmp_path: Path) -> None:
    """`site` made a link to a folder elsewhere (a web server's): the cache stays beside the
    link, and the site before last, which cannot be exchanged across file systems, is not
    used."""
    elsewhere = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        if elsewhere.stat().st_dev == tmp_path.stat().st_dev:
            pytest.skip("/dev/shm is on the same file system here")
        build(project, tmp_path / "site")
        build(project, tmp_path / "site", now=LATER)  # a spare, on this file system
        assert (tmp_path / CACHE_FOLDER / "site" / "spare").is_dir()
        shutil.rmtree(tmp_path / "site")
        (tmp_path / "site").symlink_to(elsewhere / "www", target_is_directory=True)
        for now in (GOLDEN_NOW, LATER, GOLDEN_NOW):
            build(project, tmp_path / "site", now=now)
            build(project, tmp_path / "clean", "--clean", now=now)
            assert snapshot(elsewhere / "www") == snapshot(tmp_path / "clean")
        assert (tmp_path / "site").is_symlink()
        assert sorted(p.name for p in elsewhere.iterdir()) == ["www"]
    finally:
        shutil.rmtree(elsewhere, ignore_errors=True)
