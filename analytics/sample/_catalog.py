"""Who and what the sample is about: tenants, their services and CIs, people.

Services of all tenants live in one flat array (``service_offset[t]`` is where
tenant ``t`` starts), so a chunk of incidents of many tenants looks names up
with one fancy index. Each tenant's service catalogue is large enough that a
service is not hit again within the 30-day repeat lookback unless the story
says so (see ``_incidents.assign_services``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.sample import _vocab as V
from analytics.sample._arrays import STR, concat, labels

REPEAT_LAG = 3           # a repeat copies the service of one of the last 3 new-service majors
CIS_PER_SERVICE = len(V.CI_ROLES)


@dataclass(frozen=True)
class Catalog:
    """Static facts of one sample run."""

    tenants: tuple[str, ...]          # per internal tenant: ServiceNow ones, then PagerDuty
    names: tuple[str, ...]            # distinct client names (the PagerDuty one repeats one)
    name_code: np.ndarray             # internal tenant -> index into names
    industries: tuple[str, ...]
    pagerduty: np.ndarray             # bool per tenant
    timezones: dict[str, str]
    n_services: np.ndarray            # per tenant
    service_offset: np.ndarray        # per tenant, into the flat arrays below
    service_names: np.ndarray         # flat, object
    service_category: np.ndarray      # flat, index into vocab CATEGORIES
    ci_names: np.ndarray              # flat, CIS_PER_SERVICE per service, object
    service_order: np.ndarray         # flat, per tenant a permutation of its local indices
    owners: np.ndarray                # (tenants, 3) indices into CLIENT_PEOPLE
    slugs: tuple[str, ...]            # URL-safe tenant names

    @property
    def n_tenants(self) -> int:
        return len(self.tenants)

    def client_labels(self, tenant: np.ndarray) -> pd.Categorical:
        """Client names of internal tenant indices, as a categorical column."""
        return labels(self.names, self.name_code[tenant])


def tenant_names(n: int) -> list[tuple[str, str]]:
    """``n`` distinct client names with their industry: the four named ones, then generated."""
    names = list(V.NAMED_TENANTS[:n])
    places, words = len(V.PLACES), len(V.INDUSTRY_WORDS)
    for j in range(max(0, n - len(names))):  # loop over tenants
        place = V.PLACES[j % places]
        word, industry = V.INDUSTRY_WORDS[(j // places + j) % words]
        lap = j // (places * words)
        names.append((f"{place} {word}" + (f" {lap + 1}" if lap else ""), industry))
    return names


def services_needed(majors_per_week: float) -> int:
    """Catalogue size so new-service majors do not revisit a service within ~45 days."""
    per_30_days = majors_per_week * 30.0 / 7.0
    return REPEAT_LAG + int(np.ceil(1.5 * per_30_days)) + 8


def _abbrev(stem: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", stem)
    return "".join(w[0] for w in words).lower()[:5]


def _tenant_services(index: int, name: str, industry: str, size: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stems = list(V.SERVICE_STEMS[industry])
    if industry != V.PAGERDUTY_INDUSTRY:
        stems += V.COMMON_SERVICES
    abbrevs: list[str] = []
    for stem in stems:  # loop over catalogue stems: keep CI prefixes unique
        a = _abbrev(stem)
        abbrevs.append(a if a not in abbrevs else f"{a}{len(abbrevs)}")
    n_combo = len(stems) * len(V.REGIONS)
    combo = np.resize(rng.permutation(n_combo), size)
    lap = np.arange(size) // n_combo
    stem_i, region_i = combo // len(V.REGIONS), combo % len(V.REGIONS)
    lap_name = np.where(lap > 0, concat(" - Cluster ", (lap + 1).astype(STR)), "")
    lap_code = np.where(lap > 0, (lap + 1).astype(STR), "")
    names = concat(np.array(stems, dtype=STR)[stem_i], np.array(V.REGIONS, dtype=STR)[region_i],
                   lap_name)
    # Generated names share place words, so their CI prefixes carry the tenant index.
    generated = (name, industry) not in V.NAMED_TENANTS
    code = re.sub(r"[^a-z]", "", name.lower())[:3] + (str(index) if generated else "")
    prefix = concat(code, "-", np.array(abbrevs, dtype=STR)[stem_i],
                    np.array(V.REGION_CODES, dtype=STR)[region_i], lap_code, "-")
    cis = concat(np.repeat(prefix, CIS_PER_SERVICE),
                 np.tile(np.array(V.CI_ROLES, dtype=STR), size))
    category = (stem_i * 7 + index) % len(V.CATEGORIES)
    return names, cis, category


def pagerduty_client(n_tenants: int) -> int:
    """Index of the ServiceNow client whose platform on-call also exports from PagerDuty."""
    return min(V.PAGERDUTY_CLIENT_INDEX, n_tenants - 1)


def build_catalog(n_tenants: int, majors_per_week: float, rng: np.random.Generator) -> Catalog:
    """``n_tenants`` ServiceNow tenants plus one internal PagerDuty tenant, with catalogues.

    The PagerDuty tenant is a client of the ServiceNow set (same name) with
    its own incidents; it is a separate internal tenant so that its story
    quotas and service rotation are its own.
    """
    clients = tenant_names(n_tenants)
    named = clients + [(clients[pagerduty_client(n_tenants)][0], V.PAGERDUTY_INDUSTRY)]
    size = services_needed(majors_per_week)
    names, cis, cats, orders = [], [], [], []
    for i, (name, industry) in enumerate(named):  # loop over tenants
        s_names, s_cis, s_cat = _tenant_services(i, name, industry, size, rng)
        names.append(s_names)
        cis.append(s_cis)
        cats.append(s_cat)
        orders.append(rng.permutation(size))
    n_services = np.full(len(named), size, dtype=np.int64)
    offset = np.r_[0, np.cumsum(n_services)[:-1]]
    flat_names = np.concatenate(names).astype(object)
    flat_cis = np.concatenate(cis).astype(object)
    owners = np.stack([rng.choice(len(V.CLIENT_PEOPLE), 3, replace=False) for _ in named])
    return Catalog(
        tenants=tuple(n for n, _ in named),
        names=tuple(n for n, _ in clients),
        name_code=np.r_[np.arange(n_tenants), pagerduty_client(n_tenants)],
        industries=tuple(i for _, i in named),
        pagerduty=np.array([False] * n_tenants + [True]),
        timezones={t: z for t, z in V.TENANT_TIMEZONES.items() if t in dict(clients)},
        n_services=n_services,
        service_offset=offset,
        service_names=flat_names,
        service_category=np.concatenate(cats),
        ci_names=flat_cis,
        service_order=np.concatenate(orders),
        owners=owners,
        slugs=tuple(re.sub(r"[^a-z0-9]+", "-", n.lower()).strip("-") for n, _ in named),
    )
