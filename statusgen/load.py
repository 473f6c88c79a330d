"""Stage 1, load: YAML text -> plain data that remembers where every key and item stood.

The C parser (when PyYAML has it) builds the node graph; we turn nodes into values ourselves so
that only plain data (maps, lists, text, numbers, booleans, null) can come out: no tag can
construct an object, and every key and item keeps its line and column for later messages.
"""

from __future__ import annotations

import codecs
import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem

try:  # the C parser is several times faster; the pure-Python one gives the same nodes
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MAX_FILE_BYTES = 1_000_000
MAX_VALUES = 100_000  # after expanding aliases: stops "billion laughs" documents
MAX_DEPTH = 50
MAX_PROBLEMS = 100  # per file: a pasted blob can hold thousands of the same mistake

Mark = tuple[int, int]  # 1-based line and column

_TAG = "tag:yaml.org,2002:"
_PLAIN_SCALARS = {_TAG + t for t in ("str", "int", "float", "bool", "null")}


# Characters that YAML's escapes ("\0", "\x1b", "\ud800") can put in a text but that no page,
# feed or calendar can carry: C0 and C1 controls other than tab, newline and carriage return,
# lone surrogates and the noncharacters. They are refused where they are written.
NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
              for plane in range(1, 17)) + "]")


# NOT_TEXT reaches into every plane of Unicode, which makes its search slow for a long
# message; in an ASCII text, most of them, only these of its characters can be.
_ASCII_NOT_TEXT = re.compile("[" + "".join(re.escape(chr(c)) for c in range(128)
                                           if NOT_TEXT.match(chr(c))) + "]")


def not_text(text: str) -> re.Pattern[str]:
    """NOT_TEXT, as fast as can be for `text`."""
    return _ASCII_NOT_TEXT if text.isascii() else NOT_TEXT


def _text_problem(text: str) -> str | None:
    bad = not_text(text).search(text)
    if bad is None:
        return None
    return (f"character U+{ord(bad[0]):04X} is not allowed in text (a control character, lone "
            "surrogate or noncharacter, written as an escape?): remove it")


