"""The pure merge (blueprints/merge.py): properties over generated blueprints, then examples.

Generated team blueprints draw names and titles from small vocabularies with variants in case,
accents and spacing, so exact matches, near matches and clashes are common.
"""

from collections import Counter
from itertools import count, pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blueprints.merge import (
    BANDS,
    Decisions,
    MergeResult,
    TeamBlueprint,
    TeamLane,
    TeamLink,
    TeamPhase,
    TeamStep,
    likeness,
    merge,
    normalise,
)

PHASES = ["Contact", "contact ", "Cóntact", "Resolution", "Résolution", "Closure"]
# (name, band, actor): a few lanes that teams share, spelled in different ways.
LANES = [
    ("Consumer", "customer", 1),
    ("The consumer", "customer", 1),
    ("Consumer", "customer", None),
    ("consumer ", "customer", None),
    ("Agent", "frontstage", None),
    ("CRM", "support", 2),
]
# Families of titles: variants alike enough to be suggested, or equal once normalised.
TITLE_FAMILIES = [
    ["Calls the hotline", "calls  the HOTLINE", "Calls the hot line"],
    ["Opens a case", "Opens a new case", "Opens a case"],
    ["Checks the batch code", "Checks the batch", "checks the batch code"],
    ["Sends a voucher"],
    ["Closes the case", "Closes the case file"],
]
TITLES = [title for family in TITLE_FAMILIES for title in family]
KINDS = ["action", "touchpoint", "pain_point"]

PROPERTIES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def team_blueprints(draw: st.DrawFn) -> list[TeamBlueprint]:
    ids = count(1)
    blueprints = []
    for index in range(draw(st.integers(1, 4))):
        phases = [
            TeamPhase(id=next(ids), name=name, position=position)
            for position, name in enumerate(
                draw(st.lists(st.sampled_from(PHASES), min_size=1, max_size=3))
            )
        ]
        lanes = [
            TeamLane(
                id=next(ids),
                name=name,
                band=band,
                position=position,
                actor=actor,
                name_translations=draw(
                    st.dictionaries(st.sampled_from(["es", "it"]), st.sampled_from(["A", "B"]))
                ),
            )
            for position, (name, band, actor) in enumerate(
                draw(st.lists(st.sampled_from(LANES), min_size=1, max_size=2))
            )
        ]
        steps = []
        # One variant of a family per team at most: a team does not write a card twice.
        for family in TITLE_FAMILIES:
            title = draw(st.sampled_from([None, *family]))
            if title is None:
                continue
            steps.append(
                TeamStep(
                    id=next(ids),
                    lane=draw(st.sampled_from(lanes)).id,
                    phase=draw(st.sampled_from(phases)).id,
                    title=title,
                    position=draw(st.integers(0, 3)),
                    kind=draw(st.sampled_from(KINDS)),
                    channel=draw(st.sampled_from([None, 1, 2])),
                    actor=draw(st.sampled_from([None, 1, 2])),
                    emotion=draw(st.integers(-2, 2)),
                    description=draw(st.sampled_from(["", "", "Some detail"])),
                )
            )
        links = []
        if steps:
            for _ in range(draw(st.integers(0, 6))):
                source, target = draw(st.sampled_from(steps)), draw(st.sampled_from(steps))
                kind = draw(st.sampled_from(["handoff", "trigger"]))
                if source.id != target.id and (source.id, target.id, kind) not in {
                    (link.source, link.target, link.kind) for link in links
                }:
                    links.append(
                        TeamLink(
                            id=next(ids),
                            source=source.id,
                            target=target.id,
                            kind=kind,
                            label=draw(st.sampled_from(["", "case", "sample"])),
                        )
                    )
        blueprints.append(
            TeamBlueprint(
                id=next(ids),
                team=draw(st.sampled_from([100 + index, 100 + index, 100])),
                phases=tuple(phases),
                lanes=tuple(lanes),
                steps=tuple(steps),
                links=tuple(links),
            )
        )
    return blueprints


