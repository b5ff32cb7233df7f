"""Fetching new committee papers from councils' committee systems (ModernGov) into the inbox.

`fetch_sites` is what `csa fetch` and the scheduled flow both call, one site at a time: a site
that fails or refuses scripts is reported in its `SiteResult` and the others go on.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flows.fetching.http import Polite, PoliteClient
from flows.fetching.manifest import MANIFEST_FILE, read_fetch_manifest
from flows.fetching.moderngov import Event, InboxBusy, SiteResult, fetch_site
from flows.fetching.sources import Site, Sources, load_sources, site_url

__all__ = ["MANIFEST_FILE", "InboxBusy", "Polite", "Site", "SiteResult", "Sources", "fetch_one", "fetch_sites",
           "load_sources", "read_fetch_manifest", "site_url"]


def fetch_one(site: Site, inbox: Path, contact: str | None = None, overrides: dict | None = None,
              today: dt.date | None = None, on_event: Event | None = None) -> SiteResult:
    """One site, with its own manners (fetch.yaml, then the site's `polite:`, then `overrides`)."""
    polite = Polite.load(contact=contact, **{**site.polite, **(overrides or {})})
    with PoliteClient(polite) as client:
        return fetch_site(site, inbox, client, today=today, on_event=on_event)


def fetch_sites(sources: Sources, inbox: Path, overrides: dict | None = None, today: dt.date | None = None,
                on_event: Event | None = None) -> list[SiteResult]:
    results = []
    for site in sources.sites:
        try:
            results.append(fetch_one(site, inbox, sources.contact, overrides, today, on_event))
        except InboxBusy:
            raise
        except Exception as err:  # a bug or a full disk: this site stops, the others go on
            results.append(SiteResult(site.url, error=f"{type(err).__name__}: {err}"))
    return results
