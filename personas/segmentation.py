"""Customer segmentation from contact records: pure logic, plain data in and out (no Django).

Customers, not single contacts, are clustered. Each customer is described by the mix of their
contacts over the *forming* columns (by default the contact reason's category and the channel):
one block of shares per column, each block summing to one, so that a customer who called twice
about a complaint and wrote once about an order weighs reasons and channels alike. Demographic
columns only describe the segments, unless they are asked to form them too (then a customer's
most frequent value enters as a one-hot block).

The number of segments k is chosen in 3–12 on a sample of customers: for every k, K-means is
re-fitted on bootstrap re-samples and the labelings of the sample compared pairwise with the
adjusted Rand index (stability), and the silhouette of a fit on the sample is measured. Among
the stable k (mean ARI ≥ `STABLE_ARI`) the one with the best silhouette wins; when none is
stable, the most stable. The final model is fitted on every customer with the chosen k.

Segments are numbered 1…k by size; those under 5 % of the customers are flagged. For each
segment: the reasons and channels that over-index (their share of the segment's contacts
against their share of all contacts), the demographic breakdown against the population, and a
bias check (total variation distance between the segment's and the population's distribution
of each demographic).
"""

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score, silhouette_score
from threadpoolctl import threadpool_limits

K_MIN, K_MAX = 3, 12
SMALL_SHARE = 0.05
STABLE_ARI = 0.8
BOOTSTRAPS = 4
SELECTION_SAMPLE = 5000
SILHOUETTE_SAMPLE = 2000
OVER_INDEX = 1.2  # a value over-indexes when its share is at least 120 % of the population's
OVER_INDEX_MIN_SHARE = 0.03
BIAS_TVD = 0.2  # a segment's demographic distribution this far from the population is flagged
TOP_VALUES = 8
MIN_CUSTOMERS = 20

DEFAULT_FORMING = ("category", "channel")
DEMOGRAPHICS = ("gender", "age_band", "residence", "birthplace")
DESCRIBED = ("category", "subcategory", "channel")

TOO_FEW_CUSTOMERS = _(
    "Segmentation needs at least {minimum} customers with contact reasons or channels; "
    "there are {count}."
)
TOO_LITTLE_VARIETY = _("The customers' contacts are too alike to form {k} segments.")
BAD_K = _("The number of segments must be from {low} to {high}.")


class SegmentationError(ValueError):
    """The data cannot be segmented as asked; the message is for people."""


@dataclass
class Column:
    """One attribute of every contact as integer codes into `labels`; -1 is unknown."""

    codes: np.ndarray
    labels: list[str]


@dataclass
class Contacts:
    """The contacts to segment: `customer[i]` indexes `customer_ids` for contact i."""

    customer: np.ndarray
    customer_ids: list[str]
    columns: dict[str, Column]


@dataclass
class Segment:
    number: int
    customers: int
    share: float
    small: bool
    contacts: int
    contacts_per_customer: float
    profile: dict[str, float]  # "column:label" → the centre of the segment in feature space
    over_indexing: dict[str, list[dict[str, Any]]]
    breakdown: dict[str, list[dict[str, Any]]]
    bias: list[dict[str, Any]]


@dataclass
class Result:
    k: int
    labels: np.ndarray  # per customer: 0…k-1, or -1 for customers without forming data
    segments: list[Segment]
    candidates: list[dict[str, Any]]  # per k tried: stability, silhouette
    metrics: dict[str, Any]
    params: dict[str, Any]
    population: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def customer_modes(customer: np.ndarray, column: Column, customers: int) -> np.ndarray:
    """Each customer's most frequent known value of `column` (-1 if none); ties → lower code."""
    known = column.codes >= 0
    width = max(len(column.labels), 1)
    pairs = customer[known].astype(np.int64) * width + column.codes[known]
    unique, counts = np.unique(pairs, return_counts=True)
    owner, value = unique // width, unique % width
    order = np.lexsort((value, -counts, owner))
    owner, value = owner[order], value[order]
    first = np.ones(len(owner), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    modes = np.full(customers, -1, dtype=np.int64)
    modes[owner[first]] = value[first]
    return modes


def share_block(customer: np.ndarray, column: Column, customers: int) -> np.ndarray:
    """Per customer, the share of their (known) contacts at each value of `column`."""
    width = max(len(column.labels), 1)
    known = column.codes >= 0
    flat = customer[known].astype(np.int64) * width + column.codes[known]
    counts = np.bincount(flat, minlength=customers * width).reshape(customers, width)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)


def one_hot(modes: np.ndarray, width: int) -> np.ndarray:
    block = np.zeros((len(modes), max(width, 1)))
    known = modes >= 0
    block[np.flatnonzero(known), modes[known]] = 1.0
    return block


