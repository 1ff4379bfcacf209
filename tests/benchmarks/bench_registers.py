"""Public registers benchmarks (issue 15): loading Companies House's BasicCompanyData, looking companies up by
number, matching suppliers' names against it.

    make bench     # or: .venv/bin/python -m tests.benchmarks.bench_registers [--database-url URL ...] [--sqlite]
                   #     [--rows N] [--samples N] [--cache FOLDER]

The file is generated once (seeded, so the same every time) into a cache folder under the system's temporary folder
and reused: the product as Companies House publishes it, a zip of 7 CSV parts named BasicCompanyData-2026-12-01-
part1_7.csv..., every field double-quoted, under the real 55-column header (BASIC_COMPANY_DATA_HEADER), the rows in
the order of their names as the product's are; company numbers mostly of 8 digits (some SC, NI and OC), names from
word lists with legal suffixes, the register's categories, statuses, dd/mm/yyyy dates, postcodes and SIC texts.

With no --database-url it runs on a temporary SQLite file and then on PostgreSQL at $BENCH_POSTGRES_URL (by default
the lsr_bench database on 127.0.0.1) when that answers; --sqlite runs SQLite only, as make bench does before its
PostgreSQL line. The load runs in a child process, so its peak memory is the load's alone. Prints its figures with the
targets beside them; it asserts nothing. Targets (issue 15): 5.5 million rows load in under 3 minutes and 400 MB peak
memory on both engines; a lookup by number under 1 ms; 10,000 supplier names (as finance systems write them: "Ltd"
for "Limited", dotted initials, a leading "The", lower case, typos, names not on the register) matched in under 10 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import multiprocessing
import os
import queue
import random
import statistics
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.domain.registers import BASIC_COMPANY_DATA_HEADER, name_key
from tests.benchmarks.bench_geo import _engine, _peak_memory_mb, _postgres_answers, machine

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DEFAULT_ROWS = 5_500_000
DEFAULT_SAMPLES = 10_000
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lsr_bench"
SEED = 20261201
PRODUCT_DATE = "2026-12-01"
PARTS = 7
TODAY = date(2026, 12, 4)
#: Bumped when the generator writes different rows, so a cached file from an older generator is not reused.
GENERATOR_VERSION = 2
#: Rows kept aside while generating (number, name, postcode) for the lookups and the names to match.
KEPT = 30_000
CACHE = Path(tempfile.gettempdir()) / "lsr_bench_registers"
TARGETS = {
    "load_seconds": "< 180 s",
    "load_max_rss_mb": "< 400 MB",
    "lookup_p50_ms": "< 1 ms",
    "lookup_p95_ms": "< 1 ms",
    "match_seconds": "< 10 s",
}

# --- The generated product ------------------------------------------------------------------------------------------

# Company numbers: row i's is a permutation of 0..16 million (unique, in no order, as in the name-sorted product);
# numbers from a row beyond the file's are on no register.
_NUMBER_SPACE = 16_000_000
_STRIDE = 7_919_993  # odd and not a multiple of 5: coprime with 16,000,000


def company_number_of(i: int) -> str:
    v = (i * _STRIDE + 1_234_567) % _NUMBER_SPACE
    if v < 900_000:
        return f"SC{v:06d}"
    if v < 1_500_000:
        return f"NI{v - 900_000:06d}"
    if v < 1_900_000:
        return f"OC{v - 1_500_000:06d}"
    return f"{v:08d}"


def _words(text: str, separator: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(separator))


_SYLLABLES = _words(
    "AL BRA CAR DEL EX FIN GRA HAL ION JAX KEN LUX MER NOV OR PRI QUA REX SOL TEK UN VAL WEX XEN YOR ZEN "
    "ARC BEL COR DYN EL FOR GEN HEX IN JUN KIN LEO MAX NEX OM PAX RI SEN TRI VO"
)
_WORDS = _words(
    "ABBEY ACORN ALPHA AMBER ANCHOR APEX ARROW ASPEN ATLAS AURORA AVENUE BAILEY BEACON BIRCH BLUE BRIDGE "
    "BRIGHT BROOK CAPITAL CASTLE CEDAR CENTRAL CHAPEL CITY CLEAR COASTAL COBALT CORNER COUNTY CREST CROWN "
    "DIAMOND DOVE EAGLE EAST ELM EMERALD EVEREST FALCON FERN FIRST FOREST FOX GARDEN GATEWAY GLOBAL GOLDEN "
    "GRANITE GREEN HARBOUR HAWK HAZEL HERITAGE HIGHLAND HOLLY HORIZON IRIS IVY JADE JUBILEE KESTREL KEY LAKE "
    "LANTERN LAUREL LIBERTY LINK LION MAPLE MARKET MEADOW MERCURY MERIDIAN MILL MOORLAND MORNING NATIONAL "
    "NORTH NORTHERN OAK OCEAN OLIVE ORBIT ORCHARD PARK PEAK PEARL PENNINE PHOENIX PILOT PINE PIONEER PLATINUM "
    "PREMIER PRIME QUAY RAVEN RED RIDGE RIVER ROCK ROSE ROYAL RUBY SAGE SAPPHIRE SILVER SOUTH SPRING STAR "
    "STONE SUMMIT SUN SWAN THISTLE TOWER TRINITY UNITED VALLEY VICTORIA VISTA WEST WILLOW WINDMILL ZENITH"
)
_TRADES = _words(
    "ACCOUNTANCY ARCHITECTS BAKERY BUILDERS CARE CARPENTRY CATERING CLEANING CONSULTANCY CONSULTING "
    "CONSTRUCTION DESIGN DEVELOPMENTS DIGITAL ELECTRICAL ENGINEERING ESTATES EVENTS FINANCE FOODS HEALTHCARE "
    "HOLDINGS HOMES INVESTMENTS JOINERY LANDSCAPES LOGISTICS MANAGEMENT MARKETING MEDIA MOTORS PLUMBING "
    "PROPERTIES PROPERTY RECRUITMENT RETAIL ROOFING SCAFFOLDING SECURITY SERVICES SOLUTIONS SUPPLIES "
    "SYSTEMS TECHNOLOGIES TECHNOLOGY TRADING TRANSPORT TRAINING TRAVEL VENTURES"
)
_MORE = ("", "", "", "", "", "", "GROUP", "UK", "(UK)", "& CO", "INTERNATIONAL", "PARTNERS", "NORTH WEST", "2020")
_SURNAMES = _words(
    "ADAMS AHMED ALI ALLEN BAKER BELL BROWN CAMPBELL CLARKE COOPER DAVIES DODD EDWARDS EVANS FISHER GREEN "
    "GRIFFITHS HALL HARRIS HUGHES HUSSAIN JACKSON JAMES JOHNSON JONES KAUR KELLY KHAN KING LEE LEWIS MARTIN "
    "MITCHELL MOORE MORGAN MORRIS MURPHY OWEN PARKER PATEL PHILLIPS PRICE REID ROBERTS ROBINSON ROSS SCOTT "
    "SHAH SINGH SMITH TAYLOR THOMAS THOMPSON TURNER WALKER WARD WATSON WHITE WILLIAMS WILSON WOOD WRIGHT YOUNG"
)
_PLACES = _words(
    "ALTRINCHAM BIRKENHEAD BOLTON BOOTLE BURY CHESTER CROSBY FORMBY HALEWOOD HUYTON KIRKBY KNOWSLEY LIVERPOOL "
    "MANCHESTER OLDHAM PRESCOT ROCHDALE RUNCORN SALFORD SEFTON SOUTHPORT STOCKPORT TRAFFORD WARRINGTON WIDNES "
    "WIGAN WIRRAL"
)
_CAUSES = _words("ARTS COMMUNITY DEVELOPMENT ENERGY FOOD GROWING HEALTH HOUSING LEARNING PLAY SPORTS WELLBEING YOUTH")
_STREETS = _words(
    "HIGH STREET|STATION ROAD|CHURCH LANE|MILL LANE|PARK ROAD|VICTORIA STREET|LONDON ROAD|KING STREET|"
    "CHAPEL STREET|NEW ROAD|BRIDGE STREET|MARKET PLACE|DERBY ROAD|CHURCH STREET|QUEEN STREET|WATERLOO ROAD",
    "|",
)
_TOWNS = (
    ("LONDON", "", "ENGLAND", "EC1V SW1A N1 E14 SE1 W1W WC2H"),
    ("MANCHESTER", "", "ENGLAND", "M1 M2 M3 M4 M15 M20"),
    ("LIVERPOOL", "MERSEYSIDE", "ENGLAND", "L1 L2 L3 L8 L17 L18"),
    ("PRESCOT", "MERSEYSIDE", "ENGLAND", "L34 L35"),
    ("HUYTON", "MERSEYSIDE", "ENGLAND", "L36"),
    ("BIRMINGHAM", "WEST MIDLANDS", "ENGLAND", "B1 B2 B3 B15"),
    ("LEEDS", "WEST YORKSHIRE", "ENGLAND", "LS1 LS2 LS6 LS11"),
    ("BRISTOL", "", "ENGLAND", "BS1 BS2 BS8"),
    ("CARDIFF", "", "WALES", "CF10 CF11 CF24"),
    ("GLASGOW", "", "SCOTLAND", "G1 G2 G3 G41"),
    ("EDINBURGH", "", "SCOTLAND", "EH1 EH2 EH3 EH6"),
    ("BELFAST", "", "NORTHERN IRELAND", "BT1 BT2 BT7 BT9"),
    ("NEWCASTLE UPON TYNE", "TYNE AND WEAR", "ENGLAND", "NE1 NE2 NE6"),
    ("SHEFFIELD", "SOUTH YORKSHIRE", "ENGLAND", "S1 S2 S10"),
)
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_STATUSES = (
    ("Active", 900),
    ("Active - Proposal to Strike off", 50),
    ("Liquidation", 25),
    ("In Administration", 5),
    ("Voluntary Arrangement", 3),
    ("Receivership Action", 2),
    ("Dissolved", 5),
)
_ACCOUNTS = ("MICRO ENTITY", "TOTAL EXEMPTION FULL", "DORMANT", "NO ACCOUNTS FILED", "UNAUDITED ABRIDGED", "FULL")
_SIC = (
    "88990 - Other social work activities n.e.c.",
    "68209 - Other letting and operating of own or leased real estate",
    "70229 - Management consultancy activities other than financial management",
    "62020 - Information technology consultancy activities",
    "41100 - Development of building projects",
    "43999 - Other specialised construction activities n.e.c.",
    "56101 - Licensed restaurants",
    "47910 - Retail sale via mail order houses or via Internet",
    "82990 - Other business support service activities n.e.c.",
    "96090 - Other service activities n.e.c.",
    "64209 - Activities of other holding companies n.e.c.",
    "49410 - Freight transport by road",
    "86900 - Other human health activities",
    "87900 - Other residential care activities",
    "85590 - Other education n.e.c.",
    "94990 - Activities of other membership organisations n.e.c.",
    "81210 - General cleaning of buildings",
    "43210 - Electrical installation",
    "74909 - Other professional, scientific and technical activities n.e.c.",
)
_SUFFIXES = ("LTD", "LIMITED", "LIMITED", "LIMITED")

CATEGORY_PRIVATE = "Private Limited Company"
CATEGORY_CIC = "Community Interest Company"
CATEGORY_CLG = "PRI/LTD BY GUAR/NSC (Private, limited by guarantee, no share capital)"
CATEGORY_SOCIETY = "Registered Society"


def _coined(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3, 3))))


def company_name_and_category(rng: random.Random) -> tuple[str, str]:
    """A name as the register holds one, with its category: most private companies' names, some CICs, some
    charitable companies limited by guarantee, a few registered societies, a few PLCs and LLPs."""
    kind = rng.random()
    more = rng.choice(_MORE)
    if kind < 0.42:
        name, category = f"{_coined(rng)} {rng.choice(_TRADES)} {more} {rng.choice(_SUFFIXES)}", CATEGORY_PRIVATE
    elif kind < 0.66:
        words = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {rng.choice(_TRADES)} {more}"
        name, category = f"{words} {rng.choice(_SUFFIXES)}", CATEGORY_PRIVATE
    elif kind < 0.76:
        initials = " ".join(rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(rng.choice((1, 2, 2, 3))))
        name = f"{initials} {rng.choice(_SURNAMES)} {rng.choice(_TRADES)} {more} {rng.choice(_SUFFIXES)}"
        category = CATEGORY_PRIVATE
    elif kind < 0.84:
        pair = f"{rng.choice(_SURNAMES)} & {rng.choice(_SURNAMES)}"
        name = f"{pair} {rng.choice(_WORDS)} {rng.choice(_TRADES)} {more} {rng.choice(_SUFFIXES)}"
        category = CATEGORY_PRIVATE
    elif kind < 0.89:
        suffix = rng.choice(("CIC", "CIC", "C.I.C.", "COMMUNITY INTEREST COMPANY"))
        name = f"{rng.choice(_PLACES)} {rng.choice(_WORDS)} {rng.choice(_CAUSES)} {_coined(rng)} {suffix}"
        category = CATEGORY_CIC
    elif kind < 0.94:
        end = rng.choice(("TRUST", "FOUNDATION", "ASSOCIATION", "PROJECT", "CENTRE LIMITED", "NETWORK"))
        name = f"{rng.choice(_PLACES)} {_coined(rng)} {rng.choice(_CAUSES)} {end}"
        category = CATEGORY_CLG
    elif kind < 0.955:
        kindof = rng.choice(("CO-OPERATIVE", "COMMUNITY ENERGY", "HOUSING CO-OPERATIVE", "COMMUNITY SHOP"))
        name, category = f"{rng.choice(_PLACES)} {_coined(rng)} {kindof} LIMITED", CATEGORY_SOCIETY
    elif kind < 0.975:
        name = f"{_coined(rng)} {rng.choice(_TRADES)} LLP"
        category = "Limited Liability Partnership"
    elif kind < 0.985:
        name, category = f"{_coined(rng)} {rng.choice(_WORDS)} PLC", "Public Limited Company"
    else:
        name = f"{rng.choice(_WORDS)} {_coined(rng)} {rng.choice(_TRADES)} {rng.choice(_SUFFIXES)}"
        category = CATEGORY_PRIVATE
    return " ".join(name.split()), category


def _date(rng: random.Random, first: int, last: int) -> str:
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(first, last)}"


def _postcode(rng: random.Random, districts: Sequence[str]) -> str:
    inward = f"{rng.randint(0, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
    return f"{rng.choice(districts)} {inward}"


def company_row(rng: random.Random, number: str, name: str, category: str) -> tuple[list[str], str]:
    """The 55 fields of one BasicCompanyData row, and its postcode."""
    town, county, country, districts = rng.choice(_TOWNS)
    postcode = _postcode(rng, districts.split()) if rng.random() > 0.01 else ""
    status = rng.choices([s for s, _ in _STATUSES], [w for _, w in _STATUSES])[0]
    dissolved = _date(rng, 2024, 2026) if status == "Dissolved" else ""
    incorporated = _date(rng, 1960, 2026) if rng.random() > 0.7 else _date(rng, 2015, 2026)
    sic = rng.sample(_SIC, rng.choice((1, 1, 1, 2, 2, 3, 4)))
    if rng.random() < 0.03:
        sic = ["None Supplied"]
    elif rng.random() < 0.05:
        sic = ["99999 - Dormant Company"]
    sic += [""] * (4 - len(sic))
    line_1 = f"{rng.randint(1, 240)} {rng.choice(_STREETS)}"
    if rng.random() < 0.2:
        line_1 = f"FLAT {rng.randint(1, 30)}, {line_1}"
    line_2 = rng.choice(("", "", "", f"{rng.choice(_WORDS).title()} House", "Suite 4", "Unit 12"))
    previous: list[str] = []
    if rng.random() < 0.12:
        previous = [_date(rng, 2000, 2025), company_name_and_category(rng)[0]]
    previous += [""] * (20 - len(previous))
    row = [
        name,
        number,
        "" if rng.random() > 0.02 else f"C/O {rng.choice(_SURNAMES)} ACCOUNTANTS",
        "" if rng.random() > 0.005 else f"PO BOX {rng.randint(10, 999)}",
        line_1,
        line_2,
        town,
        county,
        rng.choice((country, country, "UNITED KINGDOM")),
        postcode,
        category,
        status,
        "United Kingdom",
        dissolved,
        incorporated,
        str(rng.randint(1, 31)),
        str(rng.randint(1, 12)),
        _date(rng, 2026, 2027),
        _date(rng, 2024, 2026) if rng.random() > 0.15 else "",
        rng.choice(_ACCOUNTS),
        "" if rng.random() > 0.2 else _date(rng, 2015, 2016),
        "" if rng.random() > 0.2 else _date(rng, 2014, 2015),
        *((str(rng.randint(1, 4)),) * 2 if rng.random() < 0.1 else ("0", "0")),
        "0",
        "0",
        *sic,
        "0",
        "0",
        f"http://business.data.gov.uk/id/company/{number}",
        *previous,
        _date(rng, 2026, 2027),
        _date(rng, 2025, 2026),
    ]
    return row, postcode


@dataclass(frozen=True)
class Kept:
    """A row kept aside while generating: for lookups and names to match."""

    number: str
    name: str
    postcode: str


@dataclass(frozen=True)
class Product:
    path: Path
    rows: int
    kept: list[Kept]
    seconds: float  # to generate it (0 when it came from the cache)


def product_folder(rows: int, seed: int, cache: Path = CACHE) -> Path:
    return cache / f"basic-company-data-{rows}-rows-seed-{seed}-v{GENERATOR_VERSION}"


def product(rows: int, seed: int = SEED, cache: Path = CACHE, say: Callable[[str], None] = print) -> Product:
    """The generated product for ``rows`` and ``seed``: from the cache when it is there, else written (to a
    temporary name, renamed when whole, so a run stopped part-way leaves nothing to reuse)."""
    folder = product_folder(rows, seed, cache)
    path = folder / f"BasicCompanyData-{PRODUCT_DATE}.zip"
    kept_path = folder / "kept.json"
    if path.is_file() and kept_path.is_file():
        kept = [Kept(*k) for k in json.loads(kept_path.read_text())]
        return Product(path, rows, kept, 0.0)
    folder.mkdir(parents=True, exist_ok=True)
    say(f"Writing {rows:,} rows of BasicCompanyData to {path} (once; reused after)")
    started = time.perf_counter()
    kept = generate(path.with_suffix(".zip.partial"), rows, seed)
    path.with_suffix(".zip.partial").replace(path)
    kept_path.write_text(json.dumps([[k.number, k.name, k.postcode] for k in kept]))
    seconds = time.perf_counter() - started
    say(f"  written in {seconds:.0f} s, {path.stat().st_size / 1e6:,.0f} MB")
    return Product(path, rows, kept, seconds)


def generate(path: Path, rows: int, seed: int) -> list[Kept]:
    """Write the product: the names first (all of them, to write the rows in the order of their names as the
    product does), then each row's other fields in that order, in PARTS parts of one zip."""
    rng = random.Random(seed)
    names: list[str] = []
    categories: list[str] = []
    # Companies House refuses a name "the same as" one on the register (LTD and LIMITED, punctuation, "THE" and "&"
    # ignored), so registered names' keys are as good as unique: a name whose key is taken is drawn again.
    keys: set[str] = set()
    for _ in range(rows):
        name, category = company_name_and_category(rng)
        key = name_key(name)
        while key in keys:
            name, category = company_name_and_category(rng)
            key = name_key(name)
        keys.add(key)
        if rng.random() < 0.0005:
            name = name.replace(" ", ' "', 1) + '"'  # a name with quotes in it, as a few have
        names.append(name)
        categories.append(category)
    del keys
    order = sorted(range(rows), key=names.__getitem__)
    wanted = set(rng.sample(range(rows), min(KEPT, rows)))
    kept: dict[int, Kept] = {}
    per_part = -(-rows // PARTS)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for part in range(PARTS):
            member = f"BasicCompanyData-{PRODUCT_DATE}-part{part + 1}_{PARTS}.csv"
            with (
                archive.open(member, "w", force_zip64=True) as raw,
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
            ):
                writer = csv.writer(text, quoting=csv.QUOTE_ALL)
                writer.writerow(BASIC_COMPANY_DATA_HEADER)
                chunk: list[list[str]] = []
                for i in order[part * per_part : (part + 1) * per_part]:
                    number = company_number_of(i)
                    row, postcode = company_row(rng, number, names[i], categories[i])
                    chunk.append(row)
                    if i in wanted:
                        kept[i] = Kept(number, names[i], postcode)
                    if len(chunk) >= 10_000:
                        writer.writerows(chunk)
                        chunk = []
                writer.writerows(chunk)
    return [kept[i] for i in sorted(kept)]


# --- Loading --------------------------------------------------------------------------------------------------------


def _app(url: str) -> Any:
    from app import create_app

    return create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": url})


def _load(url: str, path: str, answers: Any) -> None:
    """In a child process, so its peak memory is the load's alone."""
    from app.domain.registers import Register
    from app.extensions import db
    from app.services.registers import load_register

    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        told = [0]

        def progress(rows: int, share: float) -> None:
            if rows >= told[0] + 1_000_000:
                told[0] = rows
                print(f"    {rows:,} rows, {share:.0%} of the file, {time.perf_counter() - started:.0f} s", flush=True)

        session: Session = db.session  # type: ignore[assignment]
        cpu = time.process_time()
        started = time.perf_counter()
        result = load_register(session, Register.COMPANIES_HOUSE, [Path(path)], TODAY, progress=progress)
        session.commit()
        seconds = time.perf_counter() - started
        # A big file is parsed by worker processes (app.services.registers._parsers), which report their peak memory
        # and CPU with what they parse: their CPU is the load's too, and their memory adds to this process's.
        parsers = result.release.counts.get("parsers") or {}
        answers.put(
            {
                "rows": float(result.release.row_count),
                "load_seconds": seconds,
                "load_cpu_seconds": time.process_time() - cpu + float(parsers.get("cpu_seconds", 0)),
                "load_rows_per_s": result.release.row_count / seconds,
                "load_max_rss_mb": _peak_memory_mb() + float(parsers.get("peak_mb", 0)),
                "load_workers": float(parsers.get("processes", 0)),
            }
        )


def bench_load(url: str, path: Path, *, child: bool = True) -> dict[str, float]:
    """The load's figures, timed in a child process (``child=False``: in this one, as the fast test does, its peak
    memory then this process's)."""
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    if not child:
        here: queue.SimpleQueue[dict[str, float]] = queue.SimpleQueue()
        _load(url, str(path), here)
        return here.get()
    # Spawned, not forked: a forked child's peak memory would start at everything this process holds.
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    process = context.Process(target=_load, args=(url, str(path), answers))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"the load on {_engine(url)} failed (exit code {process.exitcode})")
    return answers.get()  # type: ignore[no-any-return]


