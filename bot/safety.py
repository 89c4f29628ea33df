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

How it works:

1. :func:`normalise` lowercases, strips accents and apostrophes and collapses whitespace.
2. The text is split into sentences; each sentence becomes a list of words, and commas
   and the words *en*, *maar* and *want* mark clause boundaries (a colon does not: it
   usually introduces what someone said).
3. Each rule is a regular expression over the words of one sentence, optionally with
   cues that must also be somewhere in the message (so "Hij meent het." in the next
   sentence counts) and a veto that must not be in the sentence. Between key words a
   rule allows a few other words (:func:`_gap`), but never words such as *over*, *geen*
   or *film* that turn a threat into a discussion, a negation or a story.
4. For each match the text before it is checked by :func:`_is_guarded`: the clause for
   negation, discussion and past, the sentence (up to *maar*/*want*) for a condition. A
   condition inside what someone said ("hij dreigde: als jij de politie belt, ...") is
   part of the threat, not a hypothetical question.

The module uses the standard library only, does no I/O and compiles its patterns once at
import time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["REASONS", "AcuteAssessment", "assess_acute", "normalise"]

#: The reasons :func:`assess_acute` can give, in order of priority.
REASONS: tuple[str, ...] = ("attack_plan", "weapon", "suicide", "violence", "departure")


@dataclass(frozen=True)
class AcuteAssessment:
    """Outcome of :func:`assess_acute`.

    Attributes:
        acute: True when the text describes acute danger.
        reason: the category of danger (one of :data:`REASONS`), or None when not acute.

    """

    acute: bool
    reason: str | None


# ---------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------


def _alt(*options: str) -> str:
    """Return a non-capturing group that matches any of the options."""
    return "(?:" + "|".join(options) + ")"


# The vocabularies and rules below are laid out by hand, several words to a line.
# fmt: off

# Words that may never appear between the key words of a rule. They turn a statement into
# a discussion ("over"), a negation ("geen"), a condition ("als"), a question ("waarom")
# or a depiction ("film", "foto", "grap").
_STOP = _alt(
    "over", "geen", "niet", "nooit", "nergens", "zonder", "niks", "niets",
    "als", "wanneer", "waarom", "hoe", "dreiging", "angst", "nieuws",
    "grap", "grapje", "grappen", "film", "films", "filmpje", "filmpjes", "video", "videos",
    "clip", "clips", "game", "games", "spel", "foto", "fotos", "plaatje", "plaatjes",
    "meme", "memes", "les", "lessen", "boek", "serie", "documentaire", "tekening",
    "tekeningen", "gesprek", "voorkomen", "voorkom", "tegengaan", "verhinderen", "bespreken",
)


def _gap(max_words: int) -> str:
    """Return a pattern for whitespace with up to ``max_words`` words in between.

    None of the skipped words may be a stop word (see ``_STOP``).
    """
    return rf"(?:\s+(?!{_STOP}\b)\w+){{0,{max_words}}}\s+"


# Times ahead that make a plan or a departure imminent.
_FUTURE = _alt(
    "vandaag", "vanavond",
    "vannacht", "vanmiddag", "vanochtend", "vanmorgen", "morgen", "morgenochtend",
    "morgenavond", "morgenmiddag", "morgenvroeg", "overmorgen", "straks", "zo meteen",
    "zometeen", "zo dadelijk", "dadelijk", "binnenkort",
    r"dit\s+weekend", r"deze\s+week", r"volgende\s+week", r"komende\s+week",
    r"volgend\s+weekend", r"komend\s+weekend",
    r"over\s+(?:een|een\s+paar|enkele|twee|drie|vier|\d+)\s+(?:uur|uurtje|dag|dagen|weken)",
    # weekdays, also "zaterdagnacht", "vrijdagavond"; "morgennacht"
    r"(?:maan|dins|woens|donder|vrij|zater|zon)dag(?:nacht|avond|ochtend|middag|morgen)?",
    "morgennacht",
    r"\d{1,2}\s+(?:jan\w*|feb\w*|maart|apr\w*|mei|juni|juli|aug\w*|sep\w*|okt\w*|nov\w*|dec\w*)",
    r"om\s+\d{1,2}\s+uur",
    # moments in a school day: "na het laatste uur", "na schooltijd", "in de pauze"
    r"na\s+(?:het\s+)?(?:laatste|\d+e|zesde|zevende|achtste)\s+uur",
    r"na\s+(?:de\s+)?school(?:tijd)?",
    r"in\s+de\s+(?:grote\s+)?pauze",
)
# ... or now.
_SOON = _alt(
    r"nu", r"net(?!\s+(?:als|zo|wat)\b)", "zojuist", "zonet", "op dit moment", "momenteel",
    _FUTURE,
)

# "Now" in the strict sense: overrides a hypothetical frame ("als er nu iemand ...").
_NOW = _alt(
    "nu", r"net(?!\s+(?:als|zo|wat)\b)", "zojuist", "zonet", "op dit moment", "momenteel",
    "vandaag", "vanochtend", "vanmorgen", "vanmiddag", "vanavond", "vannacht",
)

# Signs that a situation is real and going on: someone said it just now, means it, is
# still here, or is on the move. Together with a time (``_SOON``) they make a threat
# concrete (``_CONCRETE``). Searched in the whole message, not only in the matched sentence.
_PRESENT = _alt(
    _NOW, "letterlijk", r"meent\s+(?:\w+\s+)?het", r"(?:menen|meende)\s+(?:\w+\s+)?het",
    r"is\s+(?:\w+\s+)?nog\s+(?:in|op|bij|hier)", r"zijn\s+(?:\w+\s+)?nog\s+(?:in|op|bij|hier)",
    r"staat\s+(?:\w+\s+){0,2}(?:buiten|hier|voor\s+de\s+deur)", r"kant\s+op",
    r"(?:loopt|lopen|rent|rennen|komt|komen)\s+(?:\w+\s+){0,2}(?:op\s+\w+\s+af|naar\s+\w+\s+toe)",
    r"is\s+onderweg", r"zijn\s+onderweg", "schreeuwt", "schreeuwen", "roept", "roepen",
    r"het\s+wordt\s+tijd", r"(?:bijna|is|het)\s+zover", r"(?:bijna|al)\s+klaar",
)
_CONCRETE = _alt(_SOON, _PRESENT)

# Groups a threat can be aimed at (also as insults: a threat against "die kaaskoppen" counts).
_GROUP = _alt(
    r"moslim(?:s|a)?", "joden", "jood", r"turk(?:en)?", r"marokkan\w*", r"vluchteling(?:en)?",
    r"asielzoeker(?:s)?", r"buitenlander(?:s)?", r"allochton\w*", r"homo(?:s)?", "christenen",
    r"ongelovig\w*", r"kafir\w*", "zwarten", r"kaaskop(?:pen)?", r"nazi(?:s)?", r"agent(?:en)?",
    r"groep(?:je)?", "jongens", "meiden", "gasten", "mannen", "vrouwen", r"klas(?:genoten)?",
)

# People a threat can be aimed at.
_PERSON_TARGET = _alt(
    "iemand", "mensen", "me", "mij", "ons", "hem", "haar", "jou", "je", "jullie", "iedereen",
    r"docent(?:e|en)?", "leraar", "leraren", "lerares", "leerkracht", "mentor", "juf",
    "meester", r"klasgeno(?:ot|te|ten)", r"(?:mede)?leerling(?:en)?", r"collega\w*",
    r"medewerker\w*", "jongerenwerker", "begeleider", "directeur", r"conci\w*rge",
    r"(?:stief|schoon|groot|half)?(?:moeder|vader|ouders|broer(?:tje)?|zus(?:je)?)",
    "opa", "oma", "oom", "tante", "neef", "nicht", "zoon", "dochter", r"vriend\w*", "ex",
    "meisje", "jongen", "kinderen", "personeel", r"buur\w*", "imam", "rabbijn", "baas",
    r"(?:wijk)?agent(?:en)?", "politie", r"trainer\w*",
)

# Things one finishes or breaks: "zijn werkstuk afmaken", "die opdracht afmaken".
_TASK = _alt(
    "werkstuk", "huiswerk", "opdracht", "opdrachten", "taak", "klus", "opleiding", "studie",
    "school", "les", "boek", "zin", "verhaal", "spel", "game", "puzzel", "tekening", "project",
    "examen", "toets", "cursus", "stage", "serie", "film", "werk", "jaar", "schooljaar",
    "diploma", "brief", "tekst", "ronde", "wedstrijd", "level", "potje", "bord", "eten",
    "havo", "vwo", "vmbo", "mbo", "hbo", "uni", "universiteit", "traject",
)

# Objects that "afmaken", "doodmaken" and the like only have when they mean killing.
_VICTIM = _alt(
    "je", "jou", "jullie", "hem", "haar", "ze", "hen", "hun", "iedereen", "allemaal", "ons",
    "die", "mensen", r"jullie\s+allemaal", r"ze\s+allemaal", rf"die\s+(?!{_TASK}\b)\w+",
)

# Function words that are never the name of a person.
_NOT_NAME = _alt(
    "het", "dat", "dit", "alles", "iets", "wat", "er", "de", "een", "zijn", "zn", "mijn", "jouw",
    "onze", "ons", "hun", "uw", "dan", "nu", "wel", "niet", "ook", "nog", "even", "gewoon",
    "maar", "toch", "eerst", "snel", "af", "zo", "daar", "hier", "zelf", "zichzelf", "alle",
    "morgen", "vandaag", "vanavond", "straks", "echt", "zeker", "allemaal", _TASK,
)

# Who a threat is aimed at: a pronoun, a person or group ("die juf", "de vluchtelingen"),
# or a single word that is no function word: a name ("dat hij Daan gaat afmaken").
_TARGET_PERSON = _alt(
    _VICTIM,
    rf"(?:de|die|deze|dat|zijn|zn|haar|hun|mijn|onze|alle|al\s+die)\s+(?:\w+\s+)?"
    rf"(?:{_GROUP}|{_PERSON_TARGET})",
)
_TARGET_NAMED = _alt(
    _TARGET_PERSON, r"(?:meneer|mevrouw|mevr|juf|meester|dhr|mw|mr)\s+\w+",
    rf"(?!{_NOT_NAME}\b)\w+",
)

# Small words that may stand between a victim and the verb ("ik maak jullie allemaal af"),
# so that "haar werkstuk afmaken" is not read as a threat.
_FILLER = (
    r"(?:(?:allemaal|ook|echt|gewoon|wel|zeker|morgen|vandaag|vanavond|straks|nu|dan|een\s+voor"
    r"\s+een|stuk\s+voor\s+stuk|gaat|ga|gaan|wil|zal)\s+"
    # a short time or place phrase: "na het laatste uur", "bij de synagoge", "met hoofddoek"
    r"|(?:na|bij|met|in|op|voor|tijdens|achter|naast|uit)\s+(?:\w+\s+){1,3}){0,3}"
)

# Infinitives (also with "te") of verbs that mean hurting or killing someone.
_HARM_INF = _alt(
    r"op(?:\s+te)?\s*blazen", r"neer(?:\s+te)?\s*steken", r"dood(?:\s+te)?\s*steken",
    r"neer(?:\s+te)?\s*schieten", r"dood(?:\s+te)?\s*schieten", r"neer(?:\s+te)?\s*knallen",
    r"af(?:\s+te)?\s*knallen", r"overhoop\s+(?:te\s+)?schieten", r"(?:te\s+)?vermoorden",
    r"(?:te\s+)?doden", r"dood\s+(?:te\s+)?maken", r"af(?:\s+te)?\s*slachten",
    r"(?:te\s+)?onthoofden",
    r"(?:te\s+)?mishandelen", r"in\s+elkaar\s+(?:te\s+)?(?:slaan|trappen|rammen|schoppen)",
    r"in\s+(?:de\s+)?(?:brand|fik)\s+(?:te\s+)?(?:steken|zetten)", r"dood(?:\s+te)?\s*slaan",
    r"(?:af|plat)(?:\s+te)?\s*branden", r"in\s+de\s+as\s+(?:te\s+)?leggen",
    r"kapot\s+(?:te\s+)?slaan", r"(?:te\s+)?ontvoeren", r"(?:te\s+)?gijzelen",
    r"op\s+(?:(?!doel\b|goal\b|penalty\b)\w+\s+){0,3}(?:te\s+)?(?:schieten|knallen)",
    rf"{_PERSON_TARGET}\s+(?:te\s+)?(?:steken|slaan|neersteken|neerslaan|doodmaken)",
    rf"{_VICTIM}\s+{_FILLER}(?:af\s+(?:te\s+)?maken|afmaken|dood\s+(?:te\s+)?maken|doodmaken)",
    # "iets aandoen" and "pijn doen" only with a person ("ik wil er iets aan doen" is help)
    rf"{_PERSON_TARGET}\s+(?:\w+\s+){{0,2}}(?:iets|wat|pijn)\s+(?:aan\s+(?:te\s+)?"
    rf"(?:gaan\s+|gaat\s+)?doen|aandoen|(?:te\s+)?doen)",
)

# Finite present-tense forms (as in "hij zei dat hij de school opblaast").
_HARM_FINITE = _alt(
    "opblaast", r"blaast\s+(?:\w+\s+){0,4}op", "neersteekt", "doodsteekt",
    r"steekt\s+(?:\w+\s+){0,4}(?:neer|dood|in\s+brand|in\s+de\s+fik)",
    "neerschiet", "doodschiet", r"schiet\s+(?:\w+\s+){0,4}(?:neer|dood|overhoop)",
    rf"vermoordt|vermoord\s+{_VICTIM}", "doodt", "onthoofdt", "afslacht",
    rf"maakt\s+{_VICTIM}\s+{_FILLER}(?:af|dood)",
    r"slaat\s+(?:\w+\s+){0,3}(?:dood|in\s+elkaar)",
    # verb last, as in a subordinate clause: "dat hij het huis in brand steekt"
    r"in\s+(?:de\s+)?(?:brand|fik)\s+steekt", r"in\s+elkaar\s+slaat", r"dood\s+slaat",
    r"overhoop\s+schiet", r"neer\s+(?:steekt|schiet)",
    r"in\s+(?:de\s+)?(?:brand|fik)\s+(?:gaat|wil|zal)\s+(?:steken|zetten)",
    r"zet\s+(?:\w+\s+){0,4}in\s+(?:de\s+)?(?:brand|fik)", r"in\s+(?:de\s+)?(?:brand|fik)\s+zet",
    r"in\s+elkaar\s+(?:gaat|wil|zal)\s+(?:slaan|trappen)", r"(?:een\s+)?bloedbad\s+aanricht",
    r"trapt\s+(?:\w+\s+){0,3}in\s+elkaar", r"in\s+elkaar\s+trapt",
)

# Verbs of saying, writing or threatening that introduce reported speech.
_SAY = _alt(
    "zegt", "zei", "zeggen", "zeiden", "roept", "riep", "schreeuwt", "schreeuwde", "schrijft",
    "schreef", "appt", "appte", "post", "postte", "plaatst", "plaatste", "stuurt", "stuurde",
    "typt", "typte", "belooft", "beloofde", "dreigt", "dreigde", "gedreigd", "gezegd",
    "geschreven", "gepost", "geappt", "gezet", "vertelt", "vertelde", "verteld",
)

# Words that announce an intention ("hij gaat ...", "ze wil ...", "hij dreigt ...").
_INTENT = _alt(
    "gaat", "ga", "gaan", "zal", "zullen", "wil", "wilt", "willen", "komt", "kom", "komen",
    "zou", "zouden", "dreigt", "dreigd", "dreigde", "dreigen", "gedreigd", "plant", "plan",
    "plannen", r"van\s+plan", "om",
)

# Auxiliaries before an infinitive at the end of a clause ("dat hij Daan gaat afmaken").
_AUX = _alt("gaat", "gaan", "ga", "wil", "wilt", "willen", "zal", "zullen", "komt", "komen")

# Killing or beating someone up, as a verb at the end of a clause, with an auxiliary
# before or in the middle: "gaat afmaken", "dood gaat maken", "in elkaar wil slaan".
_KILL_LAST = _alt(
    rf"{_AUX}\s+(?:afmaken|doodmaken|kapotmaken|neersteken|neerschieten|doodsteken"
    rf"|doodschieten|doodslaan|vermoorden|afknallen|neerknallen|mishandelen|onthoofden)",
    rf"(?:dood|kapot|af)\s+{_AUX}\s+maken",
    rf"{_AUX}\s+(?:dood|kapot|in\s+elkaar|verrot)\s+(?:maken|slaan|trappen|schoppen|rammen)",
    rf"(?:dood|kapot|in\s+elkaar|verrot|neer)\s+{_AUX}\s+(?:slaan|trappen|schoppen|rammen"
    rf"|steken|schieten)",
)

# Attacking or "getting" someone: a threat only with a person or group and a concrete
# situation ("hij schreeuwt nu dat hij die moslims gaat pakken"); "de bus pakken" is none.
_GRAB = _alt(
    r"(?:te\s+)?pakken", r"(?:te\s+)?grijpen", r"aanvallen", r"aan\s+te\s+vallen",
    r"te\s+grazen\s+(?:te\s+)?nemen", r"(?:te\s+)?slopen", r"kapot\s+(?:te\s+)?maken",
    r"kapotmaken", r"(?:te\s+)?afmaken", r"af\s+te\s+maken",
)
_GRAB_TARGET = _alt(
    "hem", "haar", "ze", "hen", "jou", "je", "jullie", "iedereen", r"ze\s+allemaal",
    r"jullie\s+allemaal", r"hun\s+allemaal",
    rf"(?:de|die|deze|dat|zijn|zn|haar|hun|mijn|alle|al\s+die)\s+(?:\w+\s+)?"
    rf"(?:{_GROUP}|{_PERSON_TARGET})",
)

# Retribution: "hun verdiende loon krijgen", "eraan gaan", "boeten", "ervan langs krijgen".
_RETRIBUTION = _alt(
    r"(?:krijg|krijgt|krijgen)\s+(?:\w+\s+){0,3}(?:hun|zijn|haar|jullie|je|het)\s+verdiende"
    r"\s+loon",
    r"(?:hun|zijn|haar|jullie|je|het)\s+verdiende\s+loon\s+(?:\w+\s+){0,2}(?:krijgen|krijgt)",
    r"(?:gaan|gaat|ga)\s+(?:\w+\s+){0,3}eraan(?!\s+(?:werken|beginnen|denken|doen|toe|wennen"
    r"|meedoen|herinneren|twijfelen|onderdoor)\b)",
    r"(?:zullen|zal|gaan|gaat)\s+(?:\w+\s+){0,3}boeten",
    r"(?:krijgen|krijgt)\s+(?:\w+\s+){0,3}ervan\s+langs",
)

# Hitting, stabbing, shooting in the first person, as said or written by the person
# threatening: "ik steek Sem neer", "vanavond trap ik Daan in elkaar", "morgen maken we
# die kaaskoppen af".
_HIT_SG = _alt("schiet", "steek", "sla", "trap", "schop", "ram", "mep", "knal")
_HIT_PL = _alt("schieten", "steken", "slaan", "trappen", "schoppen", "rammen", "meppen",
               "knallen")
_HIT_END = _alt("neer", "dood", "overhoop", r"in\s+elkaar", "kapot", "verrot", "lek", "lens",
                r"het\s+ziekenhuis\s+in")
_FIRST_PERSON_HIT = _alt(
    rf"ik\s+(?:\w+\s+){{0,2}}?{_HIT_SG}", rf"{_HIT_SG}\s+ik",
    rf"(?:we|wij)\s+(?:\w+\s+){{0,2}}?{_HIT_PL}", rf"{_HIT_PL}\s+(?:we|wij)",
)
_FIRST_PERSON_MAKE = _alt(r"ik\s+maak", r"maak\s+ik", r"(?:we|wij)\s+maken", r"maken\s+(?:we|wij)")

# Weapons (after normalisation, so "ak-47" is "ak 47").
_WEAPON = _alt(
    r"(?:keuken|zak|vlinder|steek|spring|jacht|kap|slag)?mes(?:sen|je|jes)?", "stiletto",
    "dolk", r"(?:nep)?(?:steek|vuur|slag)?wapens?", r"(?:nep)?pisto(?:ol|len|l)", "revolver",
    r"(?:jacht|machine)?geweer", r"(?:jacht|machine)?geweren", "machete", "bijl", "zwaard",
    "boksbeugel", "ploertendoder", "taser", "stroomstootwapen", r"(?:hand)?granaat",
    r"(?:hand)?granaten", "kalasjnikov", r"ak\s?47", "gun", "honkbalknuppel", "kruisboog",
)

# Objects that are a weapon only when someone threatens with them.
_IMPROVISED = _alt(
    "schaar", "schroevendraaier", r"(?:kapotte\s+)?fles", "glas", "stok", "knuppel", "hamer",
    "ijzeren staaf", "stuk glas",
)

# Attacks. "De aanslag" (a known event) is not enough; rules ask for "een aanslag".
_ATTACK = _alt(
    r"(?:bom|zelfmoord|terreur)?aanslag(?:en)?", r"terroristische\s+aanslag", "aanval",
    "schietpartij", "steekpartij", r"school\s?shooting", "bloedbad",
)

# Things bombs are made of.
_MATERIAL = _alt(
    r"bom(?!\s+(?:geld|duiten|energie)\b)(?!\s+aan\s+(?!het\b))", "bommen", r"pijpbom(?:men)?",
    r"brandbom(?:men)?", r"autobom(?:men)?", r"vuurwerkbom(?:men)?", r"bom(?:men)?gordel",
    "bomvest",
    "explosieven", r"springstof(?:fen)?", r"ontsteker(?:s)?", "ontstekingsmechanisme",
    "tatp", r"molotov\w*", "detonator",
)

# Parts of a bomb or a fire attack that are harmless on their own; two of them together
# with a date or "bijna klaar" are preparation ("pijpen, kruit en draadjes").
_BOMB_PART = _alt(
    r"pijp(?:en)?", r"buis", "buizen", r"(?:bus|zwart)?kruit", r"draad(?:je|jes)?", "draden",
    "bedrading", "kunstmest", "spijkers", "kogellagers", r"gasfles(?:sen)?", "benzine",
    r"jerrycan(?:s)?", r"lont(?:en)?", r"timer(?:s)?", "nitraat", "aceton",
    "waterstofperoxide", r"(?:snel)?kookpan(?:nen)?", r"ontsteker(?:s)?", "vuurwerk",
    r"wekker(?:s)?",
)
# Fuel for arson.
_FUEL = _alt("benzine", r"jerrycan(?:s)?", r"brandbare\s+vloeistof", "brandversneller",
             "spiritus", "lampolie", "diesel")
# Places that are set on fire in attacks on groups.
_ARSON_TARGET = _alt(
    "azc", r"\w*opvang", "asielzoekerscentrum", r"moskee(?:en)?", "synagoge", "kerk",
    "gemeentehuis", r"in\s+(?:de\s+)?(?:brand|fik)", "afbranden", r"vuur", r"fakkel\w*",
)
# Ordinary uses of these parts.
_HARMLESS_USE = _alt(
    "tuin", "moestuin", "boerderij", "brommer", "scooter", "auto", "grasmaaier", "aggregaat",
    "barbecue", "bbq", "kampvuur", r"oud\s+en\s+nieuw", "oudjaar", "jaarwisseling",
    "loodgieter", "scheikunde", "practicum", "techniekles", "fiets", "boot",
)
# A plan that is ready: a date, or "bijna klaar", "het is zover", "het wordt tijd".
_READY = _alt(
    _SOON, r"(?:bijna|al|helemaal)\s+klaar", r"klaar\s+voor", r"(?:bijna|is|het)\s+zover",
    r"het\s+wordt\s+tijd", "datum", "afgesproken", "afspreken",
)

# Places that can be the target of an attack.
_TARGET = _alt(
    "school", "station", "moskee", "synagoge", "kerk", "azc", "markt", "kerstmarkt", "concert",
    "festival", "stadion", "winkelcentrum", "gemeentehuis", "stadhuis", "politiebureau",
    "kantine", "feest", "optocht", "demonstratie", "supermarkt", "plein", "klas", "gebouw",
)

# Conflict zones and what leads there.
_ZONE = _alt(
    r"syri[e]", "syria", "sirie", "siria", "irak", "iraq", r"(?:het\s+)?kalifaat",
    "conflictgebied", "strijdgebied", "oorlogsgebied", "jihadgebied", r"het\s+front", "raqqa",
    "idlib", "mosul", "afghanistan", "jemen", "somalie", "libie",
    r"(?:de\s+)?(?:turks\s+)?syrische\s+grens",
    r"(?:de\s+)?grens\s+met\s+syrie", r"is\s+gebied", "daesh",
)
_ARTICLE = r"(?:het\s+|de\s+|een\s+)?"
_MOVE = _alt(
    r"vertrek\w*", "vertrok", "vertrokken", "vertreken", r"vlieg\w*", "vloog", r"reis\w*",
    r"uitreis\w*", "uit te reizen", r"doorreis\w*", "gaat", "ga", "gaan", "wil", "wilt",
    "willen", "onderweg", r"op\s+weg", "ticket", "tickets", "vliegticket", "vlucht",
    r"enkele\s+reis", r"grens\s+over", "geboekt", "boekt", "rijdt", "rijden", r"smokkel\w*",
    # "pakt morgenvroeg de bus", "is in een busje gestapt", "zit in een bus richting ..."
    "pakt", "pakken", "neemt", "nemen", "stapt", "stappen", "gestapt", "ingestapt", "gepakt",
    "genomen", r"bus(?:je)?", "trein", "auto", "vliegtuig", "boot",
)
# Where fighters go: a conflict zone, or "de broeders aan het front".
_DESTINATION = _alt(
    rf"(?:naar|richting)\s+{_ARTICLE}{_ZONE}",
    r"(?:naar|bij|aan)\s+(?:het\s+front|de\s+broeders|de\s+broeder|de\s+strijders"
    r"|de\s+mujahideen|de\s+jihad|de\s+strijd)",
)
# Leaving, also already left ("is gisteravond in een busje gestapt").
_LEAVE = _alt(
    "gestapt", "ingestapt", "stapt", "stapte", "vertrokken", "vertrekt", "vertrok", "vertrekken",
    "weggegaan", "weggelopen", "weg", "gevlucht", "onderweg", r"op\s+weg", "vliegt", "vloog",
    "gevlogen", "reist", "reisde", "gereisd", "pakt", "pakte", "neemt", "nam", "rijdt", "reed",
    "gereden", "gaat", "ging", "gegaan", "vertrek", "gepakt", "genomen",
)
# Leaving in order to fight: "om mee te vechten", "om te gaan strijden".
_FIGHT_PURPOSE = _alt(
    r"om\s+(?:\w+\s+){0,4}?(?:mee\s+)?te\s+(?:gaan\s+)?(?:vechten|strijden|sterven|dienen)"
    # not "om te vechten voor zijn rechten"
    r"(?!\s+(?:voor|om|tegen)\s+(?:zijn|haar|hun|de|het|een)\s+(?:\w+\s+)?(?:rechten|recht"
    r"|plek|kans|titel|beker|toekomst|diploma|medaille|kampioenschap|punten)\b)",
    r"om\s+(?:als\s+)?martelaar\s+te\s+sterven", r"voor\s+de\s+(?:jihad|strijd|ummah)",
    r"om\s+(?:\w+\s+){0,4}?(?:bij|naar)\s+de\s+(?:broeders|strijders|jihad)",
)
# Fighting as a sport, and returning: no departure.
_NOT_FIGHTING = _alt(
    r"sportschool", r"kickboks\w*", r"boks\w*", "mma", r"wedstrijd\w*", r"toernooi\w*",
    r"training\w*", "sport", r"terug\w*", r"teruggekeerd\w*", r"terugkeer\w*",
)
_ARMED_GROUP = _alt(
    "is", "isis", "daesh", r"al\s+qaida", r"al\s+qaeda", "hts", r"al\s+shabaab", "jihadisten",
    r"de\s+(?:jihad|strijders|strijd)", "strijders",
)
# Cues that make a departure concrete, beyond a time.
_DEPARTURE_CUE = _alt(
    _SOON, "ticket", "tickets", "vliegticket", "geboekt", "paspoort", r"koffers?", "vliegveld",
    "schiphol", "luchthaven", "vlucht", "onderweg", r"op\s+weg", r"al\s+weg", "afscheid",
    "vliegtuig", r"aan\s+boord", r"enkele\s+reis", "enkeltje", "weggegeven", "rugzak",
    # already gone: the police must know now
    "gisteravond", "gisteren", "gisternacht", r"al\s+vertrokken", r"is\s+vertrokken",
)
_AIRPORT = _alt(
    "schiphol", r"(?:het\s+)?vliegveld", r"(?:de\s+)?luchthaven", r"eindhoven\s+airport",
    "zaventem", r"(?:de\s+)?vertrekhal", r"de\s+gate",
)

# ---------------------------------------------------------------------------------------
# Rules, one named list per category
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


def _rule(pattern: str, cue: str | tuple[str, ...] = (), veto: str | None = None) -> _Rule:
    """Compile a rule; the cues and veto are searched as whole words."""
    cues = (cue,) if isinstance(cue, str) else cue
    return _Rule(
        re.compile(pattern),
        tuple(re.compile(rf"\b{c}\b") for c in cues),
        re.compile(rf"\b{veto}\b") if veto else None,
    )


# A depicted or pretend weapon or bomb is none: drawings, games, clips, cooking class.
_DEPICTION = _alt(
    r"getekend", r"tekent", r"tekende", r"tekening\w*", r"fortnite", r"gta", r"minecraft",
    r"roblox",
    r"in\s+een\s+game", r"kookles", r"kooklokaal", r"keuken", r"praktijklokaal", r"toneel\w*",
    r"kostuum", r"verkleed", r"carnaval", r"halloween", r"speelgoed\w*", r"waterpistool",
    r"boek", r"boeken", r"shirt", r"tattoo", r"tatoeage", r"logo", r"embleem", r"sticker",
    r"poster", r"afbeelding", r"vlag", r"erop",
)

# Places on a person or in their things where a weapon can be hidden.
_STASH = _alt(
    "tas", "rugzak", "schooltas", "jas", "jaszak", "zak", "zakken", "broekzak", "broek", "kluis",
    "kluisje", "locker", "auto", "kamer", "la", "bureau", "sok", "sokken", "riem", "mouw", "bed",
)

# Weapons owned legally, or already handed in or taken away, are no acute danger.
_WEAPON_SAFE = _alt(
    _DEPICTION, "leger", "defensie", r"militair\w*", "politieagent", "jager", "jacht",
    r"schietvereniging", "schietsport", r"sportschutter\w*", "vergunning", "airsoft",
    "paintball", "scouting", "scouts", "hengelsport", "vissen", "gereedschap", "ingeleverd",
    "inleveren", "afgegeven", "afgepakt", r"in\s+beslag",
    r"inbeslag\w*", "opgeborgen",
)

# Weapon: carried, shown, pointed, found on someone, or someone walks around with it.
WEAPON_RULES: tuple[_Rule, ...] = tuple(
    _rule(p, veto=_WEAPON_SAFE)
    for p in (
        # "hij heeft een mes (bij zich)", "leerling draagt een vuurwapen"
        rf"\b(?:heeft|had|hebben|hadden|draagt|droeg|dragen|droegen|bezit|bezat)"
        rf"{_gap(4)}{_WEAPON}\b",
        # "dat hij een mes bij zich heeft", "een pistool op zak"
        rf"\b{_WEAPON}{_gap(3)}(?:bij\s+zich|bij\s+hem|bij\s+haar|op\s+zak|op\s+zijn\s+lijf"
        rf"|mee\s+naar|meegenomen|meeneemt|meenemen|heeft|had|draagt|droeg)\b",
        # brandishing: "zwaait met een mes", "richt een pistool", "bedreigde hem met een mes"
        rf"\b(?:zwaait|zwaaide|zwaaien|richt|richtte|richten|trekt|trok|toont|toonde|laat|liet"
        rf"|pakt|pakte|haalt|haalde|bedreigt|bedreigde|dreigt|dreigde|gedreigd|bedreigd"
        rf"|steekt|stak|schiet|schoot)\b{_gap(5)}{_WEAPON}\b",
        # threatening with an everyday object: "bedreigt de docent met een schaar"
        rf"\b(?:zwaait|zwaaide|bedreigt|bedreigde|dreigt|dreigde|gedreigd|bedreigd|valt|viel)"
        rf"\b{_gap(5)}met\s+(?:een|n|zijn|haar|zn)\s+(?:\w+\s+)?{_IMPROVISED}\b",
        rf"\b{_WEAPON}{_gap(4)}(?:zwaait|zwaaide|bedreigd|gedreigd|getrokken|gericht|zien"
        rf"|tevoorschijn|gepakt|gehaald|bedreigt|bedreigde)\b",
        # location on a person: "een mes in zijn tas", "een pistool uit haar jas"
        rf"\b{_WEAPON}{_gap(3)}(?:in|uit|onder|achter)\s+(?:zijn|haar|hun|zn|z|de|het)\s+"
        rf"(?:\w+\s+)?{_STASH}\b",
        # "in zijn kluisje ligt een vuurwapen"
        rf"\b(?:in|onder|achter)\s+(?:zijn|haar|hun|zn|z)\s+(?:\w+\s+)?{_STASH}\s+"
        rf"(?:\w+\s+)?(?:ligt|liggen|lag|lagen|zit|zitten|zat|zaten|heeft|had|vond|vonden"
        rf"|zag|zagen|zie)\b{_gap(3)}{_WEAPON}\b",
        # found or seen: "we vonden een revolver", "een mes gevonden"
        rf"\b(?:gevonden|vond|vonden|aangetroffen|ontdekt|ontdekte|gezien|zag|zie|zagen"
        rf"|gespot)\b{_gap(4)}{_WEAPON}\b",
        rf"\b{_WEAPON}{_gap(3)}(?:gevonden|aangetroffen|ontdekt|gezien|gespot|liggen|ligt"
        rf"|lag)\b",
        # presence: "er loopt iemand met een geweer", "een jongen met een bijl"
        rf"\b(?:er\s+(?:is|zijn|loopt|lopen|staat|staan|zit|zitten)|loopt|liep|lopen|staat"
        rf"|stond|staan|rent|rende|komt|kwam|zit|zat|verscheen|verschijnt|iemand|jongen"
        rf"|jongens|man|mannen|leerling|jongere|meisje|persoon|gast|kerel|hij|ze|zij|ie)\b"
        rf"{_gap(5)}met\s+(?:(?:een|n|zijn|haar|zn|twee|groot|grote|getrokken)\s+)*"
        rf"{_WEAPON}\b",
        # loaded or raised: "een geladen pistool", "hield een geweer omhoog"
        rf"\bgeladen\s+(?:\w+\s+)?{_WEAPON}\b",
        rf"\b{_WEAPON}{_gap(3)}(?:geladen|doorgeladen|ontgrendeld|omhoog|in\s+de\s+camera"
        rf"|voor\s+de\s+camera)\b",
        rf"\b(?:laadt|laadde|laden)\b{_gap(3)}{_WEAPON}\b",
        # with a weapon, and "het is zover", "het wordt tijd"
        rf"\b(?:met|van)\s+(?:een|zijn|haar|zn)\s+(?:\w+\s+)?{_WEAPON}\b"
        rf"(?=.*\b(?:(?:bijna|is|het)\s+zover|(?:wordt|is)\s+(?:het\s+)?tijd)\b)",
        # "hij is gewapend"
        r"\b(?:is|zijn|was|waren|lijkt|kwam|komt|loopt|staat)\s+(?:\w+\s+){0,2}"
        r"(?:zwaar\s+)?(?:gewapend|bewapend)\b",
    )
)

# Attack plan: a plan, preparation, target list or bomb materials.
ATTACK_PLAN_RULES: tuple[_Rule, ...] = (
    # "hij is van plan een aanslag te plegen", "plannen een aanslag op de kerstmarkt"
    _rule(
        rf"\b(?:plant|plannen|plande|beraamt|beramen|beraamde|bereidt|bereiden|bereidde"
        rf"|voorbereiden|plan|plannetje|van\s+plan|wil|wilt|willen|gaat|gaan|ga|zal|zullen"
        rf"|dreigt|dreigde|dreigen)\b{_gap(6)}(?:een|n|nog\s+een|weer\s+een)\s+(?:\w+\s+)?"
        rf"{_ATTACK}{_gap(4)}(?:te\s+)?(?:plegen|pleegt|uitvoeren|uitvoert|uit\s+te\s+voeren"
        rf"|doen|op|tegen|voor|beramen|plannen|voorbereiden|houden|aanrichten|aanricht"
        rf"|aan\s+te\s+richten|beginnen)\b"
    ),
    # "dat hij morgen een aanslag gaat plegen"
    _rule(
        rf"\b(?:een|n)\s+(?:\w+\s+)?{_ATTACK}{_gap(3)}(?:gaat|gaan|wil|wilt|willen|zal"
        rf"|zullen)\s+(?:plegen|uitvoeren|doen|beramen|houden|aanrichten|beginnen)\b"
    ),
    _rule(
        rf"\b(?:een|n)\s+(?:\w+\s+)?{_ATTACK}\s+(?:te\s+)?(?:plegen|uitvoeren|doen|houden"
        rf"|aanrichten)\s+(?:gaat|gaan|wil|wilt|willen|zal|zullen)\b"
    ),
    # passive: "er is een aanslag gepland", "er wordt een aanval voorbereid"
    _rule(
        rf"\b(?:wordt|worden|is|zijn)\b{_gap(4)}(?:een|n)\s+(?:\w+\s+)?{_ATTACK}{_gap(3)}"
        rf"(?:gepland|voorbereid|beraamd)\b"
    ),
    # "dat er vrijdag een aanslag gepleegd wordt op onze school": needs a time or target
    _rule(
        rf"\b{_ATTACK}{_gap(3)}(?:gepland|voorbereid|beraamd|gepleegd)\s+(?:wordt|worden"
        rf"|gaat\s+worden|zal\s+worden)\b",
        cue=_alt(_SOON, _TARGET),
    ),
    # "er komt morgen een aanslag op onze school": needs a time or target
    _rule(
        rf"\ber\s+(?:\w+\s+){{0,3}}(?:een|n)\s+{_ATTACK}\s+(?:\w+\s+){{0,2}}(?:komt|komen)\b"
        rf"|\ber\s+(?:komt|komen)\s+(?:\w+\s+){{0,3}}(?:een|n)\s+{_ATTACK}\b",
        cue=_alt(_SOON, _TARGET),
    ),
    # materials: "hij bouwt een bom", "er liggen explosieven", "kocht ontstekers"
    _rule(
        rf"\b(?:maakt|maken|maakte|gemaakt|bouwt|bouwen|bouwde|gebouwd|bestelt|bestellen"
        rf"|bestelde|besteld|koopt|kopen|kocht|gekocht|verzamelt|verzamelde|verzameld|heeft"
        rf"|hebben|had|ligt|liggen|lag|lagen|gevonden|vond|verstopt|test|testen|getest"
        rf"|opgeslagen|regelt|geregeld)\b{_gap(5)}{_MATERIAL}\b",
        veto=_DEPICTION,
    ),
    # "voor een bom besteld", "hij een bom aan het maken is" (not "hoe je een bom maakt")
    _rule(
        rf"\b(?!je\b|men\b|jij\b|u\b|over\b|van\b)\w+\s+(?:een\s+|n\s+)?{_MATERIAL}{_gap(4)}"
        rf"(?:maakt"
        rf"|maken|gemaakt|bouwt|bouwen|gebouwd|besteld|bestelt|gekocht|koopt|verzameld"
        rf"|liggen|ligt|klaar|klaarliggen|verstopt|getest|in\s+elkaar)\b",
        veto=_DEPICTION,
    ),
    # parts of a bomb with a date: "foto's van pijpen, kruit en draadjes, bijna klaar voor
    # zaterdag", "jerrycans benzine, zaterdag is het zover"
    _rule(rf"\b{_BOMB_PART}(?:\s+\w+){{0,5}}?\s+{_BOMB_PART}\b", cue=_READY,
          veto=_alt(_DEPICTION, _HARMLESS_USE)),
    # pictures of a bomb with a date: "stuurde foto's van een pijpbom, het is bijna klaar"
    _rule(rf"\b(?:foto\w*|beelden|plaatjes|filmpje\w*|video\w*)\s+van\s+(?:\w+\s+){{0,3}}"
          rf"{_MATERIAL}\b", cue=_READY),
    # fuel for arson with a target and a time: "benzine gekocht, vrijdagnacht het azc"
    _rule(rf"\b{_FUEL}\b", cue=(_ARSON_TARGET, _READY), veto=_HARMLESS_USE),
    # target lists and choices: "een dodenlijst", "een doelwit uitgekozen"
    _rule(r"\b(?:dodenlijst|hitlist|kill\s?list)\b"),
    _rule(
        r"\bdoelwit(?:ten)?\s+(?:\w+\s+){0,2}(?:gekozen|uitgekozen|bepaald|uitgezocht"
        r"|vastgesteld)\b"
    ),
    _rule(
        r"\b(?:gekozen|uitgekozen|bepaald|uitgezocht|kiest|kozen)\s+(?:\w+\s+){0,3}"
        r"doelwit(?:ten)?\b"
    ),
    _rule(
        r"\b(?:lijst|lijstje|plattegrond)\s+(?:\w+\s+){0,4}(?:namen|mensen|leerlingen"
        r"|docenten|doelwitten|school|gebouw)\b",
        cue=_alt("aanslag", "aanval", "vermoorden", "doden", "neerschieten", "pakken",
                 "afrekenen", "wraak", "wapens", "tijdstippen", "datum", "doelwit"),
    ),
    # blowing oneself up
    _rule(r"\bzich(?:zelf)?\s+(?:\w+\s+){0,3}(?:op\s+(?:te\s+)?blazen|opblazen|opblaast)\b"),
    # a manifesto with a date
    _rule(r"\bmanifest\b", cue=_SOON),
)

# Family to say goodbye to ("zeg tegen mama dat het me spijt").
_FAMILY = _alt(
    "mama", "mam", "papa", "pap", "ma", "pa", "moeder", "vader", "ouders", r"broer\w*",
    r"zus\w*", "oma", "opa", "familie", "iedereen", r"vriend\w*", "jullie",
)
# High places and railways where someone may jump.
_HEIGHT = _alt(
    r"\w*dak", r"\w*brug", "spoor", "rails", "spoorlijn", "spoorbaan", "spoorrails", "viaduct",
    "reling", "balkon", r"flat\w*", "richel", "vensterbank", "parkeergarage", "perron",
    "raam", "kademuur", "pier",
)
# Words of farewell or despair that make a place or a gift alarming.
_FAREWELL = _alt(
    "niemand", r"spring\w*", "afscheid", r"dreig\w*", r"tegen\s*(?:te\s+)?houden", "tegenhoudt",
    "tegenhield", "laatste", "spijt", "sorry", "vaarwel", r"naar\s+beneden", "dood",
    r"tot\s+ziens", "doei", "gedag", r"bedankt\s+voor\s+alles", "missen", r"zelfmoord\w*",
    r"suicid\w*",
)
# What people give away before they say goodbye.
_BELONGINGS = _alt(
    "spullen", "bezittingen", "kleren", "kleding", "telefoon", "playstation", "laptop",
    "sieraden", "spaargeld", "alles", "knuffels", "boeken", "fiets", "gitaar", "games",
)

# Suicide: a wish or plan to die, or to harm oneself.
SUICIDE_RULES: tuple[_Rule, ...] = (
    *(
        _rule(p)
        for p in (
            # "wil zelfmoord plegen", "overweegt zelfdoding", "dreigt met zelfmoord"
            rf"\b(?:wil|wilt|willen|wou|wilde|gaat|ga|gaan|overweegt|overwegen|overwoog"
            rf"|denkt\s+aan|dacht\s+aan|dreigt|dreigde|dreigd|plannen|plan|van\s+plan)\b{_gap(4)}"
            rf"(?:zelfmoord|zelfmord|zelfmoort|selfmoord|suicide|zelfdoding)\b",
            r"\b(?:zelfmoord|zelfmord|zelfmoort|selfmoord|suicide|zelfdoding)\s+(?:te\s+)?"
            r"(?:plegen|pleegt|gaat\s+plegen|wil\s+plegen|plegen\s+wil|plegen\s+gaat)\b",
            r"\b(?:hij|ze|zij|ie|jongere|leerling|client|zoon|dochter|meisje|jongen|puber)\s+"
            r"(?:\w+\s+){0,2}(?:praat|praatte|begint|begon|heeft\s+het"
            r"|had\s+het|schrijft|schreef|post|postte)\s+(?:\w+\s+){0,3}over\s+(?:zelfmoord"
            r"|suicide|zelfdoding|dood\s+willen|doodgaan|sterven)\b",
            r"\b(?:zelfmoord|suicide|zelfdoding)\s+(?:\w+\s+){0,2}(?:heeft|had)\s+(?:al\s+)?"
            r"(?:een\s+)?(?:plan|plannen)\b",
            # "is suicidaal", "heeft suicidale gedachten"
            r"\b(?:is|lijkt|was|erg|zeer|heel|acuut)\s+(?:\w+\s+){0,2}suicidaal\b",
            r"\bsuicidaal\s+(?:is|lijkt|was)\b",
            r"\b(?:heeft|had|uit|uitte|deelt|deelde|stuurt|stuurde)\s+(?:\w+\s+){0,2}suicidale\s+"
            r"(?:gedachten|uitingen|plannen|uitspraken|berichten)\b",
            # "een eind aan haar leven maken", "zijn leven beeindigen"
            r"\beind(?:e)?\s+aan\s+(?:zijn|haar|zn|mijn|hun|het|z)\s+(?:eigen\s+)?leven\b",
            r"\b(?:zijn|haar|zn|mijn|hun|het)\s+(?:eigen\s+)?leven\s+(?:te\s+)?(?:beeindigen"
            r"|beeindigt|nemen|neemt)\b",
            r"\bzich(?:zelf)?\s+(?:\w+\s+){0,2}van\s+het\s+leven\s+(?:te\s+)?(?:beroven|beroofd)\b",
            # "ze maakt er vanavond een eind aan"
            r"\b(?:ik|hij|ze|zij|ie)\s+(?:\w+\s+){0,3}er\s+(?:\w+\s+){0,2}(?:een\s+)?eind(?:e)?\s+"
            r"aan\s+(?:te\s+)?(?:maken|maakt|maak|gaat\s+maken|wil\s+maken|zal\s+maken)\b",
            r"\b(?:ik|hij|ze|zij|ie)\s+(?:\w+\s+){0,3}maakt?\s+er\s+(?:\w+\s+){0,2}(?:een\s+)?"
            r"eind(?:e)?\s+aan\b",
            # "wil niet meer leven", "wil er niet meer zijn", "dat hij dood wil"
            r"\b(?:wil|wilt|willen|wou|wilde)\s+(?:\w+\s+){0,2}niet\s+meer\s+(?:verder\s+)?"
            r"(?:leven|bestaan|zijn|wakker\s+worden)\b",
            r"\bniet\s+meer\s+(?:verder\s+)?(?:wil|wilt|wou|willen)\s+(?:verder\s+)?(?:leven"
            r"|bestaan|zijn)\b",
            r"\bniet\s+meer\s+(?:verder\s+)?(?:leven|bestaan)\s+(?:wil|wilt|wou|willen)\b",
            # ("ze wil hem dood" and "hem dood maken" are threats to someone else)
            r"\b(?:wil|wilt|willen|wou|wilde)\s+(?:(?!(?:hem|haar|jou|je|jullie|iedereen|hen|ze)\b)"
            r"\w+\s+){0,2}dood\b(?!\s+(?:van|vanwege|maken|te|schieten|steken|slaan)\b)",
            r"\bdood\s+(?:wil|wilt|wou|wilde|willen|te\s+willen)\b",
            r"\b(?:wil|wilt|willen|wou|wilde)\s+(?:\w+\s+){0,2}(?:sterven|doodgaan)\b",
            r"\bom\s+(?:\w+\s+){0,2}(?:dood\s+te\s+gaan|te\s+sterven|er\s+een\s+eind(?:e)?\s+aan"
            r"\s+te\s+maken)\b",
            r"\b(?:liever|beter)\s+dood\b",
            # self-harm: "zichzelf iets aandoen", "zich ophangen", "snijdt zichzelf"
            r"\bzich(?:zelf)?\s+(?:\w+\s+){0,2}(?:iets|wat|pijn)\s+(?:\w+\s+){0,2}(?:aandoen"
            r"|aan\s+(?:te\s+)?(?:gaan\s+|gaat\s+|zal\s+)?doen|te\s+doen|doen|aan\s+doet|aan\s+gaat"
            r"\s+doen)\b",
            r"\bzich(?:zelf)?\s+(?:\w+\s+){0,2}(?:op\s+(?:te\s+)?hangen|ophangen|ophangt|verhangen"
            r"|dood\s+(?:te\s+)?schieten|doodschieten|verwonden|te\s+verwonden|snijden|te\s+snijden"
            r"|van\s+kant\s+(?:\w+\s+){0,2}(?:maken|maakt|te\s+maken))\b",
            r"\b(?:snijdt|snijden|sneed|krast|kerft)\s+(?:\w+\s+){0,2}zich(?:zelf)?\b",
            r"\bzich(?:zelf)?\s+(?:\w+\s+){0,3}(?:voor|van|onder)\s+(?:de|het|een)\s+(?:\w+\s+)?"
            r"(?:trein|metro|dak|brug|flat|balkon|raam|auto|vrachtwagen)\s+(?:\w+\s+){0,2}"
            r"(?:te\s+)?(?:gooien|gooit|werpen|werpt|laten\s+vallen|springen)\b",
            # jumping: "staat op het dak en dreigt te springen", "ik spring voor de trein"
            r"\b(?:ik|hij|ze|zij|ie)\s+(?:spring|springt|gooi|gooit)\s+(?:\w+\s+){0,3}"
            r"(?:voor|van|onder|vanaf|af)\s+(?:de|het|een)\s+(?:\w+\s+)?(?:trein|metro|dak|brug"
            r"|flat|balkon|raam|spoor)\b",
            r"\b(?:dreigt|dreigde|dreigd|wil|wilt|gaat)\s+(?:\w+\s+){0,2}(?:te\s+)?springen\b",
            r"\b(?:van|voor|vanaf|af|op)\s+(?:het|de|een)?\s*(?:dak|brug|flat|trein|balkon|spoor"
            r"|metro)\s+(?:\w+\s+){0,3}(?:te\s+)?(?:springen|springt|gooien|gooit|stappen)\b",
            # means: an overdose, pills saved up, a farewell letter
            r"\boverdosis\s+(?:te\s+)?(?:nemen|neemt|slikken|innemen)\b",
            r"\b(?:neemt|nam|genomen|wil|gaat|dreigt|dreigde)\s+(?:\w+\s+){0,3}overdosis\b",
            r"\boverdosis\s+(?:\w+\s+){0,2}(?:genomen|ingenomen|geslikt)\b",
            r"\bpolsen\s+(?:\w+\s+){0,2}(?:doorgesneden|doorsnijden|door\s+te\s+snijden"
            r"|opengesneden|doorsnijdt)\b",
            r"\b(?:snijdt|sneed)\s+(?:\w+\s+){0,3}polsen\s+(?:door|open)\b",
            r"\bpillen\s+(?:\w+\s+){0,2}(?:gespaard|verzameld|opgespaard|klaarliggen|klaar"
            r"|klaargelegd|geslikt|ingenomen)\b",
            r"\b(?:verzamelt|spaart|spaarde|verzamelde|slikt|slikte)\s+(?:\w+\s+){0,2}pillen\b",
            r"\b(?:afscheidsbrief|zelfmoordbrief)\b",
            # farewell messages: "dit is mijn laatste avond", "zeg tegen mama dat het me spijt",
            # "jullie zijn van me af", "sorry voor alles"
            r"\bafscheids(?:briefje|bericht|berichten|berichtje|video|filmpje|post|appje)\b",
            r"\bdit\s+(?:is|wordt|was)\s+(?:echt\s+)?(?:mijn|mn)\s+laatste\s+(?:avond|dag|nacht"
            r"|bericht|berichtje|appje|app|keer|post|video|woorden)\b"
            r"(?!\s+(?:op|bij|als|met|van|voor|in|thuis|hier)\b)",
            rf"\bzeg\s+(?:\w+\s+){{0,3}}?(?:tegen\s+)?(?:mijn\s+|mn\s+)?{_FAMILY}\s+dat\s+"
            rf"(?:het\s+me\s+(?:\w+\s+)?spijt\b(?!\s+(?:dat|van|voor)\b)"
            rf"|ik\s+(?:\w+\s+){{0,3}}(?:hou|houd)\b|ik\s+sorry\b|sorry\b)",
            r"\b(?:(?:jullie|je|jij|ze|iedereen|u)\s+(?:zijn|bent|is)|(?:zijn|ben|bent|is)\s+"
            r"(?:jullie|je|jij|ze|iedereen|u))\s+(?:\w+\s+){0,3}van\s+(?:me|mij)\s+af\b",
            r"\bniemand\s+(?:\w+\s+){0,2}(?:zal|gaat|zou)\s+(?:me|mij)\s+(?:\w+\s+)?missen\b",
            r"\b(?:jullie|je|u)\s+(?:zien|ziet|horen|hoort)\s+(?:me|mij)\s+(?:\w+\s+)?(?:nooit|niet)"
            r"\s+meer\b",
            r"\b(?:sorry|vergeef\s+(?:me|mij))\s+voor\s+alles\b",
            r"\bvaarwel\s+(?:allemaal|iedereen|wereld|mama|papa|lieve)\b",
            r"\bdit\s+is\s+(?:mijn|mn)\s+afscheid\b",
            # high up or at the rails: "staat op de rand van het dak", "klimt over de reling"
            rf"\bop\s+(?:de|het)\s+(?:rand|randje)\s+van\s+(?:het|de|een)\s+(?:\w+\s+)?"
            rf"{_HEIGHT}\b",
            r"\b(?:over|buiten)\s+de\s+(?:reling|balustrade)\b",
        )
    ),
    # at a dangerous place with an alarming cue: "hij staat bij het spoor en roept dat
    # niemand hem kan tegenhouden", "ze zit op het dak en neemt afscheid"
    _rule(
        rf"\b(?:staat|stond|staan|zit|zat|zitten|klimt|klom|klimmen|hangt|hing|loopt|liep|is"
        rf"|ligt|lag)\s+(?:\w+\s+){{0,3}}(?:op|bij|aan|over|langs|naast|bovenop|onder)\s+"
        rf"(?:het|de|een|die|dat)\s+(?:\w+\s+)?{_HEIGHT}\b",
        cue=_FAREWELL,
    ),
    # "vaarwel", or a handful of pills, with another sign of farewell or a present situation
    _rule(
        r"\bvaarwel\b|\b(?:handvol|hand\s+vol|stapel|hoop|doosjes?|strips?|potje)\s+(?:\w+\s+)?"
        r"(?:pillen|tabletten|medicijnen|slaappillen)\b",
        cue=_alt(_NOW, "pillen", "tabletten", "touw", "laatste", "spijt", "sorry", "afscheid",
                 "niemand", "missen", "dood"),
    ),
    # giving belongings away with a goodbye (not to leave for the front: that is departure)
    _rule(
        rf"\b{_BELONGINGS}\b(?:\s+\w+){{0,3}}?\s+(?:weggegeven|weggeeft|weg\s+(?:te\s+)?geven"
        rf"|weg\s+gegeven|weggeven)\b|\b(?:geeft|gaf)\s+(?:\w+\s+){{0,3}}{_BELONGINGS}\s+"
        rf"(?:\w+\s+){{0,6}}?weg\b",
        cue=_FAREWELL,
        veto=_alt(_ZONE, "front", "broeders", "strijd", "jihad", "strijders"),
    ),
)

# Violence: a person threatens to hurt or kill, or violence is going on now.
VIOLENCE_RULES: tuple[_Rule, ...] = (
    *(
        _rule(p)
        for p in (
            # intention: "hij gaat de school opblazen", "dreigt de docent neer te steken"
            rf"\b{_INTENT}\b{_gap(7)}{_HARM_INF}\b",
            # attacking a place or person: "hij wil vrijdag de moskee aanvallen"
            rf"\b{_INTENT}\b{_gap(6)}(?:{_TARGET}|{_PERSON_TARGET})\s+(?:\w+\s+){{0,2}}"
            rf"(?:aanvallen|aan\s+te\s+vallen|bestormen|te\s+bestormen)\b",
            rf"\b(?:{_TARGET}|{_PERSON_TARGET})\s+(?:\w+\s+){{0,2}}(?:wil|wilt|willen|gaat|gaan"
            rf"|zal|zullen)\s+(?:aanvallen|bestormen)\b",
            # reported speech: "zei dat hij de synagoge opblaast"
            rf"\b{_SAY}\b{_gap(3)}(?:dat\s+)?(?:hij|ze|zij|ie|ik|we|wij)\b{_gap(6)}"
            rf"{_HARM_FINITE}\b",
            # direct speech: "ik vermoord je", "ik maak jullie allemaal af"
            rf"\bik\s+(?:\w+\s+){{0,2}}vermoord\s+{_VICTIM}\b",
            rf"\bik\s+(?:\w+\s+){{0,2}}(?:schiet|steek|maak|sla)\s+{_VICTIM}\s+{_FILLER}"
            rf"(?:af|neer|dood|overhoop|in\s+elkaar)\b",
            r"\bik\s+(?:\w+\s+){0,2}(?:blaas|steek)\s+(?:de|het|jullie|die)\s+(?:\w+\s+)?"
            r"(?:\w+\s+){0,3}(?:op|in\s+de\s+fik|in\s+brand)\b",
            r"\bik\s+weet\s+waar\s+(?:je|jij|u|jullie|hij|ze)\s+(?:woont|wonen|woon)\b",
            # threatening someone: "bedreigt de docent", "ik word bedreigd"
            rf"\b(?:bedreigt|bedreigde|bedreigen|bedreigden)\s+(?:\w+\s+){{0,2}}{_PERSON_TARGET}\b",
            rf"\b{_PERSON_TARGET}\s+(?:\w+\s+){{0,2}}(?:bedreigt|bedreigde|bedreigen|bedreigden)\b",
            r"\b(?:ik|we|wij|hij|ze|zij|iemand|collega|docent|docente|leraar|lerares|mentor|juf"
            r"|meester|leerling|medewerker|jongerenwerker|begeleider|directeur)\s+(?:\w+\s+){0,3}"
            r"(?:word|wordt|werd|worden|werden|ben|is|zijn)\s+(?:(?!zich\b|me\b|mij\b|ons\b)\w+\s+)"
            r"{0,3}bedreigd\b(?!\s+(?:voel\w*|gevoeld)\b)",
            r"\b(?:doods)?bedreiging(?:en)?\s+(?:\w+\s+){0,3}(?:gekregen|ontvangen|gestuurd"
            r"|geuit)\b",
            r"\b(?:krijg|kreeg|kregen|ontving|stuurt|stuurde|uit|uitte)\s+(?:\w+\s+){0,3}"
            r"doodsbedreiging(?:en)?\b",
            # "dreigt met geweld"
            r"\b(?:dreigt|dreigd|dreigde|dreigen|gedreigd)\s+(?:\w+\s+){0,4}met\s+(?:\w+\s+){0,2}"
            r"(?:geweld|de\s+dood|wraak|een\s+aanslag|een\s+bom|schieten|steken|moord)\b",
            # going on now: "er is nu een steekpartij", "er is net iemand neergestoken"
            rf"\b{_NOW}\b{_gap(4)}(?:een\s+)?(?:vechtpartij|steekpartij|schietpartij|knokpartij"
            rf"|schietincident|steekincident|gevecht)\b",
            r"\b(?:vechtpartij|steekpartij|schietpartij|knokpartij|schietincident|steekincident"
            r"|gevecht|gijzeling|aanslag|aanval)\s+(?:\w+\s+){0,3}(?:gaande|bezig"
            r"|aan\s+de\s+gang)\b",
            rf"\b{_NOW}\b{_gap(4)}(?:neergestoken|gestoken|neergeschoten|beschoten|aangevallen"
            rf"|in\s+elkaar\s+geslagen|mishandeld|gegijzeld|gijzeling)\b",
            rf"\b(?:wil|wilt|willen|wou|wilde)\s+(?:\w+\s+)?{_VICTIM}\s+{_FILLER}dood\b",
            # verb last: "dat hij ze allemaal gaat afmaken"
            rf"\b(?:hij|ze|zij|ie|ik|we)\s+{_VICTIM}\s+{_FILLER}(?:gaat|gaan|wil|wilt|zal"
            rf"|zullen)\s+(?:afmaken|doodmaken|vermoorden|neersteken|neerschieten|doodschieten"
            rf"|afknallen|neerknallen|doodslaan)\b",
            # plain statements of danger
            r"\b(?:acuut|direct|onmiddellijk)\s+(?:\w+\s+)?gevaar\b",
            r"\blevensgevaar\b",
            rf"\b(?:door\s+het\s+lint)\b{_gap(6)}(?:iemand|mensen|iedereen)\b",
            # killing or beating up a person, group or name:
            # "hij gaat Daan afmaken", "om zijn docent kapot te maken"
            rf"\b{_INTENT}\s+{_FILLER}{_TARGET_NAMED}\s+{_FILLER}(?:afmaken|af\s+te\s+maken"
            rf"|doodmaken|dood\s+(?:te\s+)?maken|kapotmaken|kapot\s+(?:te\s+)?maken"
            rf"|(?:in\s+elkaar|verrot|kapot)\s+(?:te\s+)?(?:slaan|trappen|schoppen|rammen))\b",
            # ... with the verb last: "dat hij Fatima kapot gaat maken", "dat hij zijn
            # mentor gaat afmaken"
            rf"\b(?:hij|ze|zij|ie|ik|we|wij)\s+{_FILLER}{_TARGET_NAMED}\s+{_FILLER}{_KILL_LAST}\b",
            # said or written in the first person: "ik steek Sem neer", "vanavond trap ik
            # Daan in elkaar", "na het laatste uur maken we die kaaskoppen af"
            rf"\b{_FIRST_PERSON_HIT}\s+(?:(?!{_STOP}\b)\w+\s+){{1,4}}?{_HIT_END}\b",
            rf"\b{_FIRST_PERSON_MAKE}\s+{_FILLER}{_TARGET_NAMED}\s+{_FILLER}(?:af|dood|kapot)\b",
            r"\b(?:ik\s+vermoord|vermoord\s+ik|we\s+vermoorden|vermoorden\s+we)\b",
            # "dat hij de joodse jongens uit zijn klas iets gaat aandoen" (not "er iets aan
            # doen", which is help, nor "zichzelf", which is a suicide rule)
            rf"\b(?:hij|ze|zij|ie)\b(?:\s+(?!{_STOP}\b|er\b|daar\b|hier\b|zich\b|zichzelf\b)"
            rf"\w+){{1,8}}\s+(?:iets|wat|pijn)\s+(?:aan\s+{_AUX}\s+doen|{_AUX}\s+aandoen"
            rf"|aan\s+te\s+doen)\b",
        )
    ),
    # "getting" a person or group, in a concrete situation: "hij schreeuwt nu dat hij die
    # moslims gaat pakken", "ik ga die juf pakken, hij meent het"
    _rule(rf"\b{_INTENT}\s+{_FILLER}{_GRAB_TARGET}\s+{_FILLER}{_GRAB}\b", cue=_CONCRETE),
    _rule(rf"\b(?:ik\s+pak|pak\s+ik|(?:we|wij)\s+pakken|pakken\s+(?:we|wij))\s+{_FILLER}"
          rf"{_GRAB_TARGET}\b", cue=_CONCRETE),
    _rule(
        rf"\b{_GRAB_TARGET}\s+{_FILLER}{_AUX}\s+(?:pakken|grijpen|aanvallen|slopen|afmaken"
        rf"|kapotmaken|kapot\s+maken|te\s+grazen\s+nemen)\b",
        cue=_CONCRETE,
    ),
    # retribution at a set time: "klasgenoten die morgen hun verdiende loon krijgen",
    # "zaterdag gaan ze eraan" (not "de ongelovigen krijgen hun verdiende loon")
    _rule(rf"\b{_FUTURE}\b(?:\s+\w+){{0,4}}?\s+{_RETRIBUTION}\b"),
    _rule(rf"\b{_RETRIBUTION}\b(?:\s+\w+){{0,3}}?\s+{_FUTURE}\b"),
    # "iemand steekt op dit moment iemand neer": harm in the present tense, happening now
    _rule(
        rf"\b(?:iemand|hij|ze|zij|ie|jongen|man|leerling|jongere|een\s+\w+)\s+"
        rf"(?:\w+\s+){{0,2}}{_HARM_FINITE}\b",
        cue=_NOW,
    ),
    # "er gaat nu iets ergs gebeuren": only with a strict "now"
    _rule(
        r"\biets\s+(?:\w+\s+)?(?:ergs|vreselijks|verschrikkelijks|gevaarlijks)\s+"
        r"(?:\w+\s+){0,2}(?:gaat|gaan|zal)\s+(?:\w+\s+)?(?:gebeuren|doen)\b",
        cue=_NOW,
    ),
)

# Departure: leaving (soon) for a conflict zone or to join an armed group.
DEPARTURE_RULES: tuple[_Rule, ...] = (
    # "ze vertrekt morgen naar Syrie", "heeft een ticket naar Irak geboekt", "pakt
    # morgenvroeg de bus om bij de broeders aan het front te gaan"
    _rule(rf"\b{_MOVE}\b{_gap(8)}{_DESTINATION}\b", cue=_DEPARTURE_CUE),
    # left, or leaving, to fight: "is gisteravond in een busje richting het oosten gestapt
    # om mee te vechten"
    _rule(rf"\b{_LEAVE}\b{_gap(10)}{_FIGHT_PURPOSE}\b", veto=_NOT_FIGHTING),
    # a one-way ticket with a time or place: "staat op Schiphol met een enkele reis"
    _rule(
        r"\b(?:enkele\s+reis|enkeltje|one\s+way)\b",
        cue=_alt(_AIRPORT, _SOON, "geboekt", "gekocht", "koffer", "paspoort", "onderweg",
                 "staat", "zit", _ZONE, "turkije", "istanbul", "gaziantep"),
        veto=_alt("studie", "stage", "erasmus", r"emigr\w*", r"verhui\w*", "vakantie",
                  r"terug\w*"),
    ),
    # "dat hij vanavond naar het kalifaat gaat"
    _rule(rf"\b(?:naar|richting)\s+{_ARTICLE}{_ZONE}\b{_gap(4)}(?:te\s+)?{_MOVE}\b",
          cue=_DEPARTURE_CUE),
    # "gaat zich aansluiten bij IS"
    _rule(
        rf"\b(?:aansluiten|aan\s+te\s+sluiten|aansluit|sluit\s+\w+\s+aan)\s+bij\s+{_ARMED_GROUP}\b",
        cue=_DEPARTURE_CUE,
    ),
    _rule(
        rf"\bbij\s+{_ARMED_GROUP}\s+(?:\w+\s+)?(?:aan\s+(?:te\s+)?sluiten|aansluiten|aansluit)\b",
        cue=_DEPARTURE_CUE,
    ),
    # "ze reist dit weekend uit"
    _rule(r"\b(?:uitreist|uitreizen|uit\s+te\s+reizen|uitreisde|reist\s+(?:\w+\s+){0,4}uit)\b",
          cue=_DEPARTURE_CUE),
    # already on the way: "op weg naar de Syrische grens"
    _rule(rf"\b(?:onderweg|op\s+weg|op\s+doorreis)\s+(?:\w+\s+){{0,2}}(?:naar|richting)\s+"
          rf"{_ARTICLE}{_ZONE}\b"),
    # at the airport: "hij staat op Schiphol" (not someone coming back or going on holiday)
    _rule(
        rf"\b(?:hij|ze|zij|ie|leerling|jongen|meisje|zoon|dochter|broer|zus|jongere|client"
        rf"|deelnemer)\b{_gap(3)}(?:staat|zit|is|loopt|wacht|staan|zitten|zijn)\b{_gap(4)}"
        rf"(?:op|in|bij)\s+{_AIRPORT}\b",
        veto=_alt("vakantie", "terug", "teruggekeerd", "terugkomt", "geland", "landt",
                  "aangekomen", "ophalen", "werkt", "stage", "bijbaan"),
    ),
)

# fmt: on

# Verbs of killing or maiming, bare infinitives ("hij gaat ... afmaken").
_KILL_INF = _alt(
    "afmaken",
    "vermoorden",
    "doodmaken",
    "neersteken",
    "doodsteken",
    "neerschieten",
    "doodschieten",
    "afknallen",
    "neerknallen",
    "doodslaan",
    "opblazen",
    "afslachten",
    r"in\s+elkaar\s+(?:slaan|trappen|schoppen)",
    r"in\s+(?:de\s+)?(?:brand|fik)\s+steken",
)
# Things one "finishes" ("afmaken") or "blows up" in a harmless sense.
_TASK = _alt(
    "werkstuk",
    "huiswerk",
    r"opdracht(?:en)?",
    "verslag",
    "project",
    "taak",
    "klus",
    "puzzel",
    "serie",
    "game",
    "spel",
    "level",
    "opleiding",
    "studie",
    "school",
    "havo",
    "vwo",
    "stage",
    "boek",
    "schilderij",
    "tekening",
    "taart",
    "ballon",
    r"ballonnen",
    "foto",
    "plaatje",
)
_VEHICLE = _alt(
    "auto", "busje", "bus", "bestelbus", "bestelauto", "vrachtwagen", "truck", "scooter"
)

# Mechanisms that generalise the rules above (each with fresh tests).
GENERAL_RULES: dict[str, tuple[_Rule, ...]] = {
    "attack_plan": (
        # explosives found or made: "vonden net zelfgemaakte vuurwerkbommen"
        _rule(
            rf"\b(?:vonden|vond|gevonden|ontdekt|ontdekten|zagen|zag|aangetroffen|trof|troffen)"
            rf"\b{_gap(6)}(?:zelfgemaakte\s+|zelf\s+gemaakte\s+)?{_MATERIAL}\b",
            cue=_CONCRETE,
            veto=_WEAPON_SAFE,
        ),
        _rule(rf"\b(?:zelfgemaakte|zelf\s+gemaakte)\s+{_MATERIAL}\b", veto=_WEAPON_SAFE),
        _rule(
            r"\bhandleiding\s+(?:\w+\s+){0,3}(?:bom|bommen|explosie\w*|springstof\w*)\b",
            cue=_CONCRETE,
        ),
        # ramming a crowd: "zaterdag met een auto op de demonstratie inrijden"
        _rule(
            rf"\bmet\s+(?:een|de|zijn|haar|hun|z'n|zn)\s+(?:\w+\s+)?{_VEHICLE}\b{_gap(8)}"
            rf"(?:inrijden|in\s+te\s+rijden|inrijdt|inrijdt|in\s+rijden|inrammen|in\s+rammen)\b",
            cue=_SOON,
        ),
    ),
    "weapon": (
        # weapons shown with a time: "foto's van messen met de tekst 'binnenkort'"
        _rule(
            rf"\b(?:foto|fotos|foto's|filmpje|filmpjes|video|videos|laat|liet|lieten|toont"
            rf"|toonde|deelt|deelde|stuurt|stuurde)\b{_gap(6)}{_WEAPON}\b",
            cue=_FUTURE,
            veto=_WEAPON_SAFE,
        ),
    ),
    "violence": (
        # reported threat to kill or maim anyone: "appte net dat hij die raad gaat afmaken"
        _rule(
            rf"\b{_SAY}\b{_gap(3)}(?:dat\s+)?(?:hij|ze|zij|ie|ik|we|wij)\b{_gap(6)}"
            rf"(?:gaat|gaan|ga|wil|wilt|willen|zal|zullen)\s+{_KILL_INF}\b",
            cue=_CONCRETE,
            veto=_TASK,
        ),
    ),
}

_RULES: dict[str, tuple[_Rule, ...]] = {
    "attack_plan": (*ATTACK_PLAN_RULES, *GENERAL_RULES["attack_plan"]),
    "weapon": (*WEAPON_RULES, *GENERAL_RULES["weapon"]),
    "suicide": SUICIDE_RULES,
    "violence": (*VIOLENCE_RULES, *GENERAL_RULES["violence"]),
    "departure": DEPARTURE_RULES,
}

# ---------------------------------------------------------------------------------------
# Guards: the clause before a match says it is hypothetical, a discussion, generic or past
# ---------------------------------------------------------------------------------------

# Conditions. A strict "now" later in the clause still makes the match count.
_HYPOTHETICAL = re.compile(
    r"\b(?:stel|stel\s+dat|gesteld\s+dat|indien|mocht|mochten|voor\s+het\s+geval"
    r"|wat\s+(?:doe|doen|moet|moeten|kan|kunnen|zou|zouden)\s+(?:ik|je|jij|we|wij|u|men)\s+"
    r"(?:\w+\s+){0,2}als|als\s+ik\s+(?:denk|vermoed|twijfel|merk|zie|hoor)"
    r"|in\s+het\s+geval|wat\s+(?:nou\s+)?als|als\s+(?:een|je|jij|iemand|er|jongeren"
    r"|leerlingen|kinderen|de|men|u)|wanneer|stel\s+je\s+voor|zou\s+(?:je|jij|men|u)"
    r"|hypothetisch)\b"
    # a question with a condition: "kan hij geschorst worden als hij een mes bij zich had"
    r"|^(?:kan|kun|kunnen|mag|mogen|moet|moeten|is|zijn|wordt|worden|wat|hoe|waar|wie)\b"
    r".*\bals\b"
)

# Discussion, teaching, news, signals, how-to questions. These cannot be overridden.
_DISCUSSION = re.compile(
    r"\b(?:hoe\s+(?:\w+\s+){0,3}(?:je|jij|men|jullie|u)"
    r"|hoe\s+(?:\w+\s+){0,2}(?:herken|herkennen|voorkom|voorkomen|signaleer|signaleren"
    r"|bespreek|bespreken|bespreekbaar|uitleggen|leg)"
    r"|(?:wat|welke)\s+(?:\w+\s+){0,2}(?:signalen|kenmerken|tekenen|risicofactoren|verschil"
    r"|definitie|betekent|betekenis)"
    r"|signalen|kenmerken|herkennen|hoeveel|hoe\s+vaak|steeds\s+(?:meer|vaker)"
    r"|tegenwoordig|in\s+het\s+algemeen"
    r"|hoe\s+(?:ga|gaan|moet|moeten|kan|kunnen)\s+(?:ik|je|we|wij|u)\s+(?:\w+\s+)?om\s+met"
    r"|omgaan\s+met|(?:wat|welke)\s+(?:\w+\s+){0,2}(?:triggers|factoren|oorzaken)"
    r"|wat\s+(?:maakt|zorgt)\s+(?:\w+\s+){0,2}(?:dat|ervoor)"
    r"|(?:praten|praat|praatten|praatte|discussieren|discussie|debat|debatteren|hadden\s+het"
    r"|hebben\s+het|vragen|vroegen)\s+(?:\w+\s+){0,2}over"
    r"|(?:in|op|uit)\s+(?:het|de)\s+(?:nieuws|journaal|krant|media)|nieuws|journaal"
    r"|lesbrief|lespakket|lesmateriaal|werkstuk|spreekbeurt|geschiedenisles"
    r"|is\s+het\s+strafbaar|strafbaar|wetgeving)\b"
    # an opinion, not a threat: "hij zegt dat het prima is om ... in elkaar te slaan"
    r"|\b(?:prima|terecht|normaal|oke|ok|geoorloofd|gerechtvaardigd|toegestaan)"
    r"(?:\s+(?:is|was|zijn|vindt|vond))?(?:\s+om)?\s*$"
)

# Generic talk about young people, and "waarom": not acute, unless a strict "now" says a
# real situation is going on ("er staan nu jongeren die roepen dat ...").
_GENERIC = re.compile(
    r"\b(?:waarom|veel\s+(?:jongeren|leerlingen|kinderen|pubers)"
    r"|(?<!\btwee\s)(?<!\bdrie\s)(?<!\bde\s)(?<!\bdeze\s)(?<!\bmijn\s)(?<!\bonze\s)"
    r"(?:jongeren|leerlingen|kinderen|pubers|tieners)\s+die)\b"
)

# Trends and statistics, even inside the match ("jongeren hebben tegenwoordig een mes").
_TREND = re.compile(
    r"\b(?:tegenwoordig|steeds\s+(?:meer|vaker)|in\s+het\s+algemeen|hoeveel|gemiddeld"
    r"|statistiek\w*|procent|landelijk)\b"
)

# Clearly in the past. A strict "now" in the clause overrides.
_PAST = re.compile(
    r"\b(?:vorig\s+jaar|vorige\s+maand|jaren\s+geleden|maanden\s+geleden|destijds"
    r"|in\s+het\s+verleden|toen\s+ik|ooit|was\s+van\s+plan|waren\s+van\s+plan"
    r"|in\s+\d{4})\b"
)

# Negation directly before the match. "Ik weet niet of ..." is doubt, not negation.
_NEGATION = re.compile(
    r"\b(?:geen|nooit|nergens|zonder|niks|niets|ontkent|ontkende"
    r"|niet(?!\s+(?:zeker|of|wat|hoe|meer|waar|wie|precies|tegen\w*|stoppen|kalmeren"
    r"|bereiken|vinden|houden|alleen|zomaar|normaal|goed)\b))\b"
)
# ... but "geen idee", "geen grap" and the like negate nothing that follows.
_NOT_NEGATING = re.compile(
    r"\bgeen\s+(?:flauw\s+)?(?:idee|grap|geintje|tijd|keus|keuze|contact|antwoord|reactie)\b"
)
_NOW_RE = re.compile(rf"\b{_NOW}\b")
_SAY_RE = re.compile(rf"\b{_SAY}\b")

# A request for help. It never cancels a concrete situation before it ("... hij is nog in
# het gebouw. Wat moet ik doen?"), and its "nu" is not a sign of a present situation.
_HELP_REQUEST = re.compile(
    r"\bwat\s+(?:moet|moeten|kan|kunnen|doe|doen|zal|zullen)\s+(?:ik|we|wij|je|u)\s+(?:nu|nou)\b"
    r"|\bwat\s+(?:nu|nou)\b|\bhoe\s+(?:nu|nou)\s+verder\b|\b(?:nu|nou)\s+doen\b"
)

# Framing of the whole message as a general or hypothetical question: then nothing in it
# is acute. Only phrases that cannot describe a real, present situation; "stel dat" and
# "wat als" count when they open the message ("Stel dat hij het meent" after a threat is a
# worry about a real threat). Conditions inside a sentence are handled by _HYPOTHETICAL.
_GENERAL_FRAME = re.compile(
    r"\b(?:in\s+het\s+algemeen|algemene\s+vraag|ik\s+wil\s+het\s+(?:gewoon\s+|alleen\s+)?weten"
    r"|(?:gewoon\s+)?uit\s+(?:nieuwsgierigheid|interesse)|het\s+speelt\s+(?:\w+\s+){0,2}niet"
    r"|(?:is|speelt)\s+(?:nu\s+|op\s+dit\s+moment\s+)?niet\s+(?:acuut|aan\s+de\s+orde)"
    r"|(?:puur\s+|even\s+)?hypothetisch|theoretisch|er\s+is\s+(?:nu\s+)?(?:nog\s+)?niets"
    r"\s+(?:aan\s+de\s+hand|gebeurd))\b"
    r"|^(?:stel|gesteld|wat\s+(?:nou\s+)?als)\b"
)
_NEGATION_WINDOW = 4  # words before a match that are checked for negation

# Words that start a new clause. "maar" and "want" also end a hypothetical frame.
_CLAUSE_WORDS = frozenset({"en", "maar", "want"})
_TURN_WORDS = frozenset({"maar", "want"})


def _is_guarded(clause: str, sentence: str, matched: str) -> bool:
    """Return True when the text before a match makes the match not acute.

    Args:
        clause: the words of the clause before the match (negation, discussion, past).
        sentence: the words of the sentence before the match, from the last "maar" or
            "want" on (a condition such as "stel dat ..." covers the whole sentence).
        matched: the matched text itself.

    """
    window = _NOT_NEGATING.sub(" ", " ".join(clause.split()[-_NEGATION_WINDOW:]))
    if _NEGATION.search(window):
        return True
    if _DISCUSSION.search(clause) or _TREND.search(matched):
        return True
    now_in_match = _NOW_RE.search(matched)
    if _GENERIC.search(clause) and not (now_in_match or _NOW_RE.search(clause)):
        return True
    hypothetical = _HYPOTHETICAL.search(sentence)
    # a condition inside what someone said is part of the threat: "hij zegt dat als ze
    # naar de politie gaat, hij haar vermoordt"
    reported = hypothetical and _SAY_RE.search(sentence, 0, hypothetical.start())
    if (
        hypothetical
        and not reported
        and not (now_in_match or _NOW_RE.search(sentence, hypothetical.end()))
    ):
        return True
    past = _PAST.search(clause) or _PAST.search(matched)
    return bool(past and not (now_in_match or _NOW_RE.search(clause)))


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


def _sentences(text: str) -> list[_Sentence]:
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
                if words and token in _CLAUSE_WORDS:
                    clauses.append(offset)
                if words and token in _TURN_WORDS:
                    turns.append(offset)
                words.append(token)
                offset += len(token) + 1
        if words:
            result.append(_Sentence(" ".join(words), tuple(clauses), tuple(turns)))
    return result


def _context(sentences: list[_Sentence]) -> str:
    """Return the words of the whole message in which the cues of the rules are searched.

    The "nu" of a help request ("wat moet ik nu doen?", "wat nu?") says nothing about the
    situation and is left out.
    """
    return " | ".join(_HELP_REQUEST.sub(" ", sentence.text) for sentence in sentences)


def _rule_fires(rule: _Rule, sentence: _Sentence, context: str) -> bool:
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
        if not _is_guarded(text[clause:at], text[turn:at], match.group(0)):
            return True
    return False


def assess_acute(text: str) -> AcuteAssessment:
    """Judge whether a Dutch message describes acute danger.

    The check runs on every message, before and independently of the intent classifier.
    When several categories match, the first in :data:`REASONS` is reported.

    Args:
        text: the message as typed by the user.

    Returns:
        ``AcuteAssessment(True, reason)`` when acute, else ``AcuteAssessment(False, None)``.

    >>> assess_acute("Een leerling heeft een mes bij zich!")
    AcuteAssessment(acute=True, reason='weapon')
    >>> assess_acute("Hoe bespreek ik de aanslag in de klas?")
    AcuteAssessment(acute=False, reason=None)

    """
    normalised = normalise(text)
    if _GENERAL_FRAME.search(normalised):
        return AcuteAssessment(False, None)
    sentences = _sentences(normalised)
    context = _context(sentences)
    for reason in REASONS:
        for rule in _RULES[reason]:
            if any(_rule_fires(rule, sentence, context) for sentence in sentences):
                return AcuteAssessment(True, reason)
    return AcuteAssessment(False, None)