def features(
    contacts: Contacts, forming: Sequence[str], demographics_forming: Sequence[str] = ()
) -> tuple[np.ndarray, list[str]]:
    """The customers × features matrix and the name ("column:label") of every feature."""
    customers = len(contacts.customer_ids)
    blocks, names = [], []
    for name in forming:
        column = contacts.columns[name]
        blocks.append(share_block(contacts.customer, column, customers))
        names += [f"{name}:{label}" for label in column.labels] or [f"{name}:"]
    for name in demographics_forming:
        column = contacts.columns[name]
        modes = customer_modes(contacts.customer, column, customers)
        blocks.append(one_hot(modes, len(column.labels)))
        names += [f"{name}:{label}" for label in column.labels] or [f"{name}:"]
    return np.hstack(blocks) if blocks else np.zeros((customers, 0)), names


def kmeans(k: int, seed: int, n_init: int = 1) -> KMeans:
    return KMeans(n_clusters=k, n_init=n_init, random_state=seed)


def fit_labels(model: KMeans, data: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        # Duplicate points can leave fewer distinct centres than k; the metrics show it.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(data).labels_


def final_fit(data: np.ndarray, k: int, start: np.ndarray, seed: int) -> KMeans:
    """K-means on every customer, started from the best fit on the sample: on a large
    workspace it converges in a few passes, where fresh k-means++ starts cost several times
    as much. Small workspaces (all in the sample) also get fresh starts, the best one kept."""
    warm = KMeans(n_clusters=k, init=start, n_init=1, random_state=seed)
    fit_labels(warm, data)
    if len(data) > SELECTION_SAMPLE:
        return warm
    fresh = kmeans(k, seed, n_init=3)
    fit_labels(fresh, data)
    return fresh if fresh.inertia_ < warm.inertia_ else warm


def choose_k(
    data: np.ndarray,
    ks: Sequence[int],
    *,
    seed: int,
    bootstraps: int = BOOTSTRAPS,
    progress: Callable[[float], None] | None = None,
) -> tuple[int, list[dict[str, Any]], dict[int, np.ndarray]]:
    """The k of `ks` with the best silhouette among the stable ones (see module docstring),
    the metrics of every k, and per k the centres of its best fit (by inertia on `data`)."""
    rng = np.random.default_rng(seed)
    candidates = []
    centres: dict[int, np.ndarray] = {}
    for step, k in enumerate(ks):
        labelings, inertias, fits = [], [], []
        for b in range(bootstraps):
            resample = data[rng.integers(0, len(data), len(data))]
            model = kmeans(k, seed + b)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(resample)
            labelings.append(model.predict(data))
            inertias.append(-model.score(data))
            fits.append(model.cluster_centers_)
        stability = float(
            np.mean([adjusted_rand_score(a, b) for a, b in combinations(labelings, 2)])
        )
        # The silhouette of the best of those fits (by inertia on the sample): a fit of its
        # own would cost as much again.
        best_fit = int(np.argmin(inertias))
        labels, centres[k] = labelings[best_fit], fits[best_fit]
        if len(set(labels.tolist())) < 2:
            silhouette = -1.0
        else:
            silhouette = float(
                silhouette_score(
                    data,
                    labels,
                    sample_size=min(len(data), SILHOUETTE_SAMPLE),
                    random_state=seed,
                )
            )
        candidates.append(
            {"k": k, "stability": round(stability, 4), "silhouette": round(silhouette, 4)}
        )
        if progress:
            progress((step + 1) / len(ks))
    stable = [c for c in candidates if c["stability"] >= STABLE_ARI]
    if stable:
        best = max(stable, key=lambda c: (c["silhouette"], -c["k"]))
    else:
        best = max(candidates, key=lambda c: (c["stability"], -c["k"]))
    return best["k"], candidates, centres


def top_rows(
    labels: list[str], shares: np.ndarray, population: np.ndarray, limit: int = TOP_VALUES
) -> list[dict[str, Any]]:
    order = np.argsort(-shares, kind="stable")
    rows = []
    for index in order[:limit]:
        if shares[index] <= 0:
            break
        rows.append(
            {
                "label": labels[index],
                "share": round(float(shares[index]), 4),
                "population_share": round(float(population[index]), 4),
            }
        )
    rest = float(shares[order[limit:]].sum()) if len(order) > limit else 0.0
    if rest > 0:
        rows.append(
            {
                "label": "",  # the others, together
                "share": round(rest, 4),
                "population_share": round(float(population[order[limit:]].sum()), 4),
            }
        )
    return rows


def over_indexing(
    labels: list[str], shares: np.ndarray, population: np.ndarray
) -> list[dict[str, Any]]:
    """Values whose share in the segment is at least OVER_INDEX times the population's."""
    rows = []
    for index, label in enumerate(labels):
        share, base = float(shares[index]), float(population[index])
        if base <= 0 or share < OVER_INDEX_MIN_SHARE or share < OVER_INDEX * base:
            continue
        rows.append(
            {
                "label": label,
                "share": round(share, 4),
                "population_share": round(base, 4),
                "index": round(100 * share / base),
            }
        )
    rows.sort(key=lambda row: (-(row["share"] - row["population_share"]), row["label"]))
    return rows[:5]


def total_variation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).sum() / 2)