@st.composite
def crowded_blueprints(draw: st.DrawFn) -> list[TeamBlueprint]:
    """Teams that all map one cell: the same phase and lane, spelled differently."""
    ids = count(1)
    blueprints = []
    for index in range(draw(st.integers(2, 4))):
        phase = TeamPhase(id=next(ids), name=draw(st.sampled_from(PHASES[:3])), position=0)
        name, band, actor = draw(st.sampled_from(LANES[:2]))
        lane = TeamLane(id=next(ids), name=name, band=band, position=0, actor=actor)
        titles = [draw(st.sampled_from([None, *family])) for family in TITLE_FAMILIES]
        steps = [
            TeamStep(
                id=next(ids),
                lane=lane.id,
                phase=phase.id,
                title=title,
                position=position,
                kind=draw(st.sampled_from(KINDS)),
                emotion=draw(st.integers(-2, 2)),
            )
            for position, title in enumerate(t for t in titles if t is not None)
        ]
        links = [TeamLink(id=next(ids), source=a.id, target=b.id) for a, b in pairwise(steps)]
        blueprints.append(
            TeamBlueprint(next(ids), 100 + index, (phase,), (lane,), tuple(steps), tuple(links))
        )
    return blueprints


@st.composite
def merge_inputs(draw: st.DrawFn) -> tuple[list[TeamBlueprint], Decisions]:
    teams = draw(st.one_of(team_blueprints(), crowded_blueprints()))
    step_ids = [s.id for b in teams for s in b.steps]
    phase_ids = [p.id for b in teams for p in b.phases]
    pairs = st.tuples(st.sampled_from(step_ids), st.sampled_from(step_ids)) if step_ids else None
    decisions = Decisions(
        phase_names=draw(
            st.dictionaries(st.sampled_from(phase_ids), st.sampled_from(PHASES), max_size=3)
        ),
        accepted=frozenset(draw(st.lists(pairs, max_size=3))) if step_ids else frozenset(),
        rejected=frozenset(draw(st.lists(pairs, max_size=3))) if step_ids else frozenset(),
    )
    return teams, decisions


def shuffled(teams: list[TeamBlueprint], draw: st.DrawFn) -> list[TeamBlueprint]:
    """The same blueprints, in another order, their rows in another order too."""
    return [
        TeamBlueprint(
            id=b.id,
            team=b.team,
            phases=tuple(draw(st.permutations(b.phases))),
            lanes=tuple(draw(st.permutations(b.lanes))),
            steps=tuple(draw(st.permutations(b.steps))),
            links=tuple(draw(st.permutations(b.links))),
        )
        for b in draw(st.permutations(teams))
    ]


# --- properties ----------------------------------------------------------------------------


@PROPERTIES
@given(merge_inputs())
def test_no_team_step_is_lost(inputs: tuple[list[TeamBlueprint], Decisions]) -> None:
    teams, decisions = inputs
    result = merge(teams, decisions)
    sources = Counter(source for step in result.steps for source in step.sources)
    assert sources == Counter(s.id for b in teams for s in b.steps)


@PROPERTIES
@given(merge_inputs())
def test_every_team_phase_and_lane_lands_in_exactly_one_global_one(
    inputs: tuple[list[TeamBlueprint], Decisions],
) -> None:
    teams, decisions = inputs
    result = merge(teams, decisions)
    assert Counter(i for p in result.phases for i in p.sources) == Counter(
        p.id for b in teams for p in b.phases
    )
    assert Counter(i for lane in result.lanes for i in lane.sources) == Counter(
        lane.id for b in teams for lane in b.lanes
    )


@PROPERTIES
@given(merge_inputs())
def test_merging_again_with_the_result_as_state_gives_the_same_result(
    inputs: tuple[list[TeamBlueprint], Decisions],
) -> None:
    teams, decisions = inputs
    first = merge(teams, decisions)
    assert merge(teams, decisions, first.state()) == first


