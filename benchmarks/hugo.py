"""A bare Hugo site of a statusgen project's incidents: the floor of a compiled generator.

    python benchmarks/hugo.py --project /tmp/bench-1000 --out /tmp/hugo-1000
    hugo --quiet --source /tmp/hugo-1000 --destination /tmp/hugo-1000/public

Each incident (benchmarks/generate.py's, or any statusgen project's) becomes one Markdown page,
its title and first update's time in the front matter and every update's message under a
heading of its status and time; a theme of two templates (a page, a list) shows them. No
uptime bars, feeds, API or calendar: what is left is reading Markdown and writing HTML, which
benchmarks/run.py times beside statusgen's whole site.
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

CONFIG = """baseURL = "https://status.example.com/"
title = "Benchmark Status"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""
SINGLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main><h1>{{ .Title }}</h1>{{ .Content }}</main></body></html>
"""
LIST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main><h1>{{ .Title }}</h1><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
{{ .Date.Format "2 Jan 2006" }}</li>{{ end }}</ul></main></body></html>
"""


def text(value: Any) -> str:
    """A statusgen text: a string, or a map of languages to text (the first is shown)."""
    return str(next(iter(value.values())) if isinstance(value, dict) else value)


def incident_page(data: dict[str, Any]) -> str:
    """One incident as a Markdown page with front matter."""
    updates = data.get("updates") or []
    first = str(updates[0]["at"]) if updates else str(data["scheduled"]["start"])
    date = datetime.fromisoformat(first.replace("Z", "+00:00"))
    head = {"title": text(data["title"]), "date": date.isoformat()}
    body = [f"## {(update.get('status') or 'update').capitalize()} · {update['at']}\n\n"
            f"{text(update['message']).strip()}\n" for update in updates]
    return "---\n" + json.dumps(head) + "\n---\n\n" + "\n".join(body)


def hugo_site(project: Path, out: Path) -> int:
    """Write the Hugo site of `project` into `out` (replaced); returns its number of pages."""
    shutil.rmtree(out, ignore_errors=True)
    content = out / "content" / "incidents"
    content.mkdir(parents=True)
    (out / "config.toml").write_text(CONFIG, encoding="utf-8")
    layouts = out / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "single.html").write_text(SINGLE, encoding="utf-8")
    (layouts / "list.html").write_text(LIST, encoding="utf-8")
    count = 0
    for path in sorted((project / "incidents").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        (content / f"{path.stem}.md").write_text(incident_page(data), encoding="utf-8")
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    pages = hugo_site(args.project, args.out)
    print(f"Wrote {pages} incident pages into {args.out}: build with "
          f"hugo --source {args.out} --destination {args.out / 'public'}")


if __name__ == "__main__":
    main()
