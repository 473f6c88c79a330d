"""Write a synthetic status project of N incidents, the same for the same N and seed.

    python benchmarks/generate.py --incidents 10000 --seed 1 --out /tmp/bench-10000

Ten components in three groups, five years of incidents ending on 30 June 2025, each with 3-5
updates of 150-400 words of Markdown (paragraphs, a bullet list, bold words, a link), and a
few maintenance windows (one in progress and one upcoming at NOW). Build it as of NOW.
With --languages en-GB cy, a site in those languages, every title, message and name
translated (a stand-in translation of the same length: the text with its case swapped).
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = "2025-07-01T12:00:00Z"  # the benchmark's --now: after the last incident
_END = datetime(2025, 6, 30, 12, tzinfo=UTC)
_START = _END - timedelta(days=5 * 365)

GROUPS = [("online", "Online shopping"), ("stores", "In store"), ("support", "Support")]
COMPONENTS = [
    ("website", "Website", "online"), ("app", "App", "online"),
    ("checkout", "Checkout", "online"), ("home-delivery", "Home delivery", "online"),
    ("click-and-collect", "Click & Collect", "stores"), ("in-store", "Shopping in store", "stores"),
    ("payments", "Card payments", "stores"), ("returns", "Returns", "stores"),
    ("customer-service", "Customer service", "support"), ("account", "Your account", "support"),
]
STATES = ["degraded_performance", "partial_outage", "major_outage"]
_TEXT = (
    "we are investigating reports that some customers cannot complete orders on the website "
    "and in the app our engineers have identified a fault in the system that checks stock "
    "levels and are working with our partners to restore it orders placed before the fault "
    "will be delivered as planned stores remain open and card payments work as normal you can "
    "still browse products save items to your wishlist and contact our customer service team "
    "by phone we will post another update within the hour thank you for your patience while "
    "we fix this the issue affects a small number of deliveries scheduled for today collection "
    "points may show longer queues staff in store can help with returns and exchanges refunds "
    "are processed within five working days monitoring continues after the fix is deployed"
)
WORDS = _TEXT.split()
TITLES = ["Orders delayed", "Website slow", "App sign-in failing", "Card payments declined",
          "Deliveries late", "Collection points closed", "Returns unavailable",
          "Account pages unavailable", "Checkout errors", "Phone lines busy"]


def _sentence(rng: random.Random, length: int, bold: bool = False) -> str:
    words = [rng.choice(WORDS) for _ in range(length)]
    if bold:
        words[rng.randrange(1, length - 1)] = f"**{rng.choice(WORDS)} {rng.choice(WORDS)}**"
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    # about one bold phrase in every other paragraph, a link in two paragraphs of five
    sentences = [_sentence(rng, rng.randint(8, 18), bold=n == 0 and rng.random() < 0.5)
                 for n in range(rng.randint(2, 4))]
    if rng.random() < 0.4:
        sentences.append(f"See [our help pages](https://help.example.com/{rng.choice(WORDS)}) "
                         "for more.")
    return " ".join(sentences)


def _words(block: str) -> int:
    return sum(1 for word in block.split() if word != "-")


def message(rng: random.Random) -> str:
    """150-400 words of Markdown: paragraphs, a list of two to four items, bold, links."""
    target = rng.randint(150, 400)
    items = [_sentence(rng, rng.randint(4, 9), bold=n == 0) for n in range(rng.randint(2, 4))]
    blocks = [_paragraph(rng), "\n".join(f"- {item}" for item in items)]
    count = sum(map(_words, blocks))  # at most 122: under the smallest target
    while True:
        paragraph = _paragraph(rng)
        if count + _words(paragraph) >= target:
            break
        blocks.append(paragraph)
        count += _words(paragraph)
    # the last paragraph, plain, makes up the word count exactly
    blocks.append(_sentence(rng, max(target - count, 3)))
    return "\n\n".join(blocks)


def _block(text: str, indent: str, languages: tuple[str, ...] = ()) -> str:
    """A Markdown text as a literal block whose lines start with `indent`; in a site of
    several `languages`, a map of them to the text and its stand-in translations."""
    if len(languages) > 1:
        inner = indent + "  "
        return "\n" + "\n".join(f"{inner[:-2]}{tag}: {_block(said, inner)}"
                                 for tag, said in _translations(text, languages))
    return "|\n" + "\n".join(f"{indent}{line}" if line else "" for line in text.split("\n"))


def _inline(text: str, languages: tuple[str, ...] = ()) -> str:
    """A one-line text as a YAML value: a flow map of its translations in several
    `languages`."""
    if len(languages) > 1:
        return "{" + ", ".join(f"{tag}: {json.dumps(said)}"
                               for tag, said in _translations(text, languages)) + "}"
    return text


def _translations(text: str, languages: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(tag, text if n == 0 else text.swapcase()) for n, tag in enumerate(languages)]


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%MZ")


def incident_yaml(rng: random.Random, number: int, start: datetime, open_: bool,
                  languages: tuple[str, ...] = ()) -> str:
    touched = rng.sample([c[0] for c in COMPONENTS], rng.randint(1, 3))
    lines = [f"title: {_inline(f'{rng.choice(TITLES)} ({number})', languages)}"]
    if rng.random() < 0.3:
        lines.append(f"impact: {rng.choice(['minor', 'major', 'critical'])}")
    lines.append("updates:")
    count = rng.randint(3, 5)
    at = start
    statuses = ["investigating", "identified", "monitoring"]
    for n in range(count):
        last = n == count - 1
        status = "resolved" if last and not open_ else statuses[min(n, 2)]
        lines += [f"  - at: {_at(at)}", f"    status: {status}"]
        if n == 0:
            changes = ", ".join(f"{cid}: {rng.choice(STATES)}" for cid in touched)
            lines.append(f"    components: {{{changes}}}")
        elif n == 1 and rng.random() < 0.5:
            lines.append(f"    components: {{{touched[0]}: {rng.choice(STATES)}}}")
        if n == 0 and rng.random() < 0.3:
            lines += ["    customer_impact:", "      still_works: [Shopping in store]",
                      "      not_working: [Ordering online]"]
        lines.append(f"    message: {_block(message(rng), '      ', languages)}")
        step = timedelta(minutes=rng.randint(20, 600))
        if not last and rng.random() < 0.5:
            lines.append(f"    next_update: {_at(at + step)}")
        at += step
    return "\n".join(lines) + "\n"


def maintenance_yaml(rng: random.Random, number: int, start: datetime, status: str,
                     languages: tuple[str, ...] = ()) -> str:
    end = start + timedelta(hours=rng.randint(2, 4))
    touched = rng.sample([c[0] for c in COMPONENTS], rng.randint(1, 2))
    lines = [f"title: {_inline(f'Planned maintenance ({number})', languages)}",
             "kind: maintenance",
             f"scheduled: {{start: {_at(start)}, end: {_at(end)}}}",
             f"components: [{', '.join(touched)}]", "updates:",
             f"  - at: {_at(min(start - timedelta(days=7), _END))}", "    status: scheduled",
             f"    message: {_block(message(rng), '      ', languages)}"]
    if status == "completed":
        lines += [f"  - at: {_at(end)}", "    status: completed",
                  f"    message: {_block(message(rng), '      ', languages)}"]
    return "\n".join(lines) + "\n"


def config_yaml(languages: tuple[str, ...] = ()) -> str:
    lines = ["site:", "  title: Benchmark Status", "  base_url: https://status.example.com/",
             "  timezone: Europe/London", "  description: A synthetic project for benchmarks.",
             *([f"  languages: [{', '.join(languages)}]"] if len(languages) > 1 else []),
             "groups:"]
    lines += [f"  - {{id: {gid}, name: {_inline(name, languages)}}}" for gid, name in GROUPS]
    lines.append("components:")
    for cid, name, group in COMPONENTS:
        lines += [f"  - id: {cid}", f"    name: {_inline(name, languages)}",
                  f"    group: {group}",
                  f"    description: {_inline(f'{name}, as our customers use it.', languages)}"]
    return "\n".join(lines) + "\n"


def generate(incidents: int, seed: int, out: Path, languages: tuple[str, ...] = ()
             ) -> list[Path]:
    """Write the project into `out` (made if missing), in `languages` where there are
    several; returns the incident files written."""
    rng = random.Random(seed)
    folder = out / "incidents"
    folder.mkdir(parents=True, exist_ok=True)
    (out / "statusgen.yaml").write_text(config_yaml(languages), encoding="utf-8")
    maintenance = max(3, incidents // 500)
    span = (_END - _START).total_seconds()
    written = []
    for number in range(incidents):
        if number < maintenance:
            status = "in_progress" if number == 0 else "upcoming" if number == 1 else "completed"
            if status == "in_progress":
                start = _END + timedelta(hours=23)  # NOW is within its window
            elif status == "upcoming":
                start = _END + timedelta(days=10)
            else:
                start = _START + timedelta(seconds=rng.uniform(0, span))
            start = start.replace(minute=0, second=0, microsecond=0)
            text = maintenance_yaml(rng, number, start, status, languages)
        else:
            open_ = number >= incidents - 2  # the two newest are still going on at NOW
            start = _END - timedelta(hours=3 * (incidents - number)) if open_ else \
                _START + timedelta(seconds=rng.uniform(0, span))
            start = start.replace(second=0, microsecond=0)
            text = incident_yaml(rng, number, start, open_, languages)
        path = folder / f"{start:%Y-%m-%d}-event-{number}.yaml"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--languages", nargs="+", default=[],
                        help="the site's languages, e.g. en-GB cy (default: one, English)")
    args = parser.parse_args()
    generate(args.incidents, args.seed, args.out, tuple(args.languages))
    print(f"Wrote {args.incidents} incidents into {args.out} (build with --now {NOW}).")


if __name__ == "__main__":
    main()
