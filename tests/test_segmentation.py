"""The pure segmentation (personas/segmentation.py) on plain data: no database."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from personas import demo_data
from personas import segmentation as seg


def column(values: list[str]) -> seg.Column:
    labels = sorted({value for value in values if value})
    index = {label: i for i, label in enumerate(labels)}
    return seg.Column(np.array([index.get(v, -1) for v in values], dtype=np.int64), labels)


def as_contacts(rows: list[dict[str, str]]) -> seg.Contacts:
    ids = sorted({row["customer"] for row in rows})
    position = {customer: i for i, customer in enumerate(ids)}
    names = [
        "category",
        "subcategory",
        "channel",
        "gender",
        "age_band",
        "residence",
        "birthplace",
    ]
    return seg.Contacts(
        customer=np.array([position[row["customer"]] for row in rows], dtype=np.int64),
        customer_ids=ids,
        columns={name: column([row.get(name, "") for row in rows]) for name in names},
    )


def demo_rows(customers: int, seed: int = demo_data.DEMO_SEED) -> tuple[list[dict], dict]:
    contacts, planted = demo_data.demo_contacts(customers, seed)
    rows = [
        {
            "customer": c.customer_id,
            "category": c.category,
            "subcategory": f"{c.category} › {c.subcategory}",
            "channel": c.channel,
            "gender": c.gender,
            "age_band": str(c.age // 10 * 10),
            "residence": c.residence,
            "birthplace": c.birthplace,
        }
        for c in contacts
    ]
    return rows, planted


def by_top_reason(result: seg.Result, category: str) -> seg.Segment:
    return next(s for s in result.segments if s.over_indexing["category"][0]["label"] == category)


@pytest.fixture(scope="module")
def demo() -> tuple[seg.Contacts, dict[str, str], seg.Result]:
    rows, planted = demo_rows(demo_data.DEMO_CUSTOMERS)
    contacts = as_contacts(rows)
    return contacts, planted, seg.segment(contacts, seed=7)


def test_it_recovers_the_planted_groups_of_the_demo(demo: tuple) -> None:
    contacts, planted, result = demo
    truth = [planted[customer] for customer in contacts.customer_ids]
    assert result.k == len(demo_data.PLANTED_GROUPS)
    assert adjusted_rand_score(truth, result.labels) >= 0.9


def test_k_is_chosen_by_stability_and_silhouette_and_every_run_is_recorded(demo: tuple) -> None:
    _contacts, _planted, result = demo
    assert [c["k"] for c in result.candidates] == list(range(3, 13))
    chosen = next(c for c in result.candidates if c["k"] == result.k)
    assert chosen["stability"] >= seg.STABLE_ARI
    stable = [c for c in result.candidates if c["stability"] >= seg.STABLE_ARI]
    assert chosen["silhouette"] == max(c["silhouette"] for c in stable)
    assert result.params["seed"] == 7
    assert result.params["forming"] == ["category", "channel"]
    assert result.params["demographics_forming"] == []
    assert result.metrics["k"] == result.k and -1 <= result.metrics["silhouette"] <= 1


def test_segments_are_numbered_by_size_and_described(demo: tuple) -> None:
    _contacts, _planted, result = demo
    sizes = [s.customers for s in result.segments]
    assert sizes == sorted(sizes, reverse=True)
    assert [s.number for s in result.segments] == list(range(1, result.k + 1))
    assert sum(sizes) == result.metrics["customers_segmented"]
    assert abs(sum(s.share for s in result.segments) - 1) < 0.01
    tops = {s.over_indexing["category"][0]["label"] for s in result.segments}
    assert tops == {next(iter(g.reasons)) for g in demo_data.PLANTED_GROUPS}
    phone = next(
        s for s in result.segments if s.over_indexing["category"][0]["label"] == "Complaints"
    )
    assert phone.over_indexing["channel"][0]["label"] == demo_data.PHONE
    assert phone.over_indexing["channel"][0]["index"] > 200
    assert {row["label"] for row in phone.breakdown["gender"]} >= {"female", "male"}


def test_the_bias_check_flags_a_segment_far_from_the_population_age(demo: tuple) -> None:
    _contacts, _planted, result = demo
    promo = next(
        s for s in result.segments if s.over_indexing["category"][0]["label"] == "Promotions"
    )
    age = next(b for b in promo.bias if b["demographic"] == "age_band")
    assert age["flagged"] and age["distance"] >= seg.BIAS_TVD
    gender = next(b for b in promo.bias if b["demographic"] == "gender")
    assert not gender["flagged"]


def test_the_same_seed_gives_the_same_segments() -> None:
    contacts = as_contacts(demo_rows(600)[0])
    first = seg.segment(contacts, seed=3, k=5)
    second = seg.segment(contacts, seed=3, k=5)
    assert first.labels.tolist() == second.labels.tolist()
    assert first.candidates == second.candidates


def test_a_fixed_k_is_used_and_small_segments_are_flagged() -> None:
    rows, _planted = demo_rows(800)
    # 12 customers (under 5 %) who only ever write about sponsorship by post.
    for number in range(12):
        for _contact in range(4):
            rows.append(
                {
                    "customer": f"SPONSOR-{number}",
                    "category": "Other",
                    "subcategory": "Other › Sponsorship request",
                    "channel": "Post",
                }
            )
    result = seg.segment(as_contacts(rows), seed=1, k=12)
    assert result.k == 12 and [c["k"] for c in result.candidates] == [12]
    assert all(s.small == (s.share < seg.SMALL_SHARE) for s in result.segments)
    small = [s for s in result.segments if s.small]
    sponsors = result.segments[-1]
    assert sponsors.customers == 12 and sponsors.small
    assert sponsors.over_indexing["channel"][0]["label"] == "Post"
    assert result.metrics["small_segments"] == len(small)


def test_demographics_describe_but_do_not_form_unless_asked() -> None:
    rows, _planted = demo_rows(500)
    contacts = as_contacts(rows)
    shuffled = [dict(row) for row in rows]
    rng = np.random.default_rng(0)
    for row in shuffled:  # new demographics, same reasons and channels
        row["gender"] = str(rng.choice(["female", "male"]))
        row["age_band"] = str(rng.choice(["20", "40", "60"]))
    plain = seg.segment(contacts, seed=2, k=5)
    same = seg.segment(as_contacts(shuffled), seed=2, k=5)
    assert plain.labels.tolist() == same.labels.tolist()
    asked = seg.segment(
        as_contacts(shuffled), seed=2, k=5, demographics_forming=("gender", "age_band")
    )
    assert asked.params["demographics_forming"] == ["gender", "age_band"]
    assert any(key.startswith("gender:") for key in asked.segments[0].profile)
    assert not any(key.startswith("gender:") for key in plain.segments[0].profile)


def test_customers_without_reason_or_channel_are_left_out_not_dropped() -> None:
    rows, _planted = demo_rows(300)
    rows.append({"customer": "ZZ-EMPTY", "gender": "female"})
    contacts = as_contacts(rows)
    result = seg.segment(contacts, seed=1, k=4)
    assert result.labels[contacts.customer_ids.index("ZZ-EMPTY")] == -1
    assert result.metrics["customers_without_data"] == 1
    assert result.metrics["customers"] == len(contacts.customer_ids)


@pytest.mark.parametrize("customers", [0, 5])
def test_too_few_customers_is_a_clear_error(customers: int) -> None:
    rows = [
        {"customer": f"C{i}", "category": "Complaints", "channel": "Phone"}
        for i in range(customers)
    ]
    with pytest.raises(seg.SegmentationError, match="at least 20 customers"):
        seg.segment(as_contacts(rows) if rows else as_contacts([{"customer": "x"}]))


def test_identical_customers_cannot_form_many_segments() -> None:
    rows = [{"customer": f"C{i}", "category": "Complaints", "channel": "Phone"} for i in range(50)]
    with pytest.raises(seg.SegmentationError, match="too alike"):
        seg.segment(as_contacts(rows))
    with pytest.raises(seg.SegmentationError, match="from 3 to 12"):
        seg.segment(as_contacts(rows), k=2)


def test_profiles_match_across_runs_only_when_alike() -> None:
    old = [{"category:Complaints": 0.9, "channel:Phone": 0.9}, {"category:Promotions": 1.0}]
    new = [
        {"category:Promotions": 0.95, "channel:WhatsApp": 0.1},
        {"category:E-commerce": 1.0},
        {"category:Complaints": 0.85, "channel:Phone": 0.95},
    ]
    assert seg.match_profiles(old, new) == {0: 1, 2: 0}
    assert seg.match_profiles([], new) == {}
