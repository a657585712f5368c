"""The data-practice assessment and the design audit, on blueprints built in memory.

`sound()` is a blueprint with nothing wrong: its phone data is planned, collected, recorded,
synthesised and communicated, every customer action is answered, every step has an owner.
Each test plants one problem into it and finds exactly that.
"""

from dataclasses import replace

from blueprints import assessment, audit
from blueprints.review import (
    ReviewBlueprint,
    ReviewChannel,
    ReviewLane,
    ReviewLink,
    ReviewPhase,
    ReviewStep,
)

PHONE, EMAIL = 100, 101
CONTACT, FOLLOW_UP = 1, 2
CUSTOMER, FRONT, BACK, SUPPORT = 10, 11, 12, 13
ACTORS = {CUSTOMER: "Consumer", FRONT: "Agent", BACK: "Back office", SUPPORT: "Analyst"}


def step(pk: int, lane: int, phase: int, title: str, **fields: object) -> ReviewStep:
    fields.setdefault("actor", ACTORS[lane])
    return ReviewStep(id=pk, lane=lane, phase=phase, title=title, **fields)


def sound(**changes: object) -> ReviewBlueprint:
    steps = [
        step(1, CUSTOMER, CONTACT, "Calls the hotline", kind="touchpoint", channel=PHONE),
        step(6, FRONT, CONTACT, "Agrees what to ask", channel=PHONE, data_stage="planned"),
        step(
            2,
            FRONT,
            CONTACT,
            "Asks for the batch code",
            channel=PHONE,
            data_stage="collected",
            data_captured="Name, batch code",
            data_recorded_in="CRM",
        ),
        step(
            3,
            BACK,
            CONTACT,
            "Logs the case",
            data_stage="recorded",
            data_captured="Name; batch code",
            data_recorded_in="crm ",
        ),
        step(7, CUSTOMER, FOLLOW_UP, "Hears back", channel=PHONE),
        step(8, FRONT, FOLLOW_UP, "Calls back", channel=PHONE),
        step(5, BACK, FOLLOW_UP, "Sends the report to quality", data_stage="communicated"),
        step(
            4,
            SUPPORT,
            FOLLOW_UP,
            "Monthly trend report",
            data_stage="synthesised",
            data_recorded_in="BI dashboard",
        ),
    ]
    links = [
        ReviewLink(1, 2, "trigger"),
        ReviewLink(2, 3, "information"),
        ReviewLink(3, 4, "information"),
        ReviewLink(4, 5, "information"),
        ReviewLink(5, 8, "information"),
        ReviewLink(8, 7, "information"),
    ]
    values = {
        "phases": [ReviewPhase(CONTACT, "Contact"), ReviewPhase(FOLLOW_UP, "Follow-up")],
        "lanes": [
            ReviewLane(pk, ACTORS[pk], band, ACTORS[pk])
            for pk, band in (
                (CUSTOMER, "customer"),
                (FRONT, "frontstage"),
                (BACK, "backstage"),
                (SUPPORT, "support"),
            )
        ],
        "steps": steps,
        "links": links,
        "channels": [ReviewChannel(PHONE, "Phone"), ReviewChannel(EMAIL, "E-mail")],
    }
    values.update(changes)
    return ReviewBlueprint(**values)


def changed(blueprint: ReviewBlueprint, pk: int, **fields: object) -> list[ReviewStep]:
    return [replace(s, **fields) if s.id == pk else s for s in blueprint.steps]


def without(blueprint: ReviewBlueprint, pk: int) -> list[ReviewStep]:
    return [s for s in blueprint.steps if s.id != pk]


def gaps(blueprint: ReviewBlueprint) -> list[assessment.Gap]:
    return assessment.assess(blueprint).gaps


def rules(blueprint: ReviewBlueprint) -> list[str]:
    return [finding.rule for finding in audit.audit(blueprint)]


# --- the assessment ---------------------------------------------------------------------------


def test_a_sound_blueprint_has_no_gap_and_no_finding() -> None:
    blueprint = sound()
    assert gaps(blueprint) == []
    assert audit.audit(blueprint) == []


def test_the_matrix_puts_back_office_steps_under_the_channel_that_leads_to_them() -> None:
    result = assessment.assess(sound())
    [phone] = result.channels
    assert (phone.channel, phone.name, phone.covered) == (PHONE, "Phone", 5)
    assert phone.stages == {
        "planned": [6],
        "collected": [2],
        "recorded": [3],
        "synthesised": [4],
        "communicated": [5],
    }


def test_a_plan_nothing_leads_to_serves_the_channels_it_leads_to() -> None:
    blueprint = sound()
    steps = changed(blueprint, 6, channel=None)
    links = [*blueprint.links, ReviewLink(6, 2, "information")]
    [phone] = assessment.assess(replace(blueprint, steps=steps, links=links)).channels
    assert phone.stages["planned"] == [6]