@PROPERTIES
@given(merge_inputs(), st.data())
def test_the_order_of_teams_and_rows_does_not_matter(
    inputs: tuple[list[TeamBlueprint], Decisions], data: st.DataObject
) -> None:
    teams, decisions = inputs
    first = merge(teams, decisions)
    again = merge(shuffled(teams, data.draw), decisions)
    assert again == first
    previous = first.state()
    assert merge(shuffled(teams, data.draw), decisions, previous) == merge(
        teams, decisions, previous
    )


@PROPERTIES
@given(merge_inputs())
def test_links_never_point_outside_the_blueprint(
    inputs: tuple[list[TeamBlueprint], Decisions],
) -> None:
    teams, decisions = inputs
    result = merge(teams, decisions)
    keys = {step.key for step in result.steps}
    triples = [(link.source, link.target, link.kind) for link in result.links]
    assert all(source in keys and target in keys for source, target, _ in triples)
    assert all(source != target for source, target, _ in triples)
    assert len(set(triples)) == len(triples)
    assert len({link.key for link in result.links}) == len(result.links)


@PROPERTIES
@given(merge_inputs())
def test_rows_have_unique_keys_and_positions_zero_to_n(
    inputs: tuple[list[TeamBlueprint], Decisions],
) -> None:
    teams, decisions = inputs
    result = merge(teams, decisions)
    for rows in (result.phases, result.lanes, result.steps):
        assert len({row.key for row in rows}) == len(rows)
        assert all(len(row.key) <= 200 for row in rows)
    assert [p.position for p in result.phases] == list(range(len(result.phases)))
    assert [lane.position for lane in result.lanes] == list(range(len(result.lanes)))
    assert [BANDS.index(lane.band) for lane in result.lanes] == sorted(
        BANDS.index(lane.band) for lane in result.lanes
    )
    phase_keys, lane_keys = {p.key for p in result.phases}, {lane.key for lane in result.lanes}
    cells: dict[tuple[str, str], list[int]] = {}
    for step in result.steps:
        assert step.lane in lane_keys and step.phase in phase_keys
        cells.setdefault((step.lane, step.phase), []).append(step.position)
    assert all(sorted(p) == list(range(len(p))) for p in cells.values())


@PROPERTIES
@given(merge_inputs(), st.data())
def test_accepted_suggestions_merge_and_rejected_ones_are_never_suggested_again(
    inputs: tuple[list[TeamBlueprint], Decisions], data: st.DataObject
) -> None:
    teams, decisions = inputs
    first = merge(teams, decisions)
    offered = [suggestion.steps for suggestion in first.suggestions]
    accepted = data.draw(st.sets(st.sampled_from(offered))) if offered else set()
    rejected = set(offered) - accepted
    answered = Decisions(
        phase_names=decisions.phase_names,
        accepted=decisions.accepted | accepted,
        rejected=decisions.rejected | rejected,
    )
    result = merge(teams, answered, first.state())
    global_of = {source: step.key for step in result.steps for source in step.sources}
    for a, b in answered.accepted:
        if (min(a, b), max(a, b)) not in set(result.unapplied):
            assert global_of[a] == global_of[b]
    sources = {step.key: set(step.sources) for step in result.steps}
    for suggestion in result.suggestions:
        first_group, second_group = (sources[key] for key in suggestion.global_steps)
        for a, b in answered.rejected:
            assert not (a in first_group and b in second_group)
            assert not (b in first_group and a in second_group)


@PROPERTIES
@given(merge_inputs())
def test_conflicts_name_real_disagreements(inputs: tuple[list[TeamBlueprint], Decisions]) -> None:
    teams, decisions = inputs
    result = merge(teams, decisions)
    step_by_key = {step.key: step for step in result.steps}
    for conflict in result.conflicts:
        step = step_by_key[conflict.step]
        assert {value.source for value in conflict.values} <= set(step.sources)
        assert len({value.value for value in conflict.values}) > 1
        assert conflict.chosen == getattr(step, conflict.field)


