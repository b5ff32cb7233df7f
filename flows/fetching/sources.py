"""sources.yaml: which councils' committee systems `csa fetch` (and the scheduled run) reads.

    contact: https://example.org/about-our-research   # who runs the fetch (goes into the User-Agent)
    since: 2020-01-01                                 # default start for every site
    polite: {delay_seconds: 3}                        # optional: fetch.yaml settings for every site
    sites:
      - site: https://democracy.example.gov.uk        # the ModernGov site (mgWebService.asmx is under it)
        committees: ["Community Safety Partnership", 412]   # titles or ids
        since: 2018-04-01                             # optional: this site's own start
        polite: {delay_seconds: 5}                    # optional: this site's own manners
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml


@dataclass(frozen=True)
class Site:
    url: str  # scheme and host, and the path ModernGov sits under ("https://democracy.example.gov.uk")
    committees: tuple[str, ...]  # titles or numeric ids
    since: dt.date | None = None
    polite: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return urlsplit(self.url).netloc or self.url


@dataclass(frozen=True)
class Sources:
    sites: tuple[Site, ...]
    contact: str | None = None
    path: Path | None = None


def site_url(text: str) -> str:
    """A site's base URL, checked: http(s), a host, no query; '/mgWebService.asmx...' and trailing '/' dropped."""
    text = text.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{text!r} is not a web address (give it as https://host)")
    path = parts.path
    cut = path.lower().find("/mgwebservice.asmx")
    if cut >= 0:
        path = path[:cut]
    return f"{parts.scheme}://{parts.netloc}{path.rstrip('/')}"


def parse_since(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"since: {value!r} is not a date (YYYY-MM-DD)") from None


def load_sources(path: Path) -> Sources:
    """Read and check sources.yaml; any mistake is a ValueError naming the file and the entry."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("sites"), list) or not raw["sites"]:
        raise ValueError(f"{path}: needs a `sites:` list (see docs/sources.example.yaml)")
    unknown = set(raw) - {"contact", "since", "polite", "sites"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {', '.join(sorted(unknown))}")
    default_since = parse_since(raw.get("since"))
    default_polite = raw.get("polite") or {}
    sites = []
    for i, entry in enumerate(raw["sites"], 1):
        where = f"{path}: site {i}"
        if not isinstance(entry, dict) or "site" not in entry:
            raise ValueError(f"{where}: each entry needs `site:` and `committees:`")
        bad = set(entry) - {"site", "committees", "since", "polite"}
        if bad:
            raise ValueError(f"{where}: unknown keys {', '.join(sorted(bad))}")
        committees = entry.get("committees")
        if isinstance(committees, (str, int)):
            committees = [committees]
        if not committees:
            raise ValueError(f"{where}: `committees:` lists no committee (titles or ids)")
        try:
            url = site_url(str(entry["site"]))
            since = parse_since(entry.get("since")) or default_since
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None
        sites.append(Site(url, tuple(str(c).strip() for c in committees), since,
                          {**default_polite, **(entry.get("polite") or {})}))
    return Sources(tuple(sites), raw.get("contact"), path)