class _Loader(_BaseLoader):
    """The safe loader without the implicit timestamp type: times stay text and parse reads
    them in the site's time zone, instead of PyYAML silently treating them as UTC."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TAG + "timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


class Mapping(dict[str, Any]):
    """A YAML mapping; `mark` is where it starts, `key_marks`/`value_marks` where each key
    and its value stand."""

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[str, Mark] = {}
        self.value_marks: dict[str, Mark] = {}
        # The source text of values YAML read as numbers or booleans (`title: 1:30` is 90 in
        # YAML 1.1): where text is expected, the text as written is what the user meant.
        self.raw: dict[str, str] = {}


class Sequence(list[Any]):
    """A YAML sequence; `item_marks[i]` is where item i stands."""

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []
        self.raw: dict[int, str] = {}  # as Mapping.raw, by index


def _tag_problem(node: yaml.Node) -> str:
    tag = node.tag.replace(_TAG, "!!", 1) if node.tag.startswith(_TAG) else node.tag
    return f"the YAML tag '{tag}' is not allowed here: write plain data"


def _is_typed_scalar(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag in _PLAIN_SCALARS \
        and node.tag not in (_TAG + "str", _TAG + "null")


def _mark(node: yaml.Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, loader: _Loader, path: str, check_text: bool = True) -> None:
        self.loader = loader
        self.path = path
        self.problems: list[Problem] = []
        self.count = 0
        self.check_text = check_text  # False: no text of this document can hold NOT_TEXT

    def problem(self, node: yaml.Node, message: str) -> None:
        if len(self.problems) == MAX_PROBLEMS:
            raise _TooBig(node, f"more than {MAX_PROBLEMS} problems in this file: stopped here")
        line, column = _mark(node)
        self.problems.append(Problem(self.path, line, column, message))

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooBig(node, f"the document holds more than {MAX_VALUES} values, counting "
                                "each use of an alias ('*name') in full")
        if depth > MAX_DEPTH:
            raise _TooBig(node, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                self.problem(node, _tag_problem(node))
                return None
            seq = Sequence(_mark(node))
            for index, item in enumerate(node.value):
                seq.append(self.build(item, depth + 1))
                seq.item_marks.append(_mark(item))
                if _is_typed_scalar(item):
                    seq.raw[index] = item.value
            return seq
        if node.tag not in _PLAIN_SCALARS:
            self.problem(node, _tag_problem(node))
            return None
        if node.tag == _TAG + "str":  # what the constructor would return, without its work
            value = node.value
        else:
            try:
                value = self.loader.construct_object(node, deep=True)
            except (ValueError, KeyError, IndexError):  # `!!int x`, or an integer too long
                value = node.value if len(node.value) <= 40 else node.value[:40] + "..."
                self.problem(node, f"'{value}' is not a valid "
                                   f"{node.tag.replace(_TAG, '!!', 1)} value: write plain text, "
                                   "in quotes")
                return None
        why = _text_problem(value) if self.check_text and isinstance(value, str) else None
        if why is not None:
            self.problem(node, why)
            return None
        return value

    def _mapping(self, node: yaml.MappingNode, depth: int) -> Mapping | None:
        if node.tag != _TAG + "map":
            self.problem(node, _tag_problem(node))
            return None
        mapping = Mapping(_mark(node))
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self.problem(key_node, "merge keys ('<<') are not supported: write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _TAG + "str":
                self.problem(key_node, "a key must be plain text (quote it)")
                continue
            key = key_node.value
            why = _text_problem(key) if self.check_text else None
            if why is not None:
                self.problem(key_node, why)
                continue
            if key in mapping:
                line, _ = mapping.key_marks[key]
                self.problem(key_node, f"duplicate key '{key}' (first given on line {line})")
                continue
            mapping[key] = self.build(value_node, depth + 1)
            mapping.key_marks[key] = _mark(key_node)
            mapping.value_marks[key] = _mark(value_node)
            if _is_typed_scalar(value_node):
                mapping.raw[key] = value_node.value
        return mapping


def _line_column(text: str, position: int) -> Mark:
    """The 1-based line and column of the character at `position` in `text`."""
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


# Each collection in a document starts at a character of its own among these ("[", "{", a
# sequence's first "-", a mapping's first ":" or "?"), so a text with fewer cannot nest deeper.
_OPENERS = "[{-?:"
# Nesting that PyYAML composes safely (recursively: in C with the C parser, else in Python,
# within the interpreter's recursion limit), and below the deepest flow collection that newer
# libyaml scans (it refuses deeper ones with "exceeded maximum nesting depth"); deeper than
# MAX_DEPTH is then refused by _Builder.
_SAFE_NESTING = 1_000 if _BaseLoader.__name__.startswith("C") else 200
# How libyaml (from the one in PyYAML 6.0.3's wheels) refuses nesting past its own limit. Its
# scanner looks ahead for a key, so it can refuse a document before the events reach our limit.
_PARSER_TOO_DEEP = "exceeded maximum nesting depth"


def _may_nest_deeply(text: str) -> bool:
    return len(text) > _SAFE_NESTING and sum(map(text.count, _OPENERS)) > _SAFE_NESTING


def _too_deep(text: str) -> Mark | None:
    """Where the document first nests deeper than MAX_DEPTH, or None.

    PyYAML composes nodes recursively (in C with the C parser): tens of thousands of `[` crash
    the interpreter. The event stream is flat, so it is read first, and only up to the depth
    that is refused (libyaml takes quadratic time over very deep flow collections). Only for
    texts that may nest deeply: the others are composed at once. Where libyaml refuses the
    nesting itself, the pure-Python parser, which has no limit of its own, finds the place."""
    try:
        return _first_too_deep(_Loader(text))
    except yaml.MarkedYAMLError as err:
        if _PARSER_TOO_DEEP not in (err.problem or ""):
            raise
        return _first_too_deep(yaml.SafeLoader(text))


def _first_too_deep(loader: yaml.SafeLoader | yaml.CSafeLoader) -> Mark | None:
    try:
        depth = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                mark = event.start_mark
                if depth > MAX_DEPTH and mark is not None:
                    return mark.line + 1, mark.column + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return None
    finally:
        loader.dispose()


def load_text(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document; returns its data (None when unusable) and the problems."""
    loader = _Loader(text)
    try:
        deep = _too_deep(text) if _may_nest_deeply(text) else None
        if deep is not None:
            return None, [Problem(path, *deep, f"nested more than {MAX_DEPTH} levels deep")]
        node = loader.get_single_node()
        if node is None:
            return None, []
        # A character NOT_TEXT matches is in the document as written, or made by an escape
        # ("\x1b", in double quotes): without either, no text needs looking at one by one.
        builder = _Builder(loader, path, check_text="\\" in text or bool(
            not_text(text).search(text)))
        try:
            return builder.build(node), builder.problems
        except _TooBig as err:  # what was found before it, then where it stopped
            line, column = _mark(err.node)
            return None, [*builder.problems, Problem(path, line, column, err.message)]
    except yaml.MarkedYAMLError as err:
        return None, [_syntax_problem(err, text, path)]
    except yaml.reader.ReaderError as err:  # a character YAML does not allow
        # The C reader counts err.position in UTF-8 bytes, the Python one in characters; both
        # stop at the first such character, so look for it in the text instead.
        line, column = _line_column(text, max(text.find(chr(err.character)), 0))
        return None, [Problem(path, line, column,
                              f"character U+{err.character:04X} is not allowed in YAML")]
    finally:
        loader.dispose()