@PROPERTIES
@given(merge_inputs(), st.sampled_from(TITLES))
def test_a_new_team_step_keeps_every_existing_key(
    inputs: tuple[list[TeamBlueprint], Decisions], title: str
) -> None:
    teams, decisions = inputs
    before = merge(teams, decisions)
    first = teams[0]
    added = TeamStep(id=10_000, lane=first.lanes[0].id, phase=first.phases[0].id, title=title)
    teams[0] = TeamBlueprint(
        id=first.id,
        team=first.team,
        phases=first.phases,
        lanes=first.lanes,
        steps=(*first.steps, added),
        links=first.links,
    )
    after = merge(teams, decisions, before.state())
    sources_after = {step.key: set(step.sources) for step in after.steps}
    for step in before.steps:
        assert set(step.sources) <= sources_after[step.key]


# --- examples ------------------------------------------------------------------------------


def blueprint(
    pk: int,
    team: int,
    phases: list[str],
    steps: list[tuple[int, str, str, str]],
    links: list[tuple[int, int, int]] = (),
    lanes: list[tuple[str, str, int | None]] = (("Consumer", "customer", 1),),
    **step_fields: dict[int, dict],
) -> TeamBlueprint:
    """Phases by name; lanes (name, band, actor); steps (id, lane name, phase name, title)."""
    phase_rows = [TeamPhase(pk * 100 + i, name, i) for i, name in enumerate(phases)]
    lane_rows = [
        TeamLane(pk * 100 + 50 + i, name, band, i, actor)
        for i, (name, band, actor) in enumerate(lanes)
    ]
    phase_id = {p.name: p.id for p in phase_rows}
    lane_id = {lane.name: lane.id for lane in lane_rows}
    extra = step_fields.get("fields", {})
    step_rows = [
        TeamStep(ident, lane_id[lane], phase_id[phase], title, position, **extra.get(ident, {}))
        for position, (ident, lane, phase, title) in enumerate(steps)
    ]
    link_rows = [TeamLink(ident, source, target) for ident, source, target in links]
    return TeamBlueprint(
        pk, team, tuple(phase_rows), tuple(lane_rows), tuple(step_rows), tuple(link_rows)
    )


def by_source(result: MergeResult, source: int) -> str:
    return next(step.key for step in result.steps if source in step.sources)


def test_phases_align_ignoring_case_accents_and_spacing() -> None:
    result = merge(
        [
            blueprint(1, 1, ["Résolution", "Follow-up"], []),
            blueprint(2, 2, ["  resolution ", "FOLLOW-UP"], []),
        ]
    )
    assert [p.sources for p in result.phases] == [(100, 200), (101, 201)]
    assert [p.name for p in result.phases] == ["Résolution", "Follow-up"]


def test_a_phase_mapping_puts_a_team_phase_into_another_global_phase() -> None:
    teams = [blueprint(1, 1, ["Contact"], []), blueprint(2, 2, ["Intake"], [])]
    assert len(merge(teams).phases) == 2
    result = merge(teams, Decisions(phase_names={200: "contact"}))
    assert [(p.name, p.sources) for p in result.phases] == [("contact", (100, 200))]


def test_global_phases_follow_the_average_team_order() -> None:
    result = merge(
        [
            blueprint(1, 1, ["Contact", "Triage", "Resolution"], []),
            blueprint(2, 2, ["Contact", "Resolution", "Closure"], []),
        ]
    )
    assert [p.name for p in result.phases] == ["Contact", "Triage", "Resolution", "Closure"]


def test_lanes_align_by_actor_and_without_actor_by_name() -> None:
    result = merge(
        [
            blueprint(
                1, 1, ["Contact"], [], lanes=[("Consumer", "customer", 7), ("CRM", "support", None)]
            ),
            blueprint(
                2,
                2,
                ["Contact"],
                [],
                lanes=[("The buyer", "customer", 7), ("crm", "support", None)],
            ),
            blueprint(3, 3, ["Contact"], [], lanes=[("CRM", "backstage", None)]),
        ]
    )
    assert [(lane.band, lane.sources) for lane in result.lanes] == [
        ("customer", (150, 250)),
        ("backstage", (350,)),
        ("support", (151, 251)),
    ]


