"""`statusgen serve`: build, serve the site on 127.0.0.1, rebuild when a file changes.

The site is built as `statusgen build` builds it, through the same cache (an edit makes again
only what it changes), and served from memory: what the last good build wrote. Only in what is
served, HTML pages get a small script (a file the server serves, since the pages'
Content-Security-Policy forbids inline script) that reloads them after a rebuild and, while an
edit has problems, a banner that lists them. The files on disk never contain either.
"""

from __future__ import annotations

import html
import mimetypes
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from jinja2 import TemplateSyntaxError

from .build import Build, BuildResult, resolve_now
from .errors import ProjectError
from .load import CONFIG_NAME
from .write import OutputError

HOST = "127.0.0.1"  # a preview of unpublished edits is for this machine only
VERSION_PATH = "/__statusgen/version"

Echo = Callable[..., Any]  # click.echo's shape: echo(message, err=False)


@dataclass(frozen=True)
class Snapshot:
    """What the server serves: the last good site, the problems of the latest edit (empty
    when it built), and a version that changes whenever either does."""

    files: dict[str, bytes] = field(default_factory=dict)
    prefix: str = "/"  # base_url's path: the site is served where it will be hosted
    problems: tuple[str, ...] = ()
    version: str = "0"


class Preview:
    """Builds the project and holds the latest Snapshot for the server's threads."""

    def __init__(self, root: Path, now_text: str | None = None, out: Path | None = None) -> None:
        self.root = root
        self.now_text = now_text
        self.out = out if out is not None else root / "site"
        self._session = secrets.token_hex(4)  # a restarted server reloads open pages too
        self._builds = 0
        self._lock = threading.Lock()
        self._current = Snapshot(version=f"{self._session}-0")
        self._read: dict[str, tuple[FileState, bytes]] = {}  # see _site_files

    @property
    def current(self) -> Snapshot:
        with self._lock:
            return self._current

    def build(self) -> BuildResult:
        """Build the site as `statusgen build` does (through the same cache, so an edit makes
        again only what it changes), then serve what it wrote. Raises ProjectError (invalid
        input), ValueError (a bad `now`) or OutputError (cannot write), serving nothing new:
        what is served is always what is on disk."""
        with Build(self.root, self.out) as build:
            project = build.read()
            result = build.finish(project, resolve_now(project, self.now_text))
        self._read = _site_files(self.out, self._read)
        self._publish({path: data for path, (_, data) in self._read.items()},
                      urlsplit(project.site.base_url).path or "/", ())
        return result

    def rebuild(self) -> BuildResult | tuple[str, ...]:
        """Build again: the result, or the problem lines while the last good site stays."""
        try:
            return self.build()
        except ProjectError as err:
            problems = tuple(str(p) for p in err.problems)
        except OutputError as err:
            problems = (f"error: {err}",)
        except TemplateSyntaxError as err:
            problems = (f"{err.filename or err.name}:{err.lineno}:1: {err.message}",)
        except Exception as err:  # a broken theme must not stop the preview
            problems = (f"error: {type(err).__name__}: {err}",)
        last = self.current
        self._publish(last.files, last.prefix, problems)
        return problems

    def _publish(self, files: dict[str, bytes], prefix: str, problems: tuple[str, ...]) -> None:
        with self._lock:
            last = self._current
            if (files, prefix, problems) == (last.files, last.prefix, last.problems):
                return  # nothing an open page shows has changed: no reload
            self._builds += 1
            self._current = Snapshot(files, prefix, problems, f"{self._session}-{self._builds}")


FileState = tuple[int, int, int]  # inode, size, modification time (ns)


def _site_files(folder: Path, known: dict[str, tuple[FileState, bytes]]
                ) -> dict[str, tuple[FileState, bytes]]:
    """Every file of a built site, by its path in the site, with its state; those `known` in
    the same state are not read again. (A build never changes a file in place: a changed
    file is a new one, and an unchanged one keeps its inode and time.)"""
    found: dict[str, tuple[FileState, bytes]] = {}
    for here, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(here, name)
            stat = os.stat(path)
            state = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
            relative = Path(path).relative_to(folder).as_posix()
            before = known.get(relative)
            found[relative] = before if before is not None and before[0] == state else \
                (state, Path(path).read_bytes())
    return dict(sorted(found.items()))


