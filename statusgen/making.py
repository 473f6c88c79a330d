"""Making what the keys did not keep. The machine-readable files (feeds, API, calendar,
badges) are worked out, keyed and made in one more process, while this one keys the pages and
makes all but the incident pages; those are made in worker processes (by shard of their
Markdown records) where there are many, and go into the new site as they come."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from .incremental.keys import Keys
from .incremental.output import Made
from .incremental.stores import Markdown, markdown_shard
from .markdown import Converted
from .pool import Background, Forked, pays
from .render import Output
from .render.site import Site, machine_outputs, page_outputs
from .write import NewSite, file_digest

BESIDE = "feeds, api, calendar, badges, headers"


class Stopwatch:
    """Seconds spent in each stage of a build, in the order the stages first ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


@dataclass(frozen=True)
class _Batch:
    """Outputs made in one process: their files, the files each made, their keys and which
    were kept, and the Markdown converted there that this process did not have."""

    files: dict[str, bytes]
    outputs: dict[str, tuple[str, ...]]
    keys: dict[str, str]
    kept: set[str]
    html: dict[str, str]
    made: set[str]
    seconds: float


def _make_changed(outputs: Iterable[Output], keys: Keys, converted: Converted) -> _Batch:
    started = time.perf_counter()
    html_before, made_before = set(converted.used), set(converted.made)
    files: dict[str, bytes] = {}
    made: dict[str, tuple[str, ...]] = {}
    names = []
    for output in outputs:
        names.append(output.name)
        if not keys.unchanged(output):
            own = output.files()
            files.update(own)
            made[output.name] = tuple(own)
    return _Batch(files, made, {n: keys.keys[n] for n in names if n in keys.keys},
                  {n for n in names if n in keys.kept},
                  {t: converted.used[t] for t in converted.used.keys() - html_before},
                  converted.made - made_before, time.perf_counter() - started)


def make(sites: Sequence[Site], keys: Keys, markdown: Markdown, new: NewSite,
         begin: Callable[[], None], clock: Stopwatch, workers: int) -> tuple[Made, int]:
    """Make what changed of the site in its languages (`sites`, which convert Markdown
    through the same converter), begun in `new` by `begin`: what was made, and how many
    Markdown texts were converted."""
    every = [site.templates for site in sites]
    converted = every[0].markdown
    # Apart, unless every incident page is to be made and worker processes will: then the
    # cores are theirs, and this process makes the feeds and the API after its pages.
    apart = bool(keys.previous) or not pays(sum(len(s.by_id) for s in sites), workers)
    with Background(lambda: _make_changed(machine_outputs(sites), keys, converted),
                    apart) as machine:
        with clock.stage("keys"):
            incident_pages, other = page_outputs(sites)
            todo = keys.changed(incident_pages)
        begin()
        by_shard: dict[int, list[str]] = {}
        for output in todo:
            by_shard.setdefault(markdown_shard(output.name), []).append(output.name)
        maker = markdown.maker(every, [o.name for o in incident_pages],
                               {o.name: o for o in todo})
        for t in every:
            t.env.get_template("incident.html")  # compiled once, before any worker starts
        with Forked(maker, list(by_shard.values()), workers) as rendering:
            with clock.stage("pages"):
                pages = _make_changed(other, keys, converted)
            beside = _beside(machine, keys, converted, clock)
            with clock.stage(f"incident pages ({rendering.workers} "
                             f"process{'es' if rendering.workers > 1 else ''})"):
                # Written as they come, while the workers make more: one process writing
                # files in a folder is faster than two contending for it.
                written: dict[str, str] = {}
                outputs = {**pages.outputs, **beside.outputs}
                by_workers = 0
                for page in rendering:
                    new.write(page.files)
                    written.update((p, file_digest(data)) for p, data in page.files.items())
                    outputs[page.name] = tuple(page.files)
                    by_workers += page.converted
    return Made({**pages.files, **beside.files}, written, keys.kept, keys.keys, outputs), \
        converted.converted + by_workers


def _beside(machine: Background[_Batch], keys: Keys, converted: Converted,
            clock: Stopwatch) -> _Batch:
    """What the other process made, and what it found there, added here (a text both
    converted counts once)."""
    waiting = time.perf_counter()
    beside = machine.result()
    if machine.forked:
        keys.keys.update(beside.keys)
        keys.kept |= beside.kept
        converted.used.update(beside.html)
        converted.made |= beside.made
        clock.seconds[f"{BESIDE} (another process)"] = beside.seconds
        clock.seconds["waiting for the other process"] = time.perf_counter() - waiting
    else:
        clock.seconds[BESIDE] = beside.seconds
    return beside