def test_equal_titles_merge_and_similar_titles_are_only_suggested() -> None:
    teams = [
        blueprint(1, 1, ["Contact"], [(1, "Consumer", "Contact", "Calls the hotline")]),
        blueprint(2, 2, ["contact"], [(2, "Consumer", "contact", "calls the HOTLINE ")]),
        blueprint(3, 3, ["Contact"], [(3, "Consumer", "Contact", "Calls the hot line")]),
    ]
    result = merge(teams)
    assert sorted(step.sources for step in result.steps) == [(1, 2), (3,)]
    assert [(s.steps, s.global_steps) for s in result.suggestions] == [((1, 3), ("s1", "s3"))]
    accepted = merge(teams, Decisions(accepted=frozenset({(3, 1)})))
    assert [step.sources for step in accepted.steps] == [(1, 2, 3)]
    assert accepted.suggestions == ()
    rejected = merge(teams, Decisions(rejected=frozenset({(2, 3)})))
    assert len(rejected.steps) == 2 and rejected.suggestions == ()


def test_two_similar_cards_of_one_team_are_not_suggested() -> None:
    teams = [
        blueprint(
            1,
            1,
            ["Contact"],
            [
                (1, "Consumer", "Contact", "Opens a case"),
                (2, "Consumer", "Contact", "Opens a new case"),
            ],
        )
    ]
    assert merge(teams).suggestions == ()


def test_an_accepted_pair_in_different_cells_is_reported_unapplied() -> None:
    teams = [
        blueprint(1, 1, ["Contact"], [(1, "Consumer", "Contact", "Calls")]),
        blueprint(2, 2, ["Triage"], [(2, "Consumer", "Triage", "Calls")]),
    ]
    result = merge(teams, Decisions(accepted=frozenset({(2, 1)})))
    assert len(result.steps) == 2 and result.unapplied == ((1, 2),)


def test_links_follow_their_steps_deduplicated_without_loops() -> None:
    steps_a = [(1, "Consumer", "Contact", "Calls"), (2, "Consumer", "Contact", "Waits")]
    steps_b = [(3, "Consumer", "Contact", "Calls"), (4, "Consumer", "Contact", "Waits")]
    teams = [
        blueprint(1, 1, ["Contact"], steps_a, links=[(11, 1, 2)]),
        blueprint(2, 2, ["Contact"], steps_b, links=[(12, 3, 4)]),
    ]
    result = merge(teams)
    assert [(link.source, link.target, link.sources, link.teams) for link in result.links] == [
        ("s1", "s2", (11, 12), (1, 2))
    ]
    looped = merge(teams, Decisions(accepted=frozenset({(1, 2)})))
    assert looped.links == ()


def test_conflicts_list_the_value_of_every_source() -> None:
    fields = {1: {"channel": 5, "emotion": -2}, 2: {"channel": 6, "emotion": -2}, 3: {}}
    teams = [
        blueprint(1, 1, ["Contact"], [(1, "Consumer", "Contact", "Calls")], fields=fields),
        blueprint(2, 2, ["Contact"], [(2, "Consumer", "Contact", "Calls")], fields=fields),
        blueprint(3, 3, ["Contact"], [(3, "Consumer", "Contact", "Calls")], fields=fields),
    ]
    result = merge(teams)
    assert [
        (c.field, c.chosen, [(v.source, v.team, v.value) for v in c.values])
        for c in result.conflicts
    ] == [
        ("channel", 5, [(1, 1, 5), (2, 2, 6)]),  # no channel is not a disagreement
        ("emotion", -2, [(1, 1, -2), (2, 2, -2), (3, 3, 0)]),
    ]


