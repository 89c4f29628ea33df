"""Rule-based safety net: recognise acute danger in Dutch text without the classifier.

The classifier can miss an urgent message, so every message is also checked by these
hand-written rules. A message is *acute* when something dangerous is happening now or
is about to happen:

* ``violence``    a person threatens to hurt or kill someone, or violence is going on now;
* ``weapon``      a weapon is carried, shown, pointed at people or found on someone;
* ``attack_plan`` a concrete attack is planned or prepared (plan, target, materials);
* ``departure``   someone is about to leave, or is leaving, for a conflict zone;
* ``suicide``     someone wants to end their life or to harm themselves.

Words alone are not enough. "Hoe bespreek ik de aanslag in de klas?" mentions an attack
but is a question about teaching. Every rule therefore needs a cue that makes it concrete
(a weapon that is *present*, a threat *by a person*, a *date* for a departure, a situation
that is going on: "net", "letterlijk", "hij meent het", "is nog in het gebouw"), and a
match is ignored when, in the same clause, it is negated ("hij heeft geen mes"),
hypothetical ("wat doe ik als een leerling ..."), about discussion or teaching
("leerlingen praten over ..."), generic ("steeds meer jongeren ...") or clearly in the
past ("vorig jaar ..."). A whole message framed as a general question ("in het algemeen",
"het speelt nu niet", "ik wil het gewoon weten", or opening with "stel dat") is never
acute. A request for help after a concrete situation ("... hij is nog in het gebouw. Wat
moet ik doen?") does not cancel it: missing acute danger is far worse than an extra
reminder of 112.

The rules are data (``safety/rules/``); this module is the engine that reads and applies
them:

* ``common.yml``: word lists shared by the categories (times, "now", signs of a present
  situation, persons, groups, verbs of saying, depictions), the guard patterns
  (negation, hypothetical, discussion, generic, trend, past, help request, general
  frame) and the words that start a new clause;
* ``violence.yml``, ``weapon.yml``, ``attack_plan.yml``, ``departure.yml``,
  ``suicide.yml``: the word lists and the rules of one category each.

Every file has ``version: 1``. A *list* (``lists:``) is a set of alternatives, plain words
or regular-expression fragments, and is used as ``(?:a|b|c)``; a *fragment*
(``fragments:``) is a piece of a pattern used as it is. A rule has a ``pattern``, optional
``cue`` (one pattern, or a list of patterns that must all occur somewhere in the message)
and an optional ``veto`` (must not occur in the matched sentence). Patterns, cues, vetoes,
guards and list items are templates: ``{NAME}`` is replaced by the list or fragment of that
name (from any file: the names share one namespace), ``{gap:N}`` by up to N words that are
no stop words (the list ``STOP``). A pattern or fragment written as a YAML list is one
pattern cut into pieces, joined without spaces. Within a category, rules are tried in
file order.

How it works:

1. :func:`normalise` lowercases, strips accents and apostrophes and collapses whitespace.
2. The text is split into sentences; each sentence becomes a list of words, and commas
   and the clause words (*en*, *maar*, *want*) mark clause boundaries (a colon does not:
   it usually introduces what someone said).
3. Each rule is a regular expression over the words of one sentence, optionally with
   cues that must also be somewhere in the message (so "Hij meent het." in the next
   sentence counts) and a veto that must not be in the sentence. Between key words a
   rule allows a few other words (``{gap:N}``), but never words such as *over*, *geen*
   or *film* that turn a threat into a discussion, a negation or a story.
4. For each match the text before it is checked by :func:`_is_guarded`: the clause for
   negation, discussion and past, the sentence (up to *maar*/*want*) for a condition. A
   condition inside what someone said ("hij dreigde: als jij de politie belt, ...") is
   part of the threat, not a hypothetical question.

Nothing is read at import time: :func:`load_rules` reads, checks and compiles the files
on first use and keeps the result (cached). A malformed file raises :class:`RulesError`
naming the file and the list, rule or guard at fault.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.datafiles import read_mapping
from bot.settings import PROJECT_ROOT

__all__ = [
    "REASONS",
    "RULES_DIR",
    "AcuteAssessment",
    "RuleSet",
    "RulesError",
    "assess_acute",
    "load_rules",
    "normalise",
]

#: The reasons :func:`assess_acute` can give, in order of priority.
REASONS: tuple[str, ...] = ("attack_plan", "weapon", "suicide", "violence", "departure")

#: The folder with the rule files: ``common.yml`` and one file per reason.
RULES_DIR: Path = PROJECT_ROOT / "safety" / "rules"


@dataclass(frozen=True)
class AcuteAssessment:
    """Outcome of :func:`assess_acute`.

    Attributes:
        acute: True when the text describes acute danger.
        reason: the category of danger (one of :data:`REASONS`), or None when not acute.

    """

    acute: bool
    reason: str | None


class RulesError(ValueError):
    """Raised when a rule file is missing, malformed or refers to an unknown list."""


# ---------------------------------------------------------------------------------------
# The compiled rules
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """One pattern of one category.

    Every pattern in ``cues`` must also occur somewhere in the message (e.g. a date for a
    departure; "hij meent het" in the next sentence counts too); ``veto`` must not occur
    in the matched sentence (e.g. "vakantie" for someone at the airport).
    """

    pattern: re.Pattern[str]
    cues: tuple[re.Pattern[str], ...] = ()
    veto: re.Pattern[str] | None = None


@dataclass(frozen=True)
class _Guards:
    """The patterns that make a match not acute (see :func:`_is_guarded`)."""

    hypothetical: re.Pattern[str]  # conditions; a strict "now" later overrides
    discussion: re.Pattern[str]  # discussion, teaching, news; cannot be overridden
    generic: re.Pattern[str]  # generic talk about young people, "waarom"
    trend: re.Pattern[str]  # trends and statistics, also inside the match
    past: re.Pattern[str]  # clearly in the past; a strict "now" overrides
    negation: re.Pattern[str]  # negation directly before the match
    not_negating: re.Pattern[str]  # "geen idee", "geen grap": negate nothing after them
    now: re.Pattern[str]  # "now" in the strict sense
    say: re.Pattern[str]  # verbs that introduce what someone said
    help_request: re.Pattern[str]  # "wat moet ik nu doen?": its "nu" is no present situation
    general_frame: re.Pattern[str]  # the whole message is a general or hypothetical question


_GUARD_NAMES: tuple[str, ...] = (
    "hypothetical",
    "discussion",
    "generic",
    "trend",
    "past",
    "negation",
    "not_negating",
    "now",
    "say",
    "help_request",
    "general_frame",
)


@dataclass(frozen=True)
class RuleSet:
    """The compiled contents of the rule files (see :func:`load_rules`).

    Attributes:
        rules: the rules of each reason in :data:`REASONS`, in file order.
        guards: the guard patterns from ``common.yml``.
        clause_words: words that start a new clause ("en", "maar", "want").
        turn_words: clause words that also end a condition ("maar", "want").

    """

    rules: Mapping[str, tuple[_Rule, ...]]
    guards: _Guards
    clause_words: frozenset[str]
    turn_words: frozenset[str]


# ---------------------------------------------------------------------------------------
# Reading the rule files
# ---------------------------------------------------------------------------------------

_COMMON = "common"
_COMMON_KEYS = frozenset({"version", "lists", "fragments", "guards", "clause_words", "turn_words"})
_CATEGORY_KEYS = frozenset({"version", "lists", "fragments", "rules"})
_RULE_KEYS = frozenset({"pattern", "cue", "veto"})
_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
#: ``{NAME}`` (a list or fragment) or ``{gap:N}`` in a template.
_REFERENCE = re.compile(r"\{(?:([A-Z][A-Z0-9_]*)|gap:(\d+))\}")
#: The list of words a ``{gap:N}`` never skips.
_GAP_STOP_LIST = "STOP"


def _template(value: object, where: str) -> str:
    """Return a template given as a string or as a list of pieces (joined)."""
    if isinstance(value, str) and value:
        return value
    if (
        isinstance(value, list)
        and value
        and all(isinstance(piece, str) and piece for piece in value)
    ):
        return "".join(value)
    raise RulesError(f"{where}: expected a pattern (a string, or a list of strings), got {value!r}")


def _words(value: object, where: str) -> list[str]:
    """Return a non-empty list of strings, naming the first item that is no string."""
    if not isinstance(value, list) or not value:
        raise RulesError(f"{where}: expected a non-empty list of words or patterns")
    for number, item in enumerate(value, 1):
        if not isinstance(item, str) or not item:
            raise RulesError(
                f"{where}, item {number}: expected a non-empty string, got {item!r} "
                "(quote words such as yes, no, on or off)"
            )
    return value


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RulesError(f"{where}: expected a mapping")
    return value


class _Compiler:
    """Expands templates against the lists and fragments of all rule files."""

    def __init__(self) -> None:
        self._lists: dict[str, tuple[str, list[str]]] = {}  # name -> (file, items)
        self._fragments: dict[str, tuple[str, str]] = {}  # name -> (file, template)
        self._expanded: dict[str, str] = {}
        self._expanding: list[str] = []

    def define(self, path: Path, data: Mapping[str, Any]) -> None:
        """Register the lists and fragments of one file."""
        for section in ("lists", "fragments"):
            entries = _mapping(data.get(section, {}), f"{path}: {section}")
            for name, value in entries.items():
                where = f"{path}: {section[:-1]} {name}"
                if not isinstance(name, str) or not _NAME.fullmatch(name):
                    raise RulesError(f"{where}: names are upper case (A-Z, 0-9, _)")
                earlier = self._lists.get(name, self._fragments.get(name))
                if earlier is not None:
                    raise RulesError(f"{where}: {name} is already defined in {earlier[0]}")
                if section == "lists":
                    self._lists[name] = (str(path), _words(value, where))
                else:
                    self._fragments[name] = (str(path), _template(value, where))

    def expand(self, template: str, where: str) -> str:
        """Replace every ``{NAME}`` and ``{gap:N}`` in a template."""

        def replace(match: re.Match[str]) -> str:
            name, gap = match.groups()
            if gap is not None:
                stop = self._resolve(_GAP_STOP_LIST, where)
                return rf"(?:\s+(?!{stop}\b)\w+){{0,{gap}}}\s+"
            return self._resolve(name, where)

        return _REFERENCE.sub(replace, template)

    def compile(self, template: str, where: str) -> re.Pattern[str]:
        """Expand a template and compile it."""
        return _compiled(self.expand(template, where), where)

    def _resolve(self, name: str, where: str) -> str:
        if name in self._expanded:
            return self._expanded[name]
        if name in self._expanding:
            cycle = " -> ".join([*self._expanding[self._expanding.index(name) :], name])
            raise RulesError(f"{where}: the lists refer to each other in a circle ({cycle})")
        if name in self._lists:
            path, items = self._lists[name]
            own = f"{path}: list {name}"
            self._expanding.append(name)
            text = "(?:" + "|".join(self.expand(item, own) for item in items) + ")"
        elif name in self._fragments:
            path, fragment = self._fragments[name]
            own = f"{path}: fragment {name}"
            self._expanding.append(name)
            text = self.expand(fragment, own)
        else:
            raise RulesError(f"{where}: unknown list {{{name}}}")
        self._expanding.pop()
        _compiled(text, own)
        self._expanded[name] = text
        return text


def _compiled(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RulesError(f"{where}: invalid regular expression ({exc})") from exc


def _read(path: Path, allowed: frozenset[str]) -> Mapping[str, Any]:
    """Read one rule file and check its version and top-level keys."""
    data = read_mapping(path, RulesError)
    if data.get("version") != 1:
        raise RulesError(f"{path}: version must be 1, got {data.get('version')!r}")
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise RulesError(f"{path}: unknown keys {unknown} (allowed: {sorted(allowed)})")
    return data


def _rules(compiler: _Compiler, path: Path, data: Mapping[str, Any]) -> tuple[_Rule, ...]:
    """Compile the rules of one category file."""
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise RulesError(f"{path}: rules: expected a non-empty list of rules")
    rules: list[_Rule] = []
    for number, entry in enumerate(entries, 1):
        where = f"{path}: rule {number}"
        rule = _mapping(entry, where)
        if "pattern" not in rule or not set(rule) <= _RULE_KEYS:
            raise RulesError(
                f"{where}: a rule has a pattern and may have a cue and a veto, "
                f"got {sorted(str(key) for key in rule)}"
            )
        pattern = compiler.compile(_template(rule["pattern"], f"{where}: pattern"), where)
        # one cue, or a list of cues that must all occur somewhere in the message
        cue = rule.get("cue")
        cues = (
            [] if cue is None else [cue] if isinstance(cue, str) else _words(cue, f"{where}: cue")
        )
        veto = rule.get("veto")
        veto_pattern = None
        if veto is not None:
            veto_template = _template(veto, f"{where}: veto")
            veto_pattern = compiler.compile(rf"\b{veto_template}\b", f"{where}: veto")
        rules.append(
            _Rule(
                pattern,
                tuple(compiler.compile(rf"\b{c}\b", f"{where}: cue") for c in cues),
                veto_pattern,
            )
        )
    return tuple(rules)


@lru_cache(maxsize=4)
def load_rules(directory: Path = RULES_DIR) -> RuleSet:
    """Read, check and compile the rule files in ``directory`` (cached).

    The folder holds ``common.yml`` and one file per reason in :data:`REASONS`, nothing
    else.

    Raises:
        RulesError: naming the file (and the list, rule or guard) that is missing,
            malformed, refers to an unknown list or holds an invalid regular expression.

    """
    expected = {_COMMON, *REASONS}
    if not directory.is_dir():
        raise RulesError(f"{directory}: the folder with the rule files does not exist")
    extra = sorted(p.name for p in directory.glob("*.yml") if p.stem not in expected)
    if extra:
        raise RulesError(f"{directory}: unknown rule files {extra} (one file per reason)")
    compiler = _Compiler()
    common_path = directory / f"{_COMMON}.yml"
    common = _read(common_path, _COMMON_KEYS)
    compiler.define(common_path, common)
    categories: dict[str, tuple[Path, Mapping[str, Any]]] = {}
    for reason in REASONS:
        path = directory / f"{reason}.yml"
        categories[reason] = (path, _read(path, _CATEGORY_KEYS))
        compiler.define(path, categories[reason][1])

    guard_data = _mapping(common.get("guards"), f"{common_path}: guards")
    if set(guard_data) != set(_GUARD_NAMES):
        raise RulesError(
            f"{common_path}: guards: expected exactly {list(_GUARD_NAMES)}, "
            f"got {sorted(str(key) for key in guard_data)}"
        )
    guards = _Guards(
        **{
            name: compiler.compile(
                _template(guard_data[name], f"{common_path}: guard {name}"),
                f"{common_path}: guard {name}",
            )
            for name in _GUARD_NAMES
        }
    )
    return RuleSet(
        rules={reason: _rules(compiler, *categories[reason]) for reason in REASONS},
        guards=guards,
        clause_words=frozenset(_words(common.get("clause_words"), f"{common_path}: clause_words")),
        turn_words=frozenset(_words(common.get("turn_words"), f"{common_path}: turn_words")),
    )


# ---------------------------------------------------------------------------------------
# Guards: the clause before a match says it is hypothetical, a discussion, generic or past
# ---------------------------------------------------------------------------------------

_NEGATION_WINDOW = 4  # words before a match that are checked for negation


def _is_guarded(clause: str, sentence: str, matched: str, guards: _Guards) -> bool:
    """Return True when the text before a match makes the match not acute.

    Args:
        clause: the words of the clause before the match (negation, discussion, past).
        sentence: the words of the sentence before the match, from the last "maar" or
            "want" on (a condition such as "stel dat ..." covers the whole sentence).
        matched: the matched text itself.
        guards: the guard patterns.

    """
    window = guards.not_negating.sub(" ", " ".join(clause.split()[-_NEGATION_WINDOW:]))
    if guards.negation.search(window):
        return True
    if guards.discussion.search(clause) or guards.trend.search(matched):
        return True
    now_in_match = guards.now.search(matched)
    if guards.generic.search(clause) and not (now_in_match or guards.now.search(clause)):
        return True
    hypothetical = guards.hypothetical.search(sentence)
    # a condition inside what someone said is part of the threat: "hij zegt dat als ze
    # naar de politie gaat, hij haar vermoordt"
    reported = hypothetical and guards.say.search(sentence, 0, hypothetical.start())
    if (
        hypothetical
        and not reported
        and not (now_in_match or guards.now.search(sentence, hypothetical.end()))
    ):
        return True
    past = guards.past.search(clause) or guards.past.search(matched)
    return bool(past and not (now_in_match or guards.now.search(clause)))


# ---------------------------------------------------------------------------------------
# Text handling
# ---------------------------------------------------------------------------------------

_APOSTROPHES = re.compile(r"['\u2018\u2019\u201b`\u00b4]")
_SENTENCE_END = re.compile(r"[.!?;\n]+")
# A colon is no boundary: it usually introduces what someone said.
_CLAUSE_PUNCT = re.compile(r"[,()\"\u201c\u201d\u2013\u2014]+|\s-\s")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lowercase, strip accents and apostrophes, and collapse whitespace.

    >>> normalise("  Hij  vertrekt naar Syrië  ")
    'hij vertrekt naar syrie'
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = _APOSTROPHES.sub("", stripped)
    return " ".join(stripped.split())


@dataclass(frozen=True)
class _Sentence:
    """One sentence as plain words, with the offsets where clauses and turns start."""

    text: str
    clause_starts: tuple[int, ...]
    turn_starts: tuple[int, ...]


def _sentences(text: str, rules: RuleSet) -> list[_Sentence]:
    """Split normalised text into sentences of plain words separated by single spaces."""
    result: list[_Sentence] = []
    for raw in _SENTENCE_END.split(text):
        words: list[str] = []
        clauses: list[int] = [0]
        turns: list[int] = [0]
        offset = 0
        for part in _CLAUSE_PUNCT.split(raw):
            tokens = [t for t in _NON_WORD.split(part) if t]
            if not tokens:
                continue
            if words:
                clauses.append(offset)
            for token in tokens:
                if words and token in rules.clause_words:
                    clauses.append(offset)
                if words and token in rules.turn_words:
                    turns.append(offset)
                words.append(token)
                offset += len(token) + 1
        if words:
            result.append(_Sentence(" ".join(words), tuple(clauses), tuple(turns)))
    return result


def _context(sentences: list[_Sentence], guards: _Guards) -> str:
    """Return the words of the whole message in which the cues of the rules are searched.

    The "nu" of a help request ("wat moet ik nu doen?", "wat nu?") says nothing about the
    situation and is left out.
    """
    return " | ".join(guards.help_request.sub(" ", sentence.text) for sentence in sentences)


def _rule_fires(rule: _Rule, sentence: _Sentence, context: str, guards: _Guards) -> bool:
    """Return True when the rule matches the sentence outside any guard.

    ``context`` is the whole message (see :func:`_context`), where the cues are searched.
    """
    text = sentence.text
    if rule.veto is not None and rule.veto.search(text):
        return False
    if not all(cue.search(context) for cue in rule.cues):
        return False
    for match in rule.pattern.finditer(text):
        at = match.start()
        clause = max(s for s in sentence.clause_starts if s <= at)
        turn = max(s for s in sentence.turn_starts if s <= at)
        if not _is_guarded(text[clause:at], text[turn:at], match.group(0), guards):
            return True
    return False


def assess_acute(text: str) -> AcuteAssessment:
    """Judge whether a Dutch message describes acute danger.

    The check runs on every message, before and independently of the intent classifier.
    When several categories match, the first in :data:`REASONS` is reported. The rules
    are read from :data:`RULES_DIR` on the first call.

    Args:
        text: the message as typed by the user.

    Returns:
        ``AcuteAssessment(True, reason)`` when acute, else ``AcuteAssessment(False, None)``.

    Raises:
        RulesError: when the rule files are malformed.

    >>> assess_acute("Een leerling heeft een mes bij zich!")
    AcuteAssessment(acute=True, reason='weapon')
    >>> assess_acute("Hoe bespreek ik de aanslag in de klas?")
    AcuteAssessment(acute=False, reason=None)

    """
    rules = load_rules()
    guards = rules.guards
    normalised = normalise(text)
    if guards.general_frame.search(normalised):
        return AcuteAssessment(False, None)
    sentences = _sentences(normalised, rules)
    context = _context(sentences, guards)
    for reason in REASONS:
        for rule in rules.rules[reason]:
            if any(_rule_fires(rule, sentence, context, guards) for sentence in sentences):
                return AcuteAssessment(True, reason)
    return AcuteAssessment(False, None)
