"""A cState site of a statusgen project's incidents: the same incidents in a Hugo status theme.

    python benchmarks/cstate.py --project /tmp/bench-1000 --out /tmp/cs-1000 --cstate /tmp/cstate
    hugo --quiet --source /tmp/cs-1000 --destination /tmp/cs-1000/public

cState (https://github.com/cstate/cstate, a checkout of tag 6.0.1 for Hugo 0.111) is the theme,
found where it is (themesDir is the checkout's parent). The components become cState's systems
in their groups as categories; each incident one content/issues/<file>.md: its first update's
time, its worst component state as a severity (major outage: down; partial outage or degraded
performance: disrupted; none: notice), resolved when its last update resolved or completed it,
the names of the components it touched as affected, and every update, newest first as cState
writes them, with the time in cState's track shortcode. A maintenance window is a notice from
the window's start. One language only: of a text in several, the first.
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from hugo import text

WORST = ["degraded_performance", "partial_outage", "major_outage"]
SEVERITY = {"major_outage": "down", "partial_outage": "disrupted",
            "degraded_performance": "disrupted"}
DONE = {"resolved", "completed"}
# cState's core settings, as its exampleSite/config.yml has them
CORE: dict[str, Any] = {
    "languageCode": "en", "defaultContentLanguage": "en", "buildFuture": True,
    "enableGitInfo": False, "preserveTaxonomyNames": True,
    "taxonomies": {"affected": "affected"},
    "outputs": {"page": ["html", "json"], "section": ["html", "json", "rss"],
                "home": ["html", "json", "rss", "svg"], "term": ["html", "json", "rss", "svg"]},
    "outputFormats": {"svg": {"isPlainText": True, "mediaType": "image/svg+xml"}},
}
# the exampleSite's preferences (its colours are needed: a template reads them as hex)
PARAMS: dict[str, Any] = {
    "useLogo": False, "enableUptimeHistogram": True, "incidentHistoryFormat": "yearly",
    "incidentPostsPerPage": 5, "useRelativeTime": True, "enableLastMod": True,
    "dateFormat": "January 2, 2006 at 3:04 PM", "shortDateFormat": "15:04 — Jan 2",
    "brand": "#0a0c0f", "ok": "#008000", "disrupted": "#cc4400", "down": "#e60000",
    "notice": "#24478f", "alwaysKeepBrandColor": True, "headerTextColor": "white",
}


def _utc(value: Any, zone: tzinfo) -> str:
    """A statusgen time (YAML's datetime or a string such as 2025-06-30 12:00Z; without an
    offset, in the site's `zone`) in UTC, as cState's relative times need it."""
    moment = datetime.fromisoformat(value.isoformat() if isinstance(value, datetime)
                                    else str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def site_config(config: dict[str, Any], cstate: Path) -> dict[str, Any]:
    """cState's config of a statusgen.yaml: its groups as categories, its components as
    systems, with `cstate` (a checkout of the theme) as the theme."""
    site = config.get("site") or {}
    groups = {group["id"]: text(group["name"]) for group in config.get("groups") or []}
    categories: list[dict[str, Any]] = [{"name": name} for name in groups.values()]
    systems = []
    for component in config.get("components") or []:
        system = {"name": text(component["name"]),
                  "category": groups.get(component.get("group"), "Uncategorized")}
        if component.get("description"):
            system["description"] = text(component["description"])
        systems.append(system)
    if any(system["category"] == "Uncategorized" for system in systems):
        categories.append({"name": "Uncategorized", "untitled": True})
    params = {"categories": categories, "systems": systems,
              "description": text(site.get("description", "")), **PARAMS}
    return {"title": text(site.get("title", "Status")),
            "baseURL": "https://status.example.com/",
            "theme": cstate.resolve().name, "themesDir": str(cstate.resolve().parent),
            **CORE, "params": params}


def issue_page(data: dict[str, Any], names: dict[str, str], zone: tzinfo) -> str:
    """One incident or maintenance window as a cState issue: front matter and updates."""
    updates = data.get("updates") or []
    maintenance = data.get("kind") == "maintenance"
    if maintenance:
        touched = list(data.get("components") or [])
        start = data["scheduled"]["start"]
        severity = "notice"
    else:
        changes = [change for update in updates
                   for change in (update.get("components") or {}).items()]
        touched = [cid for cid, _ in changes]
        start = updates[0]["at"]
        worst = max((state for _, state in changes),
                    key=lambda s: WORST.index(s) if s in WORST else -1, default="none")
        severity = SEVERITY.get(worst, "notice")
    resolved = bool(updates) and updates[-1].get("status") in DONE
    head: dict[str, Any] = {"title": text(data["title"]), "date": _utc(start, zone),
                            "resolved": resolved}
    if resolved:
        head["resolvedWhen"] = _utc(updates[-1]["at"], zone)
    affected = [names[cid] for cid in names if cid in touched]  # in the config's order
    head |= {"severity": severity, "affected": affected, "section": "issue"}
    body = [f"*{str(update.get('status') or 'update').replace('_', ' ').capitalize()}* - "
            f"{text(update.get('message', '')).strip()} "
            f"{{{{< track \"{_utc(update['at'], zone)}\" >}}}}" for update in reversed(updates)]
    return "---\n" + json.dumps(head) + "\n---\n\n" + "\n\n---\n\n".join(body) + "\n"


def cstate_site(project: Path, out: Path, cstate: Path) -> None:
    """Write the cState site of the statusgen `project` into `out` (replaced), its theme the
    cState checkout `cstate`."""
    config = yaml.safe_load((project / "statusgen.yaml").read_text(encoding="utf-8")) or {}
    zone = ZoneInfo((config.get("site") or {}).get("timezone") or "UTC")
    names = {c["id"]: text(c["name"]) for c in config.get("components") or []}
    shutil.rmtree(out, ignore_errors=True)
    issues = out / "content" / "issues"
    issues.mkdir(parents=True)
    (out / "config.yml").write_text(
        yaml.safe_dump(site_config(config, cstate), sort_keys=False, allow_unicode=True),
        encoding="utf-8")
    for path in sorted((project / "incidents").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        (issues / f"{path.stem}.md").write_text(issue_page(data, names, zone), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--project", type=Path, required=True, help="a statusgen project")
    parser.add_argument("--out", type=Path, required=True, help="the Hugo site to write")
    parser.add_argument("--cstate", type=Path, required=True, help="a checkout of cState")
    args = parser.parse_args()
    cstate_site(args.project, args.out, args.cstate)
    print(f"Wrote a cState site into {args.out}: build with "
          f"hugo --source {args.out} --destination {args.out / 'public'}")


if __name__ == "__main__":
    main()
