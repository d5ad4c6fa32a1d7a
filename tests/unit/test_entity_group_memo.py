"""A group's remembered canonical form and label follow every change of its mentions."""

from __future__ import annotations

from newsflow.enrich.entities import Mention, _Group


def _m(text: str, label: str, start: int = 0) -> Mention:
    return Mention(text, label, "body", start, start + len(text))


def test_canonical_and_label_follow_appends_extends_and_replacements() -> None:
    group = _Group([_m("Trump", "ORG")])
    assert (group.canonical, group.label()) == ("Trump", "ORG")
    group.mentions.append(_m("Donald Trump", "PERSON", 10))  # in place: the memo must notice
    assert (group.canonical, group.label()) == ("Donald Trump", "PERSON")
    group.mentions.extend([_m("Trump", "ORG", 30), _m("Trump", "ORG", 40)])
    assert group.canonical == "Donald Trump"
    assert group.label() == "PERSON"  # the full name's votes decide
    assert group.label("Trump") == "ORG"  # the votes of another form are remembered apart
    assert group.label() == "PERSON"
    group.mentions = [_m("MANCHESTER", "GPE"), _m("Manchester", "ORG", 20), _m("Manchester", "GPE", 50)]
    assert (group.canonical, group.label()) == ("Manchester", "GPE")
    group.mentions[0] = _m("Manchester United", "ORG")  # replaced in place
    assert (group.canonical, group.label()) == ("Manchester United", "ORG")
    group.forced = "PERSON"
    assert group.label() == "PERSON"  # a rule's decision is never hidden by a remembered vote
    group.forced = None
    assert group.label() == "ORG"


def test_a_remembered_result_is_what_computing_afresh_gives() -> None:
    mentions = [_m("Xi", "PERSON", 5), _m("Xi Jinping", "PERSON", 20), _m("XI JINPING", "ORG", 40)]
    remembered = _Group(list(mentions))
    for _ in range(3):
        assert remembered.canonical == _Group(list(mentions)).canonical == "Xi Jinping"
        assert remembered.label() == _Group(list(mentions)).label() == "PERSON"