def _syntax_problem(err: yaml.MarkedYAMLError, text: str, path: str) -> Problem:
    """A YAML syntax error, in plain words where it is one of the common slips, at the place
    to fix it; PyYAML's own words follow."""
    mark = err.problem_mark or err.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = err.problem or err.context or "not valid YAML"
    context = err.context_mark
    where = (context.line + 1, context.column + 1) if context else (line, column)
    if err.problem and err.context and where != (line, column):
        what += f" ({err.context} at line {where[0]}, column {where[1]})"
    plain = _plain_words(err, text, (line, column), where)
    if plain is None:
        return Problem(path, line, column, f"YAML syntax error: {what}")
    (line, column), words = plain
    return Problem(path, line, column, f"{words} (YAML: {what})")


def _plain_words(err: yaml.MarkedYAMLError, text: str, at: Mark, opened: Mark
                 ) -> tuple[Mark, str] | None:
    """The common slips (PyYAML's problem, and the text where it stopped) in plain words, with
    the place to fix each: `at` is where PyYAML stopped, `opened` where what it was reading
    began."""
    problem = err.problem or ""
    lines = text.split("\n")
    here = lines[at[0] - 1][at[1] - 1:] if at[0] <= len(lines) else ""
    if here.startswith("\t") or "tab character" in problem:
        return at, "a tab used for indentation: indent with spaces"
    if "mapping values are not allowed" in problem:
        return at, ("': ' inside text that is not in quotes: put the text in quotes, or start a "
                    "block with | and the text on the lines below")
    if "could not find expected ':'" in problem:
        key, _, value = lines[opened[0] - 1][opened[1] - 1:].strip().partition(" ")
        written = f"{key}: {value.strip()}" if value.strip() else f"{key}:"
        return opened, f"a key without ':' after it: write {written}"
    if "expected '-' indicator" in problem or (
            "did not find expected key" in problem and here.startswith("- ")):
        return at, ("this list item is indented differently from the one before it: start "
                    "every item of a list in the same column")
    if "end of stream" in problem and "quoted scalar" in (err.context or ""):
        quote = lines[opened[0] - 1][opened[1] - 1:opened[1]]
        return opened, f"the quote ({quote}) opened here is never closed: close it"
    if "flow sequence" in (err.context or "") or "flow mapping" in (err.context or ""):
        bracket = lines[opened[0] - 1][opened[1] - 1:opened[1]]
        closing = "]" if bracket == "[" else "}"
        return opened, (f"the '{bracket}' opened here is not closed (or an item in it lacks a "
                        f"','): close it with '{closing}'")
    return None


def load_file(path: Path, shown_as: str) -> tuple[Any, list[Problem]]:
    """Read and parse a YAML file; `shown_as` is the path used in messages."""
    data, problems, _ = _load_file(path, shown_as)
    return data, problems


def _load_file(path: Path, shown_as: str) -> tuple[Any, list[Problem], str]:
    """load_file, and a digest of the bytes it read ("" where it read none)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [_too_long(shown_as, size)], ""
        raw = path.read_bytes()
    except OSError as err:
        return None, [Problem(shown_as, 1, 1, f"cannot read file: {err.strerror}")], ""
    return *load_bytes(raw, shown_as), file_digest(raw)


def file_digest(raw: bytes) -> str:
    """What an incident file is known by: a digest of its bytes."""
    return hashlib.sha256(raw).hexdigest()


def _too_long(shown_as: str, size: int) -> Problem:
    return Problem(shown_as, 1, 1, f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")


def load_bytes(raw: bytes, shown_as: str) -> tuple[Any, list[Problem]]:
    """Parse the content of a YAML file, as load_file does."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [_too_long(shown_as, len(raw))]
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:  # everything before err.start is valid: count characters
        before = raw[: err.start].decode("utf-8")
        line, column = _line_column(before, len(before))
        return None, [Problem(shown_as, line, column, "not valid UTF-8 text")]
    return load_text(text, shown_as)


@dataclass(frozen=True)
class Source:
    """One loaded YAML file: the path shown in messages, and its data (None if unusable)."""

    shown_as: str
    stem: str
    data: Any
    digest: str = ""  # of the file's bytes (file_digest), for an incident's file


@dataclass(frozen=True)
class LoadedProject:
    config: Source
    incidents: tuple[Source, ...]  # sorted by file name
    themes: frozenset[str]  # folder names under themes/
    problems: tuple[Problem, ...]
    locales: frozenset[str] = frozenset()  # the languages of the project's locales/*.po