def test_steps_nothing_with_a_channel_reaches_count_under_no_channel() -> None:
    blueprint = sound()
    loose = step(9, BACK, FOLLOW_UP, "Archives the files", data_stage="recorded")
    result = assessment.assess(replace(blueprint, steps=[*blueprint.steps, loose]))
    assert [row.channel for row in result.channels] == [PHONE, None]
    assert result.channels[1].stages["recorded"] == [9]
    assert [(gap.kind, gap.channel) for gap in result.gaps] == [("recorded_not_synthesised", None)]


def test_collected_without_a_plan() -> None:
    blueprint = sound()
    found = gaps(replace(blueprint, steps=without(blueprint, 6)))
    assert [(gap.kind, gap.channel, gap.steps) for gap in found] == [("not_planned", PHONE, (2,))]


def test_a_plan_for_no_channel_in_particular_plans_for_every_channel() -> None:
    blueprint = sound()
    plan = step(6, SUPPORT, CONTACT, "Data plan for all contacts", data_stage="planned")
    assert gaps(replace(blueprint, steps=[*without(blueprint, 6), plan])) == []


def test_collected_not_recorded() -> None:
    blueprint = sound()
    found = gaps(replace(blueprint, steps=changed(blueprint, 3, data_stage="")))
    assert [(gap.kind, gap.channel, gap.steps) for gap in found] == [
        ("collected_not_recorded", PHONE, (2,))
    ]


def test_recorded_not_synthesised() -> None:
    blueprint = sound()
    found = gaps(replace(blueprint, steps=changed(blueprint, 4, data_stage="")))
    assert [(gap.kind, gap.channel, gap.steps) for gap in found] == [
        ("recorded_not_synthesised", PHONE, (3,))
    ]


def test_synthesised_not_communicated() -> None:
    blueprint = sound()
    found = gaps(replace(blueprint, steps=changed(blueprint, 5, data_stage="")))
    assert [(gap.kind, gap.channel, gap.steps) for gap in found] == [
        ("synthesised_not_communicated", PHONE, (4,))
    ]


def test_personal_data_captured_with_no_recording_system() -> None:
    blueprint = sound()
    found = gaps(replace(blueprint, steps=changed(blueprint, 2, data_recorded_in="  ")))
    assert [(gap.kind, gap.channel, gap.steps) for gap in found] == [
        ("captured_without_system", PHONE, (2,))
    ]


def test_an_item_recorded_in_two_systems_is_fragmented() -> None:
    blueprint = sound()
    found = gaps(replace(blueprint, steps=changed(blueprint, 3, data_recorded_in="Spreadsheet")))
    assert {(gap.kind, gap.item, gap.systems, gap.steps) for gap in found} == {
        ("fragmented", "Name", ("CRM", "Spreadsheet"), (2, 3)),
        ("fragmented", "batch code", ("CRM", "Spreadsheet"), (2, 3)),
    }


def test_systems_list_the_steps_channels_and_items_feeding_them() -> None:
    systems = assessment.assess(sound()).systems
    assert [(s.name, s.steps, s.channels, s.items) for s in systems] == [
        ("CRM", (2, 3), (PHONE,), ("Name", "batch code")),
        ("BI dashboard", (4,), (PHONE,), ()),
    ]


def test_a_global_blueprint_compares_the_teams() -> None:
    blueprint = sound(kind="global")
    steps = [replace(s, teams=("Service centre",)) for s in blueprint.steps]
    steps = [replace(s, teams=("Quality", "Service centre")) if s.id == 4 else s for s in steps]
    result = assessment.assess(replace(blueprint, steps=steps))
    assert result.channels[0].teams["synthesised"] == ["Quality", "Service centre"]
    assert result.channels[0].teams["collected"] == ["Service centre"]
    coverage = {team.team: team for team in result.teams}
    assert coverage["Quality"].cells["synthesised"] == [PHONE]
    assert (coverage["Quality"].covered, coverage["Service centre"].covered) == (1, 5)


def test_a_team_blueprint_compares_no_teams() -> None:
    result = assessment.assess(sound())
    assert result.teams == [] and result.channels[0].teams == {}


def test_data_items_split_on_commas_semicolons_and_slashes() -> None:
    assert assessment.data_items("Name, phone; e-mail / batch code\nconsent") == [
        "Name",
        "phone",
        "e-mail",
        "batch code",
        "consent",
    ]


# --- the audit --------------------------------------------------------------------------------


def test_a_phase_without_a_customer_action() -> None:
    blueprint = sound()
    closing = step(9, FRONT, 3, "Closes the case")
    planted = replace(
        blueprint,
        phases=[*blueprint.phases, ReviewPhase(3, "Closure")],
        steps=[*blueprint.steps, closing],
    )
    [finding] = audit.audit(planted)
    assert (finding.rule, finding.phases, finding.key) == (
        "phase_without_customer_action",
        (3,),
        "phase:3",
    )
    assert finding.params == {"phase": "Closure"} and finding.severity == "warning"