def segment(
    contacts: Contacts,
    *,
    k: int | None = None,
    seed: int = 0,
    forming: Sequence[str] = DEFAULT_FORMING,
    demographics_forming: Sequence[str] = (),
    k_range: tuple[int, int] = (K_MIN, K_MAX),
    bootstraps: int = BOOTSTRAPS,
    progress: Callable[[float], None] | None = None,
) -> Result:
    """Segment the customers of `contacts`; raises SegmentationError for data that cannot be."""
    report = progress or (lambda fraction: None)
    low, high = k_range
    if k is not None and not low <= k <= high:
        raise SegmentationError(BAD_K.format(low=low, high=high))
    matrix, names = features(contacts, forming, demographics_forming)
    has_data = matrix.any(axis=1) if matrix.shape[1] else np.zeros(len(matrix), dtype=bool)
    rows = np.flatnonzero(has_data)
    if len(rows) < MIN_CUSTOMERS:
        raise SegmentationError(TOO_FEW_CUSTOMERS.format(minimum=MIN_CUSTOMERS, count=len(rows)))
    data = matrix[rows]
    report(0.05)

    rng = np.random.default_rng(seed)
    sample = data[np.sort(rng.choice(len(data), min(len(data), SELECTION_SAMPLE), replace=False))]
    distinct = len(np.unique(np.round(sample, 9), axis=0))
    if k is None:
        ks = [value for value in range(low, high + 1) if value < min(distinct, len(sample))]
        if not ks:
            raise SegmentationError(TOO_LITTLE_VARIETY.format(k=low))
        # Many small fits: one thread each is faster than OpenMP's team, above all on a
        # busy machine (measured: 2 s against 8 s with the other core loaded).
        with threadpool_limits(limits=1):
            chosen, candidates, centres = choose_k(
                sample,
                ks,
                seed=seed,
                bootstraps=bootstraps,
                progress=lambda fraction: report(0.05 + 0.6 * fraction),
            )
    else:
        if k > distinct:
            raise SegmentationError(TOO_LITTLE_VARIETY.format(k=k))
        with threadpool_limits(limits=1):
            _, candidates, centres = choose_k(sample, [k], seed=seed, bootstraps=bootstraps)
        chosen = k
    report(0.7)

    model = final_fit(data, chosen, centres[chosen], seed)
    raw = model.labels_
    sizes = np.bincount(raw, minlength=chosen)
    order = np.argsort(-sizes, kind="stable")  # segment 1 is the largest
    rename = np.empty(chosen, dtype=np.int64)
    rename[order] = np.arange(chosen)
    labels = np.full(len(contacts.customer_ids), -1, dtype=np.int64)
    labels[rows] = rename[raw]
    centres = model.cluster_centers_[order]
    report(0.85)

    chosen_metrics = next(c for c in candidates if c["k"] == chosen)
    silhouette_all = chosen_metrics["silhouette"]
    if len(data) > 1 and chosen > 1:
        pick = rng.choice(len(data), min(len(data), SILHOUETTE_SAMPLE), replace=False)
        if len(set(labels[rows][pick].tolist())) > 1:
            silhouette_all = round(
                float(silhouette_score(data[pick], labels[rows][pick], random_state=seed)), 4
            )
    segments, population = describe(contacts, labels, chosen, centres, names)
    report(1.0)
    return Result(
        k=chosen,
        labels=labels,
        segments=segments,
        candidates=candidates,
        metrics={
            "customers": len(contacts.customer_ids),
            "customers_segmented": int(len(rows)),
            "customers_without_data": int(len(contacts.customer_ids) - len(rows)),
            "contacts": int(len(contacts.customer)),
            "k": chosen,
            "stability": chosen_metrics["stability"],
            "silhouette": silhouette_all,
            "inertia": round(float(model.inertia_), 4),
            "small_segments": sum(1 for s in segments if s.small),
            "biased_segments": sum(1 for s in segments if any(b["flagged"] for b in s.bias)),
        },
        params={
            "seed": seed,
            "k": k,
            "k_range": [low, high],
            "forming": list(forming),
            "demographics_forming": list(demographics_forming),
            "bootstraps": bootstraps,
            "selection_sample": SELECTION_SAMPLE,
            "silhouette_sample": SILHOUETTE_SAMPLE,
            "stable_ari": STABLE_ARI,
            "small_share": SMALL_SHARE,
            "algorithm": "k-means (scikit-learn), bootstrap ARI stability + silhouette",
        },
        population=population,
    )


