"""Uptime bars, component pages, history pages and incident timelines in the built site."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import DEMO_NOW, REPO, build_site

LATER = "2025-09-01T12:00:00+01:00"  # after the attack: all of it is history


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("later") / "site"
    build_site(REPO, out, now=LATER)
    return out


class _Bars(HTMLParser):
    """Collects each bar's span of days, state class and words."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: list[list] = []  # [list label, [(days, state, text)]]
        self._in_tip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "ol" and "bars" in (found.get("class") or ""):
            self.bars.append([found.get("aria-label"), []])
        elif tag == "li" and (found.get("class") or "").startswith("bar "):
            days = int(re.search(r"--n:(\d+)", found.get("style") or "--n:1").group(1))
            self.bars[-1][1].append([days, found["class"].split()[1], ""])
        elif tag == "span" and found.get("class") == "tip":
            self._in_tip = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._in_tip = False

    def handle_data(self, data: str) -> None:
        if self._in_tip:
            self.bars[-1][1][-1][2] += data


def bars_of(page: Path) -> list[list]:
    parser = _Bars()
    parser.feed(page.read_text())
    return parser.bars


def test_every_day_bar_says_its_dates_and_state_in_words(site: Path) -> None:
    components = bars_of(site / "index.html")
    assert len(components) == 8
    for label, bars in components:
        assert label.endswith("day by day over the last 90 days, oldest first")
        assert sum(days for days, _, _ in bars) == 90  # one day each, or a run of like days
        for _, state, text in bars:
            assert re.match(r"\d{1,2} [A-Z][a-z]{2,3} \d{4}( to \d{1,2} [A-Z][a-z]{2,3} \d{4})?: ",
                            text), text
            if state == "state-operational":
                assert "No downtime" in text or "for" in text
            else:
                word = state.removeprefix("state-").replace("_", " ")
                assert word in text.lower(), (state, text)
    _, cc = next(c for c in components if c[0].startswith("Click & Collect"))
    # The window opens inside the Click & Collect outage (19 April to 12 August): the days it
    # took whole share one bar, one link; its last day has its own words.
    assert cc[:2] == [
        [69, "state-major_outage", "4 Jun 2025 to 11 Aug 2025: Major outage all day. "
                                   "Click & Collect orders delayed and returns disrupted"],
        [1, "state-major_outage", "12 Aug 2025: Major outage for 8 hours. "
                                  "Click & Collect orders delayed and returns disrupted"]]


def test_click_and_collect_shows_months_of_reduced_uptime(site: Path) -> None:
    page = (site / "components" / "click-and-collect" / "index.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    months = dict(re.findall(r"((?:April|May|June|July|August) 2025) (\d+\.\d\d)%", text))
    assert months["May 2025"] == "0.00" and months["June 2025"] == "0.00"
    assert float(months["April 2025"]) < 100 and float(months["August 2025"]) < 100
    assert "March 2025 100.00%" in text
    # its incident, with its true length: 19 April 09:30 to 12 August 08:00 BST
    assert "lasted 114 days 22 hours" in text


def test_history_links_every_incident_exactly_once(site: Path) -> None:
    ids = sorted(p.stem for p in (REPO / "incidents").glob("*.yaml"))
    index = (site / "history" / "index.html").read_text()
    months = re.findall(r'href="\.\./history/(\d{4}-\d\d)/"', index)
    assert months == sorted(months, reverse=True) and len(months) == 4
    links: Counter[str] = Counter()
    for month in months:
        page = (site / "history" / month / "index.html").read_text()
        links.update(re.findall(r'class="entry-title" href="\.\./\.\./incidents/([^/]+)/"', page))
    assert sorted(links) == ids
    assert set(links.values()) == {1}


def test_a_long_incident_reads_as_ongoing_for_days(tmp_path: Path) -> None:
    build_site(REPO, tmp_path / "site", now=DEMO_NOW)
    page = (tmp_path / "site" / "history" / "2025-04" / "index.html").read_text()
    assert "ongoing for 25 days 2 hours" in page


def test_an_incident_page_draws_a_lane_per_component(site: Path) -> None:
    page = (site / "incidents" / "2025-04-25-online-orders-paused" / "index.html").read_text()
    lanes = re.findall(r'<span class="lane-name">([^<]+)</span>', page)
    assert lanes and len(lanes) == len(set(lanes))
    assert page.count('<svg class="lane-bar"') == len(lanes)
    table = page[page.index('<table class="lanes-table">'):]
    for lane in lanes:
        assert f'<th scope="row">{lane}</th>' in table


def test_a_component_lists_its_incidents_fifty_to_a_page(tmp_path: Path) -> None:
    """No page grows with the history: a component's page lists its 50 latest incidents and
    links to pages of older ones, each incident on exactly one of them, newest first."""
    root = tmp_path / "project"
    (root / "incidents").mkdir(parents=True)
    (root / "statusgen.yaml").write_text(
        "site: {title: Paged, base_url: 'https://status.example.com/', timezone: UTC}\n"
        "components:\n  - {id: web, name: Website}\n  - {id: app, name: App}\n")
    for n in range(120):
        day = f"2025-{1 + n // 28:02}-{1 + n % 28:02}"
        (root / "incidents" / f"e{n:03}.yaml").write_text(
            f"title: Event {n}\nupdates:\n"
            f"  - {{at: '{day} 10:00', status: investigating, message: Down.,\n"
            f"     components: {{web: major_outage}}}}\n"
            f"  - {{at: '{day} 11:00', status: resolved, message: Up.}}\n")
    out = tmp_path / "site"
    build_site(root, out, now="2025-06-01T00:00:00Z")
    folder = out / "components" / "web"
    pages = [folder / "index.html", folder / "page" / "2" / "index.html",
             folder / "page" / "3" / "index.html"]
    assert not (folder / "page" / "4").exists()
    assert not (out / "components" / "app" / "page").exists()
    seen: list[int] = []
    for number, page in enumerate(pages, start=1):
        html = page.read_text()
        up = "../" * (page.relative_to(out).as_posix().count("/"))
        events = [int(n) for n in re.findall(
            rf'class="entry-title" href="{re.escape(up)}incidents/e(\d+)/"', html)]
        assert len(events) == (50 if number < 3 else 20)
        seen += events
        assert f"Page {number} of 3" in html
        assert ('>Older incidents</a>' in html) == (number < 3)
        assert ('>Newer incidents</a>' in html) == (number > 1)
        for link in re.findall(r'href="([^"#]+)"', html):  # every link leads to a page
            if not link.startswith("https://"):
                target = (page.parent / link).resolve()
                assert (target / "index.html" if link.endswith("/") else target).exists(), link
    assert seen == list(range(119, -1, -1))
    assert "components/web/page/3/" in (out / "sitemap.xml").read_text()
