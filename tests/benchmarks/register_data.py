"""A register of any size for benchmarks and load tests: providers on real postcodes, written in bulk.

    from tests.benchmarks.register_data import generate
    generate(session, 100_000, random.Random(20261124))

Providers (all verified, six legal forms), one trading site each placed from the real postcode directory (70% in
the Liverpool City Region, the rest anywhere in the UK), one to three services, some facts, and their search
documents. Needs the reference data (areas, services, postcode directory) loaded first.
"""

from __future__ import annotations

import random
import time
from typing import Any

from sqlalchemy import func, insert, select

from app.domain.eligibility import generative_signals, signal_score
from app.domain.providers import EvidenceState, FactKind, LegalForm, Placement, ProviderSource, ProviderStatus, SiteKind

WORDS = [
    "community",
    "care",
    "support",
    "advice",
    "navigation",
    "youth",
    "food",
    "cafe",
    "cleaning",
    "garden",
    "repair",
    "transport",
    "arts",
    "energy",
]


def generate(session: Any, providers: int, rng: random.Random) -> float:
    """Bulk-write ``providers`` providers around Merseyside on real postcodes; returns seconds taken."""
    from app.geo.placement import SitePlacer
    from app.geo.postcode_directory import PostcodeStore
    from app.models import (
        Postcode,
        Provider,
        ProviderFact,
        ProviderSearchDocument,
        ServiceCategory,
        Site,
        provider_services,
    )

    started = time.perf_counter()
    store = PostcodeStore(session)
    # Real postcodes: mostly the Liverpool City Region, some from anywhere in the UK.
    lcr = ["E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015"]
    local = list(
        session.scalars(
            select(Postcode.postcode).where(Postcode.district_code.in_(lcr), Postcode.latitude.is_not(None))
        )
    )
    anywhere = list(session.scalars(select(Postcode.postcode).where(Postcode.latitude.is_not(None)).limit(200_000)))
    categories = list(session.scalars(select(ServiceCategory.id)))
    forms = [f for f in LegalForm if f != LegalForm.UNKNOWN]
    placer = SitePlacer(store)
    next_id = (session.scalar(select(func.max(Provider.id))) or 0) + 1
    batch = 5_000
    for start in range(0, providers, batch):
        count = min(batch, providers - start)
        ids = list(range(next_id + start, next_id + start + count))
        postcodes = [rng.choice(local if rng.random() < 0.7 else anywhere) for _ in ids]
        known = store.lookup_many(postcodes)
        rows, sites, services, facts, documents = [], [], [], [], []
        for provider_id, postcode in zip(ids, postcodes, strict=True):
            words = " ".join(rng.sample(WORDS, 3))
            form = rng.choice(forms)
            name = f"{words.title()} {form.label.split(' (')[0]} {provider_id}"
            rows.append(
                {
                    "id": provider_id,
                    "name": name,
                    "legal_form": form,
                    "status": ProviderStatus.VERIFIED,
                    "source": ProviderSource.IMPORTED,
                    "claimed": False,
                    "description": f"We provide {words}.",
                    "awaiting_review": False,
                }
            )
            placed = placer.place(postcode, known=known.get(postcode))
            sites.append(
                {
                    "provider_id": provider_id,
                    "kind": SiteKind.TRADING_SITE,
                    "postcode": postcode,
                    "address_public": True,
                    "latitude": placed.latitude,
                    "longitude": placed.longitude,
                    "district_code": placed.district_code,
                    "ward_code": placed.ward_code,
                    "placement": placed.placement if placed.placed else Placement.NOT_PLACED,
                    "placed_by": placed.placed_by,
                }
            )
            for category in rng.sample(categories, rng.randint(1, 3)):
                services.append({"provider_id": provider_id, "category_id": category})
            declared = rng.sample(
                [FactKind.ASSET_LOCK, FactKind.REAL_LIVING_WAGE, FactKind.MEMBER_OWNED], rng.randint(0, 2)
            )
            for kind in declared:
                facts.append(
                    {"provider_id": provider_id, "kind": kind, "value": "yes", "evidence": EvidenceState.SELF_DECLARED}
                )
            # The weight the register keeps beside each provider for ranking, from the same rule it uses.
            signals = generative_signals(form, dict.fromkeys(declared, ("yes", EvidenceState.SELF_DECLARED)), 0)
            rows[-1]["signal_score"] = signal_score(signals)
            documents.append({"provider_id": provider_id, "document": f"{name}\n{words}"})
        session.execute(insert(Provider), rows)
        session.execute(insert(Site), sites)
        session.execute(insert(provider_services), services)
        if facts:
            session.execute(insert(ProviderFact), facts)
        session.execute(insert(ProviderSearchDocument), documents)
        session.commit()
    return time.perf_counter() - started
