"""The build cache: what the last build read and wrote, so that the next redoes only what an
edit can change, and its output is byte for byte what a clean build would write.

It lives in `.statusgen-cache/<output name>/` beside the output folder (for the default
`site/`, in the project), as signed records (records.py): the incident files as read
(read.py), the output folder as written and the keys of its outputs (output.py, keys.py), and
what builds make that the next may take as it is: compiled templates, the HTML made of the
Markdown and each component's history (stores.py). The pipeline (statusgen.build) is the same
with or without it; the cache only answers "what may be taken as it is".
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from ..language import Language
from ..markdown import Converted
from ..project import Project
from .output import OutputCache
from .read import ReadCache
from .records import Records
from .stores import CompiledTemplates, HistoryRecords, Markdown, Words

CACHE_FOLDER = ".statusgen-cache"


class BuildCache:
    """The cache of one output folder; `clean` ignores what it holds (and replaces it)."""

    def __init__(self, out: Path, clean: bool = False) -> None:
        # beside `out` as given: where `out` is a link to a web server's folder, not there
        target = Path(os.path.abspath(out))
        self.out = out
        self.clean = clean
        self.records = Records(target.parent / CACHE_FOLDER / target.name)
        self.reading = ReadCache(self.records, clean)
        self.markdown = Markdown(self.records, clean)
        self.histories = HistoryRecords(self.records, clean)
        self.words = Words(self.records, clean)
        self._templates: CompiledTemplates | None = None
        self.output: OutputCache | None = None
        self._notes: list[str] = []

    @property
    def notes(self) -> list[str]:
        """What it did, for `build --profile`."""
        return [*self.reading.notes, *(self.output.notes if self.output else []), *self._notes]

    def read_project(self, root: Path) -> Project:
        """The project, as build.read_project gives it (the same Project, or the same
        ProjectError), parsing only the incident files that changed since the last build."""
        with suppress(OSError):  # made first, so the output's parent holds the same folders
            self.records.folder.mkdir(parents=True, exist_ok=True)  # throughout the build
        return self.reading.read_project(root)

    def templates(self) -> CompiledTemplates:
        """For the theme's Jinja environment: the templates compiled by the last build."""
        if self._templates is None:
            self._templates = CompiledTemplates(self.records, self.clean)
        return self._templates

    def check_output(self) -> OutputCache:
        """The output folder's record; whether the folder is as recorded is checked in another
        process meanwhile. Under the writers' lock: what it finds stays so."""
        self.output = OutputCache(self.records, self.out, self.clean)
        return self.output

    def note(self, text: str) -> None:
        self._notes.append(text)

    def close(self) -> None:
        if self.output is not None:
            self.output.close()

    def save(self, converted: Converted | None = None, languages: Sequence[Language] = ()
             ) -> None:
        """Keep what was read (the shards that changed), the templates compiled, the
        Markdown `converted` for the outputs but the incident pages and what the `languages`
        wrote, for the next build; after the site, which comes first where room is short."""
        try:
            if self._templates is not None:
                self._templates.save()
            self.reading.save()
            if converted is not None:
                self.markdown.save_shared(converted)
            for language in languages:
                self.words.save(language)
        except OSError as err:
            self._notes.append(f"could not save the cache: {err}")