# --- Serving: pure helpers, then the HTTP layer -------------------------------------------

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/json",
    ".ics": "text/calendar; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def content_type(path: str) -> str:
    """The Content-Type of a site file, by its name."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    if not suffix:  # _headers and the like
        return "text/plain; charset=utf-8"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


# The served pages forbid inline script (their Content-Security-Policy allows scripts from
# the site's own origin only), so the reload script is a file that the server itself serves.
# It polls the version endpoint and reloads when the version differs from the one the page
# was served with (its data-version); a stopped server is retried.
RELOAD_PATH = "/__statusgen/reload.js"
RELOAD_SCRIPT = b"""\
(function () {
  var me = document.currentScript;
  var version = me.getAttribute("data-version"), url = me.getAttribute("data-poll");
  function poll() {
    fetch(url, {cache: "no-store"})
      .then(function (r) { return r.ok ? r.text() : version; })
      .then(function (t) {
        if (t !== version) { location.reload(); } else { setTimeout(poll, 1000); }
      }, function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 1000);
})();
"""
RELOAD_TAG = ('<script id="statusgen-reload" src="{src}" data-poll="{poll}" '
              'data-version="{version}"></script>')

BANNER_STYLE = (
    "position:fixed;top:0;left:0;right:0;z-index:2147483647;max-height:50vh;overflow:auto;"
    "margin:0;padding:.75em 1em;background:#a0111b;color:#fff;text-align:left;"
    "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap"
)


def inject(page: bytes, version: str, problems: tuple[str, ...]) -> bytes:
    """An HTML page as served: the reload script and, if the latest edit has problems, a
    banner listing them, both just before `</body>`."""
    extra = RELOAD_TAG.format(src=RELOAD_PATH, poll=VERSION_PATH,
                              version=html.escape(version, quote=True))
    if problems:
        count = len(problems)
        lines = "\n".join(html.escape(line, quote=False) for line in problems)
        extra = (f'<div id="statusgen-problems" role="alert" style="{BANNER_STYLE}">'
                 f"<strong>The latest edit has {count} problem{'s' if count != 1 else ''}; "
                 f"showing the last good build.</strong>\n{lines}</div>{extra}")
    data = extra.encode("utf-8")
    end = page.lower().rfind(b"</body>")
    return page + data if end < 0 else page[:end] + data + page[end:]


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    location: str | None = None


def respond(snapshot: Snapshot, url_path: str) -> Response:
    """The answer to a GET of `url_path` (already unquoted, no query)."""
    if url_path == VERSION_PATH:
        return Response(200, snapshot.version.encode())
    if url_path == RELOAD_PATH:
        return Response(200, RELOAD_SCRIPT, CONTENT_TYPES[".js"])
    prefix, files = snapshot.prefix, snapshot.files
    if not url_path.startswith(prefix):
        if prefix.startswith(url_path.rstrip("/") + "/"):  # "/" or "/shop" for "/shop/"
            return Response(302, location=prefix)
        return _not_found(snapshot)
    name = url_path[len(prefix):]
    if name == "" or name.endswith("/"):
        name += "index.html"
    if name in files:
        return _page(snapshot, name, 200)
    if f"{name}/index.html" in files:  # relative links need the slash
        return Response(301, location=url_path + "/")
    return _not_found(snapshot, name)


def _page(snapshot: Snapshot, name: str, status: int) -> Response:
    kind = content_type(name)
    body = snapshot.files[name]
    if kind.startswith("text/html"):
        body = inject(body, snapshot.version, snapshot.problems)
    return Response(status, body, kind)


def _not_found(snapshot: Snapshot, name: str = "") -> Response:
    """The 404.html nearest to `name`, as Cloudflare Pages serves it: a missing page under
    cy/ gets cy/404.html, in the language of its folder."""
    folder = name.rpartition("/")[0]
    while True:
        page = f"{folder}/404.html" if folder else "404.html"
        if page in snapshot.files:
            return _page(snapshot, page, 404)
        if not folder:
            return Response(404, b"Not found\n")
        folder = folder.rpartition("/")[0]


class PreviewServer(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that answers from a Preview."""

    daemon_threads = True

    def __init__(self, preview: Preview, port: int) -> None:
        self.preview = preview
        super().__init__((HOST, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a reload cut a request short
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}{self.preview.current.prefix}"


class _Handler(BaseHTTPRequestHandler):
    server_version = "statusgen"

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        preview = cast(PreviewServer, self.server).preview
        response = respond(preview.current, unquote(urlsplit(self.path).path))
        self.send_response(response.status)
        if response.location is not None:
            self.send_header("Location", response.location)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")  # a reload always gets the new build
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # pages poll every second: a line per request would drown the build messages


# --- Watching ------------------------------------------------------------------------------

def project_files(root: Path, out: Path) -> dict[str, tuple[int, int]]:
    """(mtime in ns, size) of everything a build reads: statusgen.yaml and all under
    incidents/ and themes/, leaving out dot-folders and the output folder. Folders are listed
    too (as (0, -1)), since a new theme folder can make a project valid."""
    out = out.resolve()
    found: dict[str, tuple[int, int]] = {}
    for path in _walk(root, out):
        try:
            stat = path.stat()
        except OSError:  # removed since it was listed
            continue
        key = path.relative_to(root).as_posix()
        found[key] = (0, -1) if path.is_dir() else (stat.st_mtime_ns, stat.st_size)
    return found


def _walk(root: Path, out: Path) -> Iterator[Path]:
    yield root / CONFIG_NAME
    for top in ("incidents", "themes"):
        for folder, dirs, names in os.walk(root / top):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs
                             if not d.startswith(".") and (here / d).resolve() != out)
            yield here
            yield from (here / name for name in sorted(names))


def _changed(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> str:
    names = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return names[0] + (f" and {len(names) - 1} more" if len(names) > 1 else "")


def watch(server: PreviewServer, stop: threading.Event, echo: Echo,
          interval: float = 0.5) -> None:
    """Until `stop` is set, poll the project's files and rebuild when any changes."""
    preview = server.preview
    seen = project_files(preview.root, preview.out)
    while not stop.wait(interval):
        current = project_files(preview.root, preview.out)
        if current == seen:
            continue
        changed, seen, url = _changed(seen, current), current, server.url
        result = preview.rebuild()
        if isinstance(result, BuildResult):
            echo(f"{changed} changed: rebuilt {result.pages} pages, {result.files} files in "
                 f"{result.seconds:.2f} s.")
            if server.url != url:
                echo(f"base_url changed: now serving {server.url}")
        else:
            for line in result:
                echo(line, err=True)
            count = len(result)
            echo(f"{changed} changed: {count} problem{'s' if count != 1 else ''} found; "
                 "still serving the last good build.", err=True)


def run(server: PreviewServer, echo: Echo, interval: float = 0.5) -> None:
    """Serve and watch until Ctrl+C (or SIGTERM), then stop cleanly."""
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(server, stop, echo, interval),
                               name="statusgen-watch", daemon=True)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    watcher.start()
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        echo("Stopped.")
    finally:
        stop.set()
        watcher.join()  # let a build in progress finish its atomic write
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