def test_a_renamed_step_keeps_its_key() -> None:
    teams = [blueprint(1, 1, ["Contact"], [(1, "Consumer", "Contact", "Calls the hotline")])]
    first = merge(teams)
    renamed = [blueprint(1, 1, ["Contact"], [(1, "Consumer", "Contact", "Phones the careline")])]
    again = merge(renamed, previous=first.state())
    assert [step.key for step in again.steps] == [step.key for step in first.steps]


def test_a_split_group_keeps_its_key_for_the_larger_part() -> None:
    teams = [
        blueprint(1, 1, ["Contact"], [(5, "Consumer", "Contact", "Calls")]),
        blueprint(2, 2, ["Contact"], [(3, "Consumer", "Contact", "Calls")]),
        blueprint(3, 3, ["Contact"], [(4, "Consumer", "Contact", "Calls")]),
    ]
    first = merge(teams)
    assert [step.key for step in first.steps] == ["s3"]
    teams[1] = blueprint(2, 2, ["Contact"], [(3, "Consumer", "Contact", "Writes")])
    again = merge(teams, previous=first.state())
    assert {step.key: step.sources for step in again.steps} == {"s3": (4, 5), "s3~2": (3,)}


def test_it_refuses_a_step_outside_its_blueprint() -> None:
    broken = TeamBlueprint(1, 1, (TeamPhase(1, "A", 0),), (), (TeamStep(2, 9, 1, "Calls"),), ())
    with pytest.raises(ValueError, match="outside"):
        merge([broken])


def test_normalise_and_likeness() -> None:
    assert normalise("  Résolution\tFINALE ") == "resolution finale"
    assert likeness("opens a case", "opens a new case") is not None
    assert likeness("calls the hotline", "sends a voucher") is None


def test_on_a_tie_the_oldest_cards_item_keeps_its_key_whatever_the_keys_spell() -> None:
    from blueprints.merge import _assign_keys

    # Two global steps (of cards 2 and 1298) become one: "s1298" sorts before "s2" as text,
    # yet the item of the older card keeps its key, so its global row survives the merge.
    previous = {"s2": frozenset({2}), "s1298": frozenset({1298})}
    assigned = _assign_keys({"pair": ("s2", frozenset({2, 1298}))}, previous)
    assert assigned == {"pair": "s2"}
    previous = {"zeta": frozenset({5}), "alpha": frozenset({9})}
    assert _assign_keys({"pair": ("x", frozenset({5, 9}))}, previous) == {"pair": "zeta"}


TITLE_WORDS = ["calls", "call", "the", "hotline", "hot", "line", "a", "case", "new", "ópens"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.lists(st.sampled_from(TITLE_WORDS), min_size=0, max_size=5).map(" ".join),
            st.text(alphabet="abcé e", max_size=12),
        ),
        min_size=2,
        max_size=25,
    )
)
def test_the_title_index_finds_every_likely_pair(raw: list[str]) -> None:
    """The index (prefix filtering over words and characters) misses no pair that the
    comparison of every pair would suggest, and the comparison is symmetric."""
    from blueprints.merge import _candidate_pairs

    titles = [normalise(title) for title in raw]
    found = _candidate_pairs(titles)
    for i, a in enumerate(titles):
        for j in range(i + 1, len(titles)):
            b = titles[j]
            assert likeness(a, b) == likeness(b, a)
            if likeness(a, b) is not None:
                assert (i, j) in found, (a, b)


def test_the_index_compares_far_fewer_pairs_than_all_of_them() -> None:
    """Titles with no word and few characters in common are never compared."""
    from blueprints.merge import _candidate_pairs

    titles = [normalise(f"{verb} {obj}") for verb in ("xq", "zv", "kj", "wy") for obj in "bdfhm"]
    titles += ["calls the hotline", "calls the hot line"]
    found = _candidate_pairs(titles)
    last = len(titles) - 1
    assert (last - 1, last) in found
    assert len(found) < len(titles) * (len(titles) - 1) / 2 / 2