CONFIG_NAME = "statusgen.yaml"
INCIDENT_SUFFIXES = (".yaml", ".yml")


def shown_path(root: Path, relative: str) -> str:
    """A project's file as messages show it: relative when the project is the current folder."""
    return relative if root == Path(".") else str(root / relative)


@contextmanager
def lock_incidents(root: Path, exclusive: bool = False) -> Iterator[None]:
    """An advisory lock on the project's incidents/ folder: `new` and `update` take it
    exclusively to read, check and replace a file as one step; a build takes it shared while it
    reads, so it sees the project between two updates, never during one. Where the folder is
    missing or the file system has no locks, nothing is locked."""
    try:
        handle = os.open(root / "incidents", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield
        return
    try:
        with suppress(OSError):  # e.g. a network file system without flock
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def outside_link(path: Path, inside: Path) -> str | None:
    """Why `path` must not be read if it is a link leading out of the folder `inside`
    (resolved), else None. A project from someone else's pull request could otherwise link
    incidents/x.yaml to ~/.ssh/id_rsa and publish it, or show it in an error message. A link
    to nothing (an editor's lock file such as `.#x.yaml`) is no file: it is left alone."""
    try:
        if not path.is_symlink():
            return None
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a link to nothing, or a loop
        return None
    if target != inside and inside not in target.parents:
        return "is a link to a file outside the project: statusgen reads only the project's " \
               "own files"
    return None


def _theme_links(root: Path, inside: Path, problems: list[Problem]) -> None:
    """A problem for every link under themes/ that leads out of the project."""
    for folder, dirs, names in os.walk(root / "themes"):
        here = Path(folder)
        dirs.sort()
        for name in [*dirs, *sorted(names)]:
            why = outside_link(here / name, inside)
            if why is not None:
                shown = shown_path(root, (here / name).relative_to(root).as_posix())
                problems.append(Problem(shown, 1, 1, f"{shown} {why}"))


def load_project(root: Path, lock: bool = True) -> LoadedProject:
    """Read `statusgen.yaml`, every `incidents/*.yaml` and the theme names under `root`.
    `lock=False` is for a caller that already holds the incidents lock."""
    if lock:
        with lock_incidents(root):
            return load_project(root, lock=False)
    problems: list[Problem] = []
    inside = root.resolve()
    config_path = root / CONFIG_NAME
    shown = shown_path(root, CONFIG_NAME)
    why = outside_link(config_path, inside)
    if why is not None:
        problems.append(Problem(shown, 1, 1, f"{CONFIG_NAME} {why}"))
        config = Source(shown, "statusgen", None)
    elif not config_path.is_file():
        problems.append(Problem(shown, 1, 1, f"no {CONFIG_NAME} here: is this a status project? "
                                             "(run 'statusgen init' to make one)"))
        config = Source(shown, "statusgen", None)
    else:
        data, found = load_file(config_path, shown)
        problems += found
        config = Source(shown, "statusgen", data)
    incidents: list[Source] = []
    folder = root / "incidents"
    why = outside_link(folder, inside)
    if why is not None:
        problems.append(Problem(shown_path(root, "incidents"), 1, 1, f"incidents/ {why}"))
    elif folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix not in INCIDENT_SUFFIXES:
                continue
            shown = shown_path(root, f"incidents/{path.name}")
            why = outside_link(path, inside)
            if why is not None:
                problems.append(Problem(shown, 1, 1, f"{path.name} {why}"))
                incidents.append(Source(shown, path.stem, None))
            elif path.is_file():
                data, found, digest = _load_file(path, shown)
                problems += found
                incidents.append(Source(shown, path.stem, data, digest))
    themes_folder = root / "themes"
    why = outside_link(themes_folder, inside)
    if why is not None:
        problems.append(Problem(shown_path(root, "themes"), 1, 1, f"themes/ {why}"))
        themes: frozenset[str] = frozenset()
    else:
        _theme_links(root, inside, problems)
        themes = frozenset(p.name for p in themes_folder.iterdir() if p.is_dir()) \
            if themes_folder.is_dir() else frozenset()
    return LoadedProject(config, tuple(incidents), themes, tuple(problems),
                         project_locales(root))


def project_locales(root: Path) -> frozenset[str]:
    """The language tags of the project's own catalogues: locales/<tag>.po, plain files."""
    folder = root / "locales"
    if not folder.is_dir() or folder.is_symlink():
        return frozenset()
    return frozenset(p.stem for p in folder.glob("*.po") if p.is_file() and not p.is_symlink())
