"""What builds make and the next may take as it is: compiled templates, the HTML made of the
Markdown, and each component's history. Each is a signed record (records.Records) kept for
the code that made it; a build with `clean` ignores them (and replaces them)."""

from __future__ import annotations

import zlib
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from typing import NamedTuple

from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket

from .. import history, model
from ..history import Histories, Period, Uptime
from ..intervals import Segment
from ..language import Language
from ..markdown import Converted
from ..model import Situation
from ..render import Output
from ..render.theme import Templates
from .keys import Fingerprints, digest
from .records import Records, code_key

MARKDOWN_SHARDS = 64  # incident pages are made by shard: one record of Markdown each


def markdown_shard(name: str) -> int:
    return zlib.crc32(name.encode()) % MARKDOWN_SHARDS


class CompiledTemplates(BytecodeCache):
    """Templates compiled by earlier builds, kept in a signed record: Jinja compares each
    with its source (by checksum) before using it."""

    def __init__(self, records: Records, clean: bool) -> None:
        self.records = records
        self.known: dict[str, bytes] = {} if clean else \
            records.load("templates", code_key()) or {}
        self.changed = False

    def get_bucket(self, environment: Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        # A template compiles to its language's words (render.theme.CompiledWords): one
        # compiled copy per language.
        words = getattr(environment, "words_fingerprint", "")
        return super().get_bucket(environment, f"{name}\x1f{words}", filename, source)

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.known:
            bucket.bytecode_from_string(self.known[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.known[bucket.key] = bucket.bytecode_to_string()
        self.changed = True

    def save(self) -> None:
        if self.changed:
            self.records.save("templates", code_key(), self.known)


class Words:
    """What each language of the site wrote last time (statusgen.language.Language.memo:
    the days, clocks, zones, lengths of time it wrote), by language and catalogues, so that a
    build showing nothing new does not load CLDR at all."""

    def __init__(self, records: Records, clean: bool) -> None:
        self.records = records
        self.clean = clean
        self.known: dict[str, int] = {}  # by language tag: how much it knew

    def recall(self, language: Language) -> None:
        """Give `language` what it wrote for the last build."""
        if not self.clean:
            language.memo.update(self.records.load(
                f"words-{language.tag}", digest(code_key(), language.fingerprint)) or {})
        self.known[language.tag] = len(language.memo)

    def save(self, language: Language) -> None:
        """Keep what it wrote, if it wrote more (raises OSError)."""
        if len(language.memo) > self.known.get(language.tag, 0):
            self.records.save(f"words-{language.tag}", digest(code_key(), language.fingerprint),
                              language.memo)


class MadePage(NamedTuple):
    name: str
    files: dict[str, bytes]
    converted: int  # Markdown texts converted for it


class Markdown:
    """The HTML made of the Markdown: the incident pages', in a record per shard of pages
    (by page, its texts), which the worker processes that make them use and keep up to date;
    and the other outputs', in one record."""

    def __init__(self, records: Records, clean: bool) -> None:
        self.records = records
        self.clean = clean

    def shared(self) -> dict[str, str]:
        """What the outputs but the incident pages converted last time, by text."""
        return {} if self.clean else self.records.load("html", code_key()) or {}

    def save_shared(self, converted: Converted) -> None:
        """Keep what `converted` knew and made: an output kept this time may be made again
        the next. What it knew of texts no longer used is forgotten once it outgrows what
        was used (raises OSError)."""
        if not converted.made:
            return  # the record holds all it used already
        known, used = converted.known, converted.used
        html = dict(known) if len(known) <= 4 * len(used) + 1000 else {}
        html.update(used)
        self.records.save("html", code_key(), html)

    def maker(self, templates: Sequence[Templates], every: Sequence[str],
              todo: Mapping[str, Output]) -> Callable[[Sequence[str]], list[MadePage]]:
        """What makes incident pages of `todo` by name, all of one shard at a time (in a
        worker process, which has them all from its parent), each through a converter of its
        own over its texts of the last build, given to the `templates` of every language;
        `every`: the names of all incident pages (the records forget the others)."""
        shards: dict[int, set[str]] = {}
        for name in every:
            shards.setdefault(markdown_shard(name), set()).add(name)
        shared = templates[0].markdown.used

        def make(names: Sequence[str]) -> list[MadePage]:
            shard = markdown_shard(names[0])
            record: dict[str, dict[str, str]] = {} if self.clean else \
                self.records.load(f"markdown-{shard}", code_key()) or {}
            changed = False
            made = []
            before = templates[0].markdown
            try:
                for name in names:
                    own = Converted(ChainMap(record.get(name) or {}, shared))
                    for t in templates:
                        t.markdown = own
                    made.append(MadePage(name, todo[name].files(), own.converted))
                    changed |= own.used != record.get(name)
                    record[name] = own.used
            finally:
                for t in templates:
                    t.markdown = before
            gone = record.keys() - shards[shard]
            for name in gone:
                del record[name]
            if changed or gone:
                with suppress(OSError):  # a full disk: the site comes first
                    self.records.save(f"markdown-{shard}", code_key(), record)
            return made
        return make


class HistoryRecord(NamedTuple):
    """A component's timeline, with the key it was made from; its uptime bars and periods,
    with the key of the moment they were made for."""

    key: str
    lines: list[Segment]
    when: str
    uptime: Uptime
    periods: list[Period]


class HistoryRecords:
    """Each component's history, kept by what it is made from: a timeline, by the settings and
    the incidents that touch the component; its bars and periods, by the timeline and `now`."""

    def __init__(self, records: Records, clean: bool) -> None:
        self.records = records
        self.clean = clean

    def histories(self, at: Situation) -> Histories:
        project, now = at.project, at.now
        site = project.site
        ids = [c.id for c in project.components]
        fingerprint = Fingerprints()
        marks: dict[str, list[str]] = {cid: [] for cid in ids}
        for incident in project.incidents:  # in order: it orders changes at one instant
            mark = fingerprint(incident)
            for cid in model.state_steps(incident):
                marks[cid].append(mark)
        # how its files read depends on the settings too (a naive time is in the time zone)
        settings = digest(repr(site), repr(project.groups), repr(project.components))
        when = digest(now.isoformat(), str(site.history_days), site.timezone.key)
        keys = {cid: digest(settings, *marks[cid]) for cid in ids}
        lines: dict[str, list[Segment]] = {}
        shown: dict[str, tuple[Uptime, list[Period]]] = {}
        for cid in ids:
            found = None if self.clean else self.records.load(f"history-{cid}", code_key())
            if isinstance(found, HistoryRecord) and found.key == keys[cid]:
                lines[cid] = found.lines
                if found.when == when:
                    shown[cid] = (found.uptime, found.periods)
        made = history.histories(project, now, lines, shown)
        for cid in ids:
            if cid not in shown:
                with suppress(OSError):  # a full disk: the next build works it out again
                    self.records.save(f"history-{cid}", code_key(), HistoryRecord(
                        keys[cid], made.lines[cid], when, made.uptimes[cid],
                        made.periods[cid]))
        return made
