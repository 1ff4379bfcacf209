"""Geocoders: the offline postcode directory as a geopy geocoder, and online geocoders behind a cache."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError, GeocoderTimedOut, GeocoderUnavailable, GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.geo.geocoders import (
    POSTCODE_DIRECTORY,
    Answer,
    OnlineGeocoder,
    PostcodeDirectory,
    build_online_geocoders,
)
from app.geo.postcode_directory import LoadResult, PostcodeStore
from app.models import GeocodeResult
from tests.geo.conftest import KNOWSLEY, ROBY, FakeGeocoder

HUYTON = (53.4107, -2.8417)  # a real point in Knowsley (Roby ward)
QUERY = "1 Station Road, Huyton, L36 9GD, United Kingdom"


@pytest.fixture
def directory(session: Session, sample_release: LoadResult) -> PostcodeDirectory:
    return PostcodeDirectory(PostcodeStore(session))


def _results(session: Session) -> list[GeocodeResult]:
    return list(session.scalars(select(GeocodeResult).order_by(GeocodeResult.id)))


# --- PostcodeDirectory --------------------------------------------------------------------------


def test_the_directory_is_a_geopy_geocoder(directory: PostcodeDirectory) -> None:
    assert isinstance(directory, Geocoder)


@pytest.mark.parametrize("query", ["L36 9GD", "l36 9gd", "L369GD", "l369gd", " L36  9GD ", "L36-9GD"])
def test_an_exact_postcode_is_its_own_point_with_district_and_ward(directory: PostcodeDirectory, query: str) -> None:
    location = directory.geocode(query)

    assert isinstance(location, Location)
    assert location.address == "L36 9GD"
    assert (location.latitude, location.longitude) == (53.410696, -2.84173)
    assert location.raw == {
        "postcode": "L36 9GD",
        "precision": "postcode",
        "district_code": KNOWSLEY,
        "ward_code": ROBY,
        "terminated": None,
        "note": None,
        "source": POSTCODE_DIRECTORY,
    }


@pytest.mark.parametrize(
    ("query", "district", "latitude", "longitude"),
    [
        ("CF10 1EP", "W06000015", 51.475764, -3.179217),
        ("EH1 1AA", "S12000036", 55.953646, -3.188108),
        ("BT1 1AA", "N09000003", 54.602445, -5.922291),
        ("SW1A 1AA", "E09000033", 51.50101, -0.141563),
    ],
)
def test_postcodes_in_every_nation_are_placed(
    directory: PostcodeDirectory, query: str, district: str, latitude: float, longitude: float
) -> None:
    location = directory.geocode(query)

    assert isinstance(location, Location)
    assert location.point[:2] == (latitude, longitude)
    assert location.raw["district_code"] == district
    assert location.raw["precision"] == "postcode"


def test_an_unknown_postcode_in_a_known_outcode_is_placed_at_its_centre(
    directory: PostcodeDirectory, session: Session
) -> None:
    store = PostcodeStore(session)
    assert store.lookup("L36 9ZZ") is None
    centroid = store.outcode("L36")
    assert centroid is not None

    location = directory.geocode("l36 9zz")

    assert isinstance(location, Location)
    assert location.address == "L36 (postcode district)"
    assert (location.latitude, location.longitude) == (centroid.latitude, centroid.longitude)
    assert location.raw["precision"] == "postcode_district"
    assert location.raw["postcode"] == "L36 9ZZ"
    assert location.raw["district_code"] == KNOWSLEY
    assert location.raw["ward_code"] is None
    assert location.raw["note"] == (
        "Postcode L36 9ZZ is not in the postcode directory; placed at the centre of L36. Check the postcode."
    )


def test_an_unknown_postcode_in_a_split_outcode_has_no_district(directory: PostcodeDirectory, session: Session) -> None:
    assert PostcodeStore(session).lookup("L35 9ZZ") is None

    location = directory.geocode("L35 9ZZ")

    assert isinstance(location, Location)
    assert location.raw["precision"] == "postcode_district"
    assert location.raw["district_code"] is None
    assert location.raw["note"] == (
        "Postcode L35 9ZZ is not in the postcode directory; placed at the centre of L35. Check the postcode. "
        "L35 spans more than one council district, so the district is not known."
    )


@pytest.mark.parametrize(
    "query",
    [
        "GY1 1AA",  # Guernsey: in the directory, pseudo district, no point
        "JE1 0BD",  # Jersey
        "IM1 1AA",  # Isle of Man
        "GY1 9ZZ",  # not in the directory, and GY1 has no centre
        "AB11 3AG",  # non-geographic
        "AB11 9ZZ",
        "ZZ9 9ZZ",  # a postcode shape in no outcode we hold
    ],
)
def test_postcodes_with_no_point_are_not_geocoded(directory: PostcodeDirectory, query: str) -> None:
    assert directory.geocode(query) is None
    assert directory.geocode(query, exactly_one=False) is None


@pytest.mark.parametrize("query", ["", "   ", "L36", "Huyton", "L36 9G", "12345", "L36 9GDD"])
def test_text_that_is_not_a_full_postcode_is_not_geocoded(directory: PostcodeDirectory, query: str) -> None:
    assert directory.geocode(query) is None


@pytest.mark.parametrize(("query", "precision"), [("L36 9GD", "postcode"), ("L36 9ZZ", "postcode_district")])
def test_exactly_one_false_gives_a_list(directory: PostcodeDirectory, query: str, precision: str) -> None:
    locations = directory.geocode(query, exactly_one=False)

    assert isinstance(locations, list)
    assert len(locations) == 1
    assert isinstance(locations[0], Location)
    assert locations[0].raw["precision"] == precision


def test_the_directory_never_uses_the_network(directory: PostcodeDirectory, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(directory.adapter, BaseSyncAdapter)
    with pytest.raises(GeocoderServiceError, match="does not use the network"):
        directory.adapter.get_json("https://nominatim.openstreetmap.org/search", timeout=1, headers={})
    with pytest.raises(GeocoderServiceError, match="does not use the network"):
        directory.adapter.get_text("https://nominatim.openstreetmap.org/search", timeout=1, headers={})
    with pytest.raises(GeocoderServiceError):
        directory._call_geocoder("https://nominatim.openstreetmap.org/search", lambda data: data)

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the postcode directory opened a network connection")

    # The database connection is already open (the sample was loaded in this transaction).
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert directory.geocode("L36 9GD") is not None
    assert directory.geocode("L35 9ZZ") is not None
    assert directory.geocode("GY1 1AA") is None


def test_the_directory_does_not_reverse_geocode(directory: PostcodeDirectory) -> None:
    with pytest.raises(NotImplementedError):
        directory.reverse(HUYTON)


# --- OnlineGeocoder -----------------------------------------------------------------------------


class _NoNetwork(BaseSyncAdapter):
    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        raise AssertionError(f"a fake geocoder tried to fetch {url}")

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        raise AssertionError(f"a fake geocoder tried to fetch {url}")


class FakeGeopyGeocoder(Geocoder):  # type: ignore[misc]
    """A real geopy Geocoder subclass whose answers come from a FakeGeocoder table."""

    def __init__(self, table: FakeGeocoder) -> None:
        super().__init__(user_agent="lsr-tests", adapter_factory=_NoNetwork)
        self.table = table

    def geocode(
        self, query: str, *, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL, country_codes: Any = None
    ) -> Location | None:
        return self.table.geocode(query, exactly_one=exactly_one, country_codes=country_codes)


class NoCountryCodes:
    """A plain object with a geocode method that does not take country_codes (as some geopy geocoders)."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[str] = []

    def geocode(self, query: str, exactly_one: bool = True) -> Location | None:
        self.calls.append(query)
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """RateLimiter's sleeps, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(RateLimiter, "_sleep", lambda self, seconds: slept.append(seconds))
    return slept


def test_a_found_address_is_answered_and_cached(session: Session, no_sleep: list[float]) -> None:
    table = FakeGeocoder({QUERY: (*HUYTON, "Station Road, Huyton, Knowsley, L36 9GD, United Kingdom")})
    online = OnlineGeocoder("fake", FakeGeopyGeocoder(table), session, min_delay_seconds=0)

    answer = online.geocode(QUERY)

    assert answer == Answer(53.4107, -2.8417, "Station Road, Huyton, Knowsley, L36 9GD, United Kingdom", None)
    assert table.calls == [(QUERY, {"exactly_one": True, "country_codes": "gb"})]
    session.flush()
    [cached] = _results(session)
    assert (cached.geocoder, cached.query, cached.found) == ("fake", QUERY, True)
    assert (cached.latitude, cached.longitude) == HUYTON
    assert cached.address == "Station Road, Huyton, Knowsley, L36 9GD, United Kingdom"
    assert cached.raw == {"display_name": cached.address, "lat": 53.4107, "lon": -2.8417}


def test_a_second_lookup_is_served_from_the_cache(session: Session, no_sleep: list[float]) -> None:
    table = FakeGeocoder({QUERY: (*HUYTON, "Huyton")})
    online = OnlineGeocoder("fake", FakeGeopyGeocoder(table), session, min_delay_seconds=0)

    first = online.geocode(QUERY)
    session.commit()
    second = OnlineGeocoder("fake", FakeGeopyGeocoder(table), session, min_delay_seconds=0).geocode(QUERY)

    assert second == first == Answer(53.4107, -2.8417, "Huyton", None)
    assert len(table.calls) == 1
    assert session.scalar(select(func.count()).select_from(GeocodeResult)) == 1


def test_the_cache_is_kept_per_geocoder(session: Session, no_sleep: list[float]) -> None:
    table = FakeGeocoder({QUERY: (*HUYTON, "Huyton")})
    OnlineGeocoder("fake", FakeGeopyGeocoder(table), session, min_delay_seconds=0).geocode(QUERY)

    OnlineGeocoder("other", FakeGeopyGeocoder(table), session, min_delay_seconds=0).geocode(QUERY)

    assert len(table.calls) == 2
    assert [r.geocoder for r in _results(session)] == ["fake", "other"]


def test_an_address_not_found_is_a_problem_and_is_cached(session: Session) -> None:
    table = FakeGeocoder(default=None)
    online = OnlineGeocoder("fake", FakeGeopyGeocoder(table), session, limiter=table.geocode)

    first = online.geocode("Nowhere Street, Atlantis, United Kingdom")
    second = online.geocode("Nowhere Street, Atlantis, United Kingdom")

    assert first == second == Answer(None, None, None, "fake could not find this address")
    assert len(table.calls) == 1
    [cached] = _results(session)
    assert cached.found is False
    assert (cached.latitude, cached.longitude, cached.address, cached.raw) == (None, None, None, None)


@pytest.mark.parametrize(
    "error",
    [
        GeocoderTimedOut("Service timed out"),
        GeocoderUnavailable("Service not available"),
        GeocoderServiceError("Non-successful status code 500"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_geocoder_that_does_not_answer_is_a_problem_and_not_cached(
    session: Session, error: GeopyError, caplog: pytest.LogCaptureFixture
) -> None:
    table = FakeGeocoder(default=error)
    online = OnlineGeocoder("nominatim", FakeGeopyGeocoder(table), session, limiter=table.geocode)

    first = online.geocode(QUERY)
    second = online.geocode(QUERY)

    assert first == second == Answer(None, None, None, f"nominatim did not answer ({type(error).__name__})")
    assert len(table.calls) == 2  # not cached: the next attempt asks again
    assert _results(session) == []
    assert "nominatim could not geocode" in caplog.text


def test_by_default_the_geocoder_is_wrapped_in_geopys_rate_limiter(session: Session) -> None:
    geocoder = FakeGeopyGeocoder(FakeGeocoder())

    online = OnlineGeocoder("fake", geocoder, session, min_delay_seconds=1.5)

    limiter = online._geocode
    assert type(limiter) is RateLimiter
    assert limiter.func == geocoder.geocode
    assert limiter.min_delay_seconds == 1.5
    assert limiter.max_retries == 1
    assert limiter.swallow_exceptions is False


def test_the_rate_limiter_retries_once_then_reports_the_problem(session: Session, no_sleep: list[float]) -> None:
    table = FakeGeocoder(default=GeocoderTimedOut("Service timed out"))
    online = OnlineGeocoder("fake", FakeGeopyGeocoder(table), session, min_delay_seconds=0)

    answer = online.geocode(QUERY)

    assert answer.problem == "fake did not answer (GeocoderTimedOut)"
    assert len(table.calls) == 2
    assert no_sleep == [5.0]  # geopy's wait between errors, not a real sleep here
    assert _results(session) == []


def test_a_geocoder_without_country_codes_is_asked_again_without_them(session: Session) -> None:
    fake = NoCountryCodes(Location("Huyton", HUYTON, {}))
    online = OnlineGeocoder("plain", fake, session, min_delay_seconds=0)  # type: ignore[arg-type]

    answer = online.geocode(QUERY)

    assert answer == Answer(53.4107, -2.8417, "Huyton", None)
    assert fake.calls == [QUERY]  # the call with country_codes failed before reaching the geocoder


@pytest.mark.parametrize(
    "error", [GeocoderTimedOut("Service timed out"), GeocoderUnavailable("down")], ids=lambda e: type(e).__name__
)
def test_a_geocoder_without_country_codes_that_does_not_answer_is_a_problem(
    session: Session, no_sleep: list[float], error: GeopyError
) -> None:
    """'Every failure becomes an answer with a reason; nothing raises' holds on the retry without country_codes."""
    fake = NoCountryCodes(error)
    online = OnlineGeocoder("plain", fake, session, min_delay_seconds=0)  # type: ignore[arg-type]

    answer = online.geocode(QUERY)

    assert answer == Answer(None, None, None, f"plain did not answer ({type(error).__name__})")
    assert _results(session) == []


# --- Building the configured geocoders ----------------------------------------------------------


def test_build_online_geocoders_builds_nominatim_without_calling_it(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("building a geocoder opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)

    built = build_online_geocoders(
        ["postcode_directory", "nominatim"],
        session,
        user_agent="local-supplier-register/1.0 (procurement@knowsley.example)",
        timeout=7,
        min_delay_seconds=1.5,
    )

    assert [g.name for g in built] == ["nominatim"]
    limiter = built[0]._geocode
    assert isinstance(limiter, RateLimiter)
    assert limiter.min_delay_seconds == 1.5
    nominatim = limiter.func.__self__
    assert type(nominatim) is Nominatim
    assert nominatim.headers["User-Agent"] == "local-supplier-register/1.0 (procurement@knowsley.example)"
    assert nominatim.timeout == 7
    assert built[0].session is session


def test_build_online_geocoders_passes_options_to_the_named_geocoder(session: Session) -> None:
    built = build_online_geocoders(
        ["nominatim"],
        session,
        user_agent="lsr-tests",
        timeout=3,
        min_delay_seconds=1,
        options={"nominatim": {"domain": "nominatim.example.org"}, "photon": {"domain": "unused"}},
    )

    assert built[0]._geocode.func.__self__.domain == "nominatim.example.org"


def test_the_postcode_directory_alone_builds_no_online_geocoder(session: Session) -> None:
    assert build_online_geocoders(["postcode_directory"], session, user_agent="x", timeout=1, min_delay_seconds=1) == []


def test_an_unknown_geocoder_name_is_a_value_error_naming_it(session: Session) -> None:
    with pytest.raises(ValueError, match="Unknown geocoder 'no_such_geocoder' in GEOCODERS"):
        build_online_geocoders(
            ["postcode_directory", "no_such_geocoder"], session, user_agent="x", timeout=1, min_delay_seconds=1
        )
