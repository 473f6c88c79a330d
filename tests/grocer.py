"""A grocer's status project in English and Welsh (site.languages: [en-GB, cy]): one incident
translated whole, one not translated at all, one maintenance translated in part, and a
component without a Welsh name."""

from __future__ import annotations

from pathlib import Path

NOW = "2025-05-01T12:00:00+01:00"  # the outage goes on; the maintenance is ahead

CONFIG = """\
site:
  title:
    en-GB: Greengage Grocers status
    cy: Statws Groseriaid Greengage
  base_url: https://status.greengage.example/
  timezone: Europe/London
  languages: [en-GB, cy]
groups:
  - id: online
    name: {en-GB: Online, cy: Ar-lein}
components:
  - id: website
    name: {en-GB: Website, cy: Gwefan}
    group: online
    description:
      en-GB: Ordering and delivery slots
      cy: Archebu a slotiau danfon
  - id: app
    name: {en-GB: App, cy: Ap}
    group: online
  - id: click-and-collect
    name: Click & Collect
"""

TRANSLATED = """\
title:
  en-GB: Click & Collect orders delayed
  cy: Oedi archebion Clicio a Chasglu
updates:
  - at: 2025-05-01 09:30
    status: investigating
    components:
      click-and-collect: major_outage
    message:
      en-GB: |
        Orders are **not ready** at collection points.
      cy: |
        Nid yw archebion **yn barod** yn y mannau casglu.
    customer_impact:
      still_works:
        - en-GB: Shopping in our stores
          cy: Siopa yn ein siopau
      not_working:
        - {en-GB: Collecting online orders, cy: Casglu archebion ar-lein}
      workaround:
        en-GB: We will deliver your order to your home instead.
        cy: Byddwn yn danfon eich archeb i'ch cartref yn lle hynny.
    next_update: 2025-05-02 15:00
"""

UNTRANSLATED = """\
title: App sign-in failing
updates:
  - at: 2025-04-20 08:00
    status: investigating
    components:
      app: partial_outage
    message: Some customers cannot sign in to the app.
  - at: 2025-04-20 10:00
    status: resolved
    components:
      app: operational
    message: Sign-in works again.
postmortem: A certificate had expired. We now renew certificates a month early.
"""

MAINTENANCE = """\
title:
  en-GB: Website upgrade
  cy: Uwchraddio'r wefan
kind: maintenance
scheduled: {start: 2025-05-10 22:00, end: 2025-05-11 02:00}
components: [website]
updates:
  - at: 2025-05-01 12:00
    status: scheduled
    message: The website will be slow while we upgrade it.
"""

FILES = {
    "statusgen.yaml": CONFIG,
    "incidents/2025-05-01-click-and-collect.yaml": TRANSLATED,
    "incidents/2025-04-20-app-sign-in.yaml": UNTRANSLATED,
    "incidents/2025-05-10-website-upgrade.yaml": MAINTENANCE,
}


def write_grocer(folder: Path) -> Path:
    """The project in `folder` (made if missing); returns it."""
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