# --- Looking up and matching ----------------------------------------------------------------------------------------


def numbers_to_look_up(product: Product, samples: int, rng: random.Random) -> list[str]:
    """Numbers as people type them: nine in ten of a company in the file (one in ten of those without its leading
    zeros, as a spreadsheet keeps them), one in ten of none."""
    asked = []
    for n in range(samples):
        if n % 10 == 9:
            asked.append(company_number_of(product.rows + rng.randrange(_NUMBER_SPACE - product.rows)))
            continue
        number = company_number_of(rng.randrange(product.rows))
        asked.append(number.lstrip("0") if n % 10 == 4 and number.isdigit() else number)
    return asked


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bare_lookup(session: Any, release_id: int) -> Callable[[str], list[tuple[Any, ...]]]:
    """The primary-key SELECT a database engineer would write, on the driver."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    query = "SELECT * FROM register_companies WHERE release_id = {mark} AND number = {mark}"
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor()
        sql = query.format(mark="%s")
    else:
        cursor = driver.cursor()
        sql = query.format(mark="?")

    def run(number: str) -> list[tuple[Any, ...]]:
        return cursor.execute(sql, (release_id, number)).fetchall()  # type: ignore[no-any-return]

    return run


#: How finance systems write a registered name, and how many of the names to match are written each way.
VARIANT_SHARES = (
    ("as registered", 0.12),
    ("Ltd/Limited, title case", 0.18),
    ("lower case", 0.10),
    ('a leading "The"', 0.08),
    ("dotted initials", 0.10),
    ("no legal suffix", 0.10),
    ("& as and, dots", 0.07),
    ("one typo", 0.15),
    ("not on the register", 0.10),
)


def _swap_suffix(name: str) -> str:
    words = name.split()
    last = words[-1]
    words[-1] = {"LIMITED": "Ltd", "LTD": "Limited", "CIC": "C.I.C.", "PLC": "Public Limited Company"}.get(last, last)
    return " ".join(w if w == words[-1] else w.title() for w in words)


def _typo(name: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(name[:-1]) if c.isalpha() and name[i + 1].isalpha()]
    at = rng.choice(letters)
    if rng.random() < 0.5:
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]  # two letters swapped
    return name[:at] + name[at + 1 :]  # a letter left out


def _absent_name(rng: random.Random) -> str:
    return rng.choice(
        (
            f"Mr {rng.choice('ABCDEFGHJ')} {rng.choice(_SURNAMES).title()}",
            f"{rng.choice(_SURNAMES).title()} Family Butchers",
            f"{rng.choice(_PLACES).title()} Metropolitan Borough Council",
            f"HMRC Ref {rng.randint(100000, 999999)}",
            f"{rng.choice(_SURNAMES).title()} Window Cleaning",
            f"Petty Cash {rng.choice(_PLACES).title()}",
            f"{rng.choice(_SURNAMES).title()}s Taxis",
        )
    )


def names_to_match(product: Product, samples: int, rng: random.Random) -> list[tuple[str, str, str | None]]:
    """(kind, name as written, the number of the company it is or None), ``samples`` of them in VARIANT_SHARES."""
    kept = list(product.kept)
    rng.shuffle(kept)
    with_initials = [k for k in kept if len(k.name.split()[0]) == 1 and len(k.name.split()[1]) == 1]
    asked: list[tuple[str, str, str | None]] = []
    pick = iter(kept * (1 + samples // max(len(kept), 1)))
    for kind, share in VARIANT_SHARES:
        for _ in range(round(samples * share)):
            if kind == "not on the register":
                asked.append((kind, _absent_name(rng), None))
                continue
            company = rng.choice(with_initials) if kind == "dotted initials" and with_initials else next(pick)
            name = company.name
            if kind == "Ltd/Limited, title case":
                name = _swap_suffix(name)
            elif kind == "lower case":
                name = name.lower()
            elif kind == 'a leading "The"':
                name = f"The {name.title()}"
            elif kind == "dotted initials":
                words = name.split()
                initials = list(itertools.takewhile(lambda w: len(w) == 1 and w.isalpha(), words))
                rest = " ".join(words[len(initials) :]).title()
                name = f"{'.'.join(initials)}. {rest}"
            elif kind == "no legal suffix":
                words = name.split()
                if words[-1] in {"LTD", "LIMITED", "CIC", "PLC", "LLP"}:
                    words = words[:-1]
                name = " ".join(words).title()
            elif kind == "& as and, dots":
                name = name.replace(" & ", " and ").replace(" LIMITED", ", Ltd.").replace(" LTD", " Ltd.")
            elif kind == "one typo":
                name = _typo(name, rng)
            asked.append((kind, name, company.number))
    return asked[:samples]


def bench_queries(url: str, product: Product, samples: int) -> dict[str, float]:
    from sqlalchemy import text

    from app.domain.registers import Register, company_number
    from app.extensions import db
    from app.services.registers import active_release, lookup, match_names

    app = _app(url)
    figures: dict[str, float] = {}
    rng = random.Random(SEED + 1)
    with app.app_context():
        session: Session = db.session  # type: ignore[assignment]
        release = active_release(session, Register.COMPANIES_HOUSE)
        assert release is not None
        asked = numbers_to_look_up(product, samples, rng)
        normalised = [company_number(n) or n for n in asked]
        bare = bare_lookup(session, release.id)
        for number in normalised:  # warm: the first read of a page after a load sets its hint bits on PostgreSQL
            bare(number)
        app_ms, bare_ms = [], []
        found = 0
        for number in asked:
            started = time.perf_counter()
            entries = lookup(session, number)
            app_ms.append((time.perf_counter() - started) * 1000)
            found += bool(entries)
        bare_found = 0
        for number in normalised:
            started = time.perf_counter()
            rows = bare(number)
            bare_ms.append((time.perf_counter() - started) * 1000)
            bare_found += bool(rows)
        figures |= {
            "lookup_p50_ms": statistics.median(app_ms),
            "lookup_p95_ms": _percentile(app_ms, 0.95),
            "lookup_found": float(found),
            "lookup_asked": float(len(asked)),
            "bare_p50_ms": statistics.median(bare_ms),
            "bare_p95_ms": _percentile(bare_ms, 0.95),
            "bare_found": float(bare_found),
        }
        session.rollback()

        to_match = names_to_match(product, samples, rng)
        # Names a register holds as written (or by the matcher's reading of them), and names that need the near
        # search (a typo, or not there at all): timed apart to show which costs what, their sum the 10,000's time.
        near_kinds = {"one typo", "not on the register"}
        by_phase: dict[str, list[tuple[str, str, str | None]]] = {
            "exact": [m for m in to_match if m[0] not in near_kinds],
            "near": [m for m in to_match if m[0] in near_kinds],
        }
        asked_kinds: Counter[str] = Counter()
        found_top: Counter[str] = Counter()
        found_any: Counter[str] = Counter()
        with_candidates: Counter[str] = Counter()
        for phase, matching in by_phase.items():
            started = time.perf_counter()
            results = match_names(session, [name for _, name, _ in matching])
            figures[f"match_{phase}_seconds"] = time.perf_counter() - started
            figures[f"match_{phase}_names"] = float(len(matching))
            for (kind, _name, expected), result in zip(matching, results, strict=True):
                numbers = [c.entry.number for c in result.candidates]
                asked_kinds[kind] += 1
                with_candidates[kind] += bool(numbers)
                found_top[kind] += bool(numbers) and numbers[0] == expected
                found_any[kind] += expected in numbers
            session.rollback()
        figures["match_seconds"] = figures["match_exact_seconds"] + figures["match_near_seconds"]
        # The load leaves the engine no statistics of the new rows, and without them SQLite and PostgreSQL read a
        # batch of names (name_key IN (...)) by scanning the whole release rather than by the name_key index: the
        # same names again once ANALYZE has run, to show what that costs.
        started = time.perf_counter()
        session.execute(text("ANALYZE register_companies"))
        session.commit()
        figures["analyze_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        match_names(session, [name for _, name, _ in by_phase["exact"]])
        figures["match_exact_analyzed_seconds"] = time.perf_counter() - started
        session.rollback()
        figures["match_names"] = float(len(to_match))
        figures["match_found_top"] = float(sum(found_top.values()))
        figures["match_found_any"] = float(sum(found_any.values()))
        figures["match_on_register"] = float(sum(1 for m in to_match if m[2] is not None))
        for n, (kind, _share) in enumerate(VARIANT_SHARES):
            figures[f"kind{n}_asked"] = float(asked_kinds[kind])
            figures[f"kind{n}_found_top"] = float(found_top[kind])
            figures[f"kind{n}_found_any"] = float(found_any[kind])
            figures[f"kind{n}_with_candidates"] = float(with_candidates[kind])
    return figures


# --- Running and reporting ------------------------------------------------------------------------------------------


def bench_engine(url: str, made: Product, samples: int, *, child: bool = True) -> dict[str, float]:
    engine = _engine(url)
    print(f"Registers benchmark on {engine}: loading {made.rows:,} rows", flush=True)
    figures = bench_load(url, made.path, child=child)
    print(
        f"  loaded in {figures['load_seconds']:.1f} s ({figures['load_cpu_seconds']:.1f} s CPU, "
        f"{figures['load_max_rss_mb']:.0f} MB)",
        flush=True,
    )
    figures |= bench_queries(url, made, samples)
    print(json.dumps({"engine": engine, "load1": os.getloadavg()[0], **figures}), flush=True)
    return figures


def report(results: dict[str, dict[str, float]], made: Product, samples: int) -> None:
    engines = list(results)
    width = 24

    def row(label: str, cells: list[str], target: str = "") -> None:
        print(f"  {label:<50}" + "".join(f"{c:>{width}}" for c in cells) + f"   {target}")

    def each(template: str, key: str) -> list[str]:
        return [template.format(results[e][key]) for e in engines]

    print(f"\nPublic registers benchmark, {machine()}, load average {os.getloadavg()[0]:.1f}")
    print(f"  {made.path} ({made.path.stat().st_size / 1e6:,.0f} MB zipped, {PARTS} parts)")
    row("", engines, "target")
    row("BasicCompanyData rows loaded", each("{:,.0f}", "rows"))
    row("  load (wall)", each("{:.1f} s", "load_seconds"), TARGETS["load_seconds"])
    row("  load (CPU of the loading process and its parsers)", each("{:.1f} s", "load_cpu_seconds"))
    row("  rows a second", each("{:,.0f}/s", "load_rows_per_s"))
    row(
        "  peak memory (loading process + its parsers)",
        each("{:.0f} MB", "load_max_rss_mb"),
        TARGETS["load_max_rss_mb"],
    )
    row(f"lookup() of {samples:,} numbers, p50", each("{:.3f} ms", "lookup_p50_ms"), TARGETS["lookup_p50_ms"])
    row("  p95", each("{:.3f} ms", "lookup_p95_ms"), TARGETS["lookup_p95_ms"])
    row(
        "  found of asked (1 in 10 is on no register)",
        [f"{r['lookup_found']:,.0f} / {r['lookup_asked']:,.0f}" for r in results.values()],
    )
    row("  bare primary-key SELECT, p50", each("{:.3f} ms", "bare_p50_ms"))
    row("  bare primary-key SELECT, p95", each("{:.3f} ms", "bare_p95_ms"))
    row(f"match_names() of {samples:,} names", each("{:.1f} s", "match_seconds"), TARGETS["match_seconds"])
    row(
        "  names the register holds (exact key)",
        [f"{r['match_exact_seconds']:.1f} s ({r['match_exact_names']:,.0f})" for r in results.values()],
    )
    row(
        "  typos and names on no register (near search)",
        [f"{r['match_near_seconds']:.1f} s ({r['match_near_names']:,.0f})" for r in results.values()],
    )
    row("  the same exact names after ANALYZE", each("{:.1f} s", "match_exact_analyzed_seconds"))
    row("  (ANALYZE register_companies itself)", each("{:.1f} s", "analyze_seconds"))
    row(
        "  found their company first / among candidates",
        [f"{r['match_found_top']:,.0f} / {r['match_found_any']:,.0f}" for r in results.values()],
        "of the names on the register",
    )
    row("    of names on the register", each("{:,.0f}", "match_on_register"))
    for n, (kind, _share) in enumerate(VARIANT_SHARES):
        if kind == "not on the register":
            row(
                f"    {kind}: given a candidate",
                [f"{r[f'kind{n}_with_candidates']:,.0f} / {r[f'kind{n}_asked']:,.0f}" for r in results.values()],
            )
        else:
            row(
                f"    {kind}: first / any",
                [
                    f"{r[f'kind{n}_found_top']:,.0f} / {r[f'kind{n}_found_any']:,.0f} of {r[f'kind{n}_asked']:,.0f}"
                    for r in results.values()
                ],
            )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        action="append",
        help="benchmark on this database (repeat for several); its tables are dropped and made again",
    )
    parser.add_argument(
        "--sqlite", action="store_true", help="SQLite only (a temporary file), as make bench runs it before PostgreSQL"
    )
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the generated BasicCompanyData")
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES, help="numbers looked up and names matched")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the generated file is kept and reused")
    args = parser.parse_args(argv)
    made = product(args.rows, SEED, args.cache)
    with tempfile.TemporaryDirectory() as tmp:
        urls = args.database_url
        if not urls:
            urls = [f"sqlite:///{tmp}/bench.db"]
            postgres = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
            if args.sqlite:
                pass
            elif _postgres_answers(postgres):
                urls.append(postgres)
            else:
                print(f"PostgreSQL does not answer at {postgres}: SQLite only")
        results = {_engine(url): bench_engine(url, made, args.samples) for url in urls}
        report(results, made, args.samples)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