def test_a_customer_action_nobody_answers() -> None:
    blueprint = sound()
    planted = replace(blueprint, links=[link for link in blueprint.links if link.source != 8])
    [finding] = audit.audit(planted)
    assert (finding.rule, finding.steps, finding.phases) == (
        "customer_action_without_response",
        (7,),
        (FOLLOW_UP,),
    )


def test_an_answer_in_another_phase_is_no_answer() -> None:
    blueprint = sound()
    planted = replace(blueprint, steps=changed(blueprint, 8, phase=CONTACT))
    assert rules(planted) == ["customer_action_without_response"]


def test_a_step_without_an_actor() -> None:
    blueprint = sound()
    planted = replace(blueprint, steps=changed(blueprint, 3, actor=""))
    [finding] = audit.audit(planted)
    assert (finding.rule, finding.steps, finding.severity) == ("step_without_actor", (3,), "notice")


def test_a_handoff_between_roles_is_an_owner_change() -> None:
    blueprint = sound()
    links = [
        replace(link, kind="handoff") if link.source == 2 else link for link in blueprint.links
    ]
    [finding] = audit.audit(replace(blueprint, links=links))
    assert (finding.rule, finding.severity, finding.steps) == ("owner_change", "info", (2, 3))
    assert (finding.params["from"], finding.params["to"]) == ("Agent", "Back office")


def test_a_handoff_within_one_role_is_no_owner_change() -> None:
    blueprint = sound()
    links = [*blueprint.links, ReviewLink(3, 5, "handoff")]
    assert rules(replace(blueprint, links=links)) == []


def test_a_link_jumping_over_a_band() -> None:
    blueprint = sound()
    [finding] = audit.audit(
        replace(blueprint, links=[*blueprint.links, ReviewLink(1, 3, "trigger")])
    )
    assert (finding.rule, finding.steps) == ("band_crossing", (1, 3))
    assert finding.params["skipped"] == ["frontstage"]


def test_a_rework_loop() -> None:
    blueprint = sound()
    [finding] = audit.audit(
        replace(blueprint, links=[*blueprint.links, ReviewLink(5, 3, "trigger")])
    )
    assert (finding.rule, finding.steps, finding.key) == ("rework_loop", (3, 5, 4), "loop:3,4,5")


def test_a_pain_point_without_an_opportunity() -> None:
    blueprint = sound()
    pain = step(9, CUSTOMER, FOLLOW_UP, "Waits a week", kind="pain_point")
    [finding] = audit.audit(replace(blueprint, steps=[*blueprint.steps, pain]))
    assert (finding.rule, finding.steps) == ("pain_point_without_opportunity", (9,))
    idea = step(10, FRONT, FOLLOW_UP, "Text when it ships", kind="opportunity")
    assert rules(replace(blueprint, steps=[*blueprint.steps, pain, idea])) == []


def test_a_lane_of_mostly_assumed_steps() -> None:
    blueprint = sound()
    steps = changed(replace(blueprint, steps=changed(blueprint, 3, evidence="assumed")), 5)
    steps = [replace(s, evidence="assumed") if s.id == 5 else s for s in steps]
    [finding] = audit.audit(replace(blueprint, steps=steps))
    assert (finding.rule, finding.lanes, finding.steps) == ("assumed_majority", (BACK,), (3, 5))
    assert finding.params == {"lane": "Back office", "assumed": 2, "count": 2}


def test_half_assumed_is_not_most() -> None:
    blueprint = sound()
    assert rules(replace(blueprint, steps=changed(blueprint, 3, evidence="assumed"))) == []


def test_a_back_office_step_nothing_leads_to() -> None:
    blueprint = sound()
    links = [link for link in blueprint.links if link.source != 4]
    [finding] = audit.audit(replace(blueprint, links=links))
    assert (finding.rule, finding.steps) == ("unlinked_backstage", (5,))


def test_a_long_loop_keeps_a_short_key() -> None:
    blueprint = sound()
    many = [step(100 + i, BACK, CONTACT, f"Step {i}") for i in range(60)]
    links = [ReviewLink(100 + i, 100 + (i + 1) % 60, "information") for i in range(60)]
    found = audit.audit(
        replace(blueprint, steps=[*blueprint.steps, *many], links=[*blueprint.links, *links])
    )
    [loop] = [finding for finding in found if finding.rule == "rework_loop"]
    assert len(loop.steps) == 60 and len(loop.key) < 80


def test_a_long_chain_of_back_office_steps_serves_the_channel_at_its_head() -> None:
    blueprint = sound()
    chain = [step(200 + i, BACK, FOLLOW_UP, f"Hands on {i}") for i in range(3000)]
    links = [ReviewLink(2, 200, "handoff")]
    links += [ReviewLink(200 + i, 201 + i, "handoff") for i in range(2999)]
    served = assessment.served_channels(
        replace(blueprint, steps=[*blueprint.steps, *chain], links=[*blueprint.links, *links])
    )
    assert served[3199] == (PHONE,) and served[200] == (PHONE,)
