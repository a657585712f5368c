"""Putting people into groups: a pure function over plain data, tested and timed alone."""

from collections import defaultdict


def split_mixing_teams(people: list[tuple[int, str | None]], groups: int) -> dict[int, int]:
    """Each person (id, team or None) → a group index in 0…groups-1.

    Balanced: group sizes differ by one at most. Mixed: the people of one team are dealt
    round the groups, the largest team first, so each team spreads as evenly as it can and
    the groups' sizes stay level whatever the teams' sizes. The same people always give the
    same split (ties broken by team name, then id).
    """
    if groups < 1:
        raise ValueError("groups must be at least 1")
    teams: dict[str | None, list[int]] = defaultdict(list)
    for person, team in people:
        teams[team].append(person)
    order = sorted(teams.items(), key=lambda item: (-len(item[1]), item[0] is None, item[0] or ""))
    dealt: dict[int, int] = {}
    turn = 0
    for _team, members in order:
        for person in sorted(members):
            dealt[person] = turn % groups
            turn += 1
    return dealt