def describe(
    contacts: Contacts,
    labels: np.ndarray,
    k: int,
    centres: np.ndarray,
    names: list[str],
) -> tuple[list[Segment], dict[str, list[dict[str, Any]]]]:
    customers = len(contacts.customer_ids)
    clustered = labels >= 0
    total_customers = int(clustered.sum())
    contact_segment = labels[contacts.customer]
    in_any = contact_segment >= 0
    contacts_per_segment = np.bincount(contact_segment[in_any], minlength=k)
    customers_per_segment = np.bincount(labels[clustered], minlength=k)

    contact_shares: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
    for name in DESCRIBED:
        column = contacts.columns.get(name)
        if column is None:
            continue
        width = max(len(column.labels), 1)
        known = in_any & (column.codes >= 0)
        flat = contact_segment[known] * width + column.codes[known]
        counts = np.bincount(flat, minlength=k * width).reshape(k, width).astype(float)
        population = counts.sum(axis=0)
        population = population / population.sum() if population.sum() else population
        totals = counts.sum(axis=1, keepdims=True)
        shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
        contact_shares[name] = (shares, population, column.labels)

    customer_shares: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
    for name in DEMOGRAPHICS:
        column = contacts.columns.get(name)
        if column is None:
            continue
        modes = customer_modes(contacts.customer, column, customers)
        width = max(len(column.labels), 1)
        known = clustered & (modes >= 0)
        flat = labels[known] * width + modes[known]
        counts = np.bincount(flat, minlength=k * width).reshape(k, width).astype(float)
        population = counts.sum(axis=0)
        population = population / population.sum() if population.sum() else population
        totals = counts.sum(axis=1, keepdims=True)
        shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
        customer_shares[name] = (shares, population, column.labels)

    segments = []
    for number in range(k):
        size = int(customers_per_segment[number])
        share = size / total_customers if total_customers else 0.0
        over = {
            name: over_indexing(labels_, shares[number], population)
            for name, (shares, population, labels_) in contact_shares.items()
        }
        breakdown = {
            name: top_rows(labels_, shares[number], population)
            for name, (shares, population, labels_) in {**contact_shares, **customer_shares}.items()
        }
        bias = []
        for name, (shares, population, labels_) in customer_shares.items():
            if not population.any() or not shares[number].any():
                continue
            tvd = total_variation(shares[number], population)
            gap = shares[number] - population
            worst = int(np.argmax(np.abs(gap)))
            bias.append(
                {
                    "demographic": name,
                    "distance": round(tvd, 4),
                    "flagged": tvd >= BIAS_TVD,
                    "label": labels_[worst],
                    "share": round(float(shares[number][worst]), 4),
                    "population_share": round(float(population[worst]), 4),
                }
            )
        profile = {
            feature: round(float(value), 4)
            for feature, value in zip(names, centres[number], strict=True)
            if abs(value) >= 1e-4
        }
        contacts_here = int(contacts_per_segment[number])
        segments.append(
            Segment(
                number=number + 1,
                customers=size,
                share=round(share, 4),
                small=share < SMALL_SHARE,
                contacts=contacts_here,
                contacts_per_customer=round(contacts_here / size, 2) if size else 0.0,
                profile=profile,
                over_indexing=over,
                breakdown=breakdown,
                bias=bias,
            )
        )
    population_rows = {
        name: top_rows(labels_, population, population)
        for name, (_, population, labels_) in {**contact_shares, **customer_shares}.items()
    }
    return segments, population_rows


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(value * b.get(key, 0.0) for key, value in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


MATCH_SIMILARITY = 0.8


def match_profiles(
    old: Sequence[dict[str, float]], new: Sequence[dict[str, float]]
) -> dict[int, int]:
    """Pair new segment profiles with old ones (index of new → index of old): the assignment
    with the highest total cosine similarity, keeping only pairs at least MATCH_SIMILARITY
    alike. Used to carry personas (and their edits) over to a re-run's segments."""
    from scipy.optimize import linear_sum_assignment

    if not old or not new:
        return {}
    similarity = np.array([[cosine(n, o) for o in old] for n in new])
    rows, cols = linear_sum_assignment(-similarity)
    return {
        int(r): int(c)
        for r, c in zip(rows, cols, strict=True)
        if similarity[r, c] >= MATCH_SIMILARITY
    }
