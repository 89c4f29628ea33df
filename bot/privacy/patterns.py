"""Deduce configuration for the gaps plain deduce 3.0.3 leaves in chat messages.

Plain deduce is built for Dutch medical records. Measured on the messages in
``tests/privacy/messages.yml`` it misses ages written as "(15)", "een jongen van
15" or "De 15-jarige" ("de" counts as a duration word), school and other
institution names, place names that are also common words ("in Leiden"),
neighbourhoods, social-media handles, IBANs, licence plates and e-mail addresses
outside a few top-level domains. :func:`extra_annotators` returns deduce
annotator definitions (the ``annotators`` section of a deduce config) that close
those gaps with deduce's own annotator classes; :data:`OVERRIDES` widens two
base annotators. Every tag becomes ``[TAG-n]`` in the redacted text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# A capitalised word or a Roman numeral ("Koning Willem I College").
_NAME = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|I{1,3}|IV|VI{0,3})"
# Small words inside names ("Hogeschool van Amsterdam", "Alphen aan den Rijn").
_LINK = r"(?:van|de|der|den|het|'t|en|aan|op|la|le|el|al)"
# Small words inside people's names ("Anouk van de Berg", "Rachid El Idrissi").
_NAME_LINK = r"(?:van|de|der|den|ter|ten|te|el|El|al|Al|ben|bin|da|di|du|le|la|von|'t)"
# Words that start sentences and are no part of a name.
_NOT_A_NAME = (
    r"(?!(?:Het|De|Een|Dit|Deze|Die|Dat|Onze|Ons|Mijn|Zijn|Haar|Hun|Jullie|Welk|Welke|"
    r"Elk|Elke|Op|In|Bij|Naar|Voor|Over|Wat|Hoe|Waar|Wie|Is|Er|Ik|Wij|We|Zij|Ze|Hij|"
    r"Als|Maar|En|Of|Ook|Nog|Geen|Alle|Veel)\b)"
    # the services the advice line itself names
    r"(?!(?:Veilig Thuis|Landelijk Steunpunt|Meld Misdaad|Zorg- en Veiligheidshuis|"
    r"Raad voor de Kinderbescherming|Platform JEP|ESS|LSE|Forsa|Advieslijn)\b)"
)
# Kinds of institution that come after their name ("Da Vinci College", "As-Soennah moskee").
_KIND_AFTER = (
    r"(?:[Cc]ollege|[Ll]yceum|[Gg]ymnasium|[Aa]theneum|[Ss]cholengemeenschap|[Ss]chool|"
    r"[Aa]cademie|[Ii]nstituut|[Cc]ampus|[Mm]oskee|[Kk]erk|[Ss]ynagoge|[Mm]oskeevereniging)"
)
# Kinds of institution that come before their name ("basisschool De Regenboog").
_KIND_BEFORE = (
    r"(?i:basisschool|school|obs|cbs|pcbs|rkbs|kbs|ikc|kindcentrum|scholengemeenschap|"
    r"lyceum|college|gymnasium|mavo|vmbo|hogeschool|universiteit|moskee|moskeevereniging|"
    r"kerk|jongerencentrum|jeugdcentrum|buurthuis|wijkcentrum|jeugdhonk|"
    r"voetbalvereniging|voetbalclub|sportvereniging|sportschool|vereniging|stichting|"
    r"vv|sv|rksv|rkvv|fc|gezinshuis|leefgroep|woongroep|instelling)"
)
# Compass points and the like that end a school name ("Montessori College Oost").
_SUFFIX = r"(?:\s+(?:Oost|West|Noord|Zuid|Centrum|Stad|Zuidoost|Noordwest|[A-Z]{1,3}\b))?"
# Person nouns that take an age: "een jongen van 15".
_PERSON_NOUN = (
    r"(?:jongen|jongens|meisje|meisjes|meid|knul|leerling|jongere|zoon|zoontje|dochter|"
    r"dochtertje|kind|kindje|broer|broertje|zus|zusje|neef|nicht|jongeman|student|studente|"
    r"cliënt|client|cliënte|puber|tiener|pupil|deelnemer|vriend|vriendin|kleinzoon|"
    r"kleindochter)"
)
# Counted things that show a number is no age.
_NOT_AN_AGE = (
    r"(?!\s*(?:uur|min|minuten|seconden|euro|procent|%|keer|dagen|weken|maanden|kilo|km|"
    r"meter|leerlingen|jongeren|kinderen|personen|mensen|man|vrouwen|berichten|filmpjes)\b)"
)
_NUMBER_WORDS = (
    r"(?:negen|tien|elf|twaalf|dertien|veertien|vijftien|zestien|zeventien|achttien|"
    r"negentien|twintig|eenentwintig|tweeëntwintig|drieëntwintig|vierentwintig)"
)
# Dutch licence plates: the side codes in use, letters (L) and digits (D).
_PLATE_CODES = (
    "LL-DD-DD",
    "DD-DD-LL",
    "DD-LL-DD",
    "LL-DD-LL",
    "LL-LL-DD",
    "DD-LL-LL",
    "DD-LLL-D",
    "D-LLL-DD",
    "LL-DDD-L",
    "L-DDD-LL",
    "LLL-DD-L",
    "D-LL-DDD",
    "DDD-LL-D",
    "L-DD-LLL",
)
_PLATFORMS = (
    r"(?i:snapchat|snap|insta|instagram|tiktok|telegram|discord|twitter|youtube|twitch|"
    r"facebook|reddit|gebruikersnaam|username|accountnaam|account|profiel|kanaal|naam|"
    r"nickname|bijnaam|gamertag)"
)
_TLDS = (
    r"(?:com|net|org|co|us|uk|nl|be|fr|de|eu|es|it|sp|gov|nu|io|info|me|tv|app|online|"
    r"site|xyz|ru|ch|at|biz)"
)


def _plate_pattern() -> str:
    parts = [
        "-".join(("[A-Z]" if g[0] == "L" else r"\d") + f"{{{len(g)}}}" for g in code.split("-"))
        for code in _PLATE_CODES
    ]
    return r"(?<![\w-])(" + "|".join(parts) + r")(?![\w-])"


def _regexp(pattern: str, tag: str, group: int = 0, priority: int = 0) -> dict[str, Any]:
    return {
        "annotator_type": "docdeid.process.RegexpAnnotator",
        "group": "advieslijn",
        "args": {
            "regexp_pattern": pattern,
            "capturing_group": group,
            "tag": tag,
            "priority": priority,
        },
    }


def _alternatives(names: Iterable[str]) -> str:
    ordered = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
    return "|".join(r"\s+".join(_escape_words(n)) for n in ordered)


def _escape_words(name: str) -> list[str]:
    return [re.escape(word) for word in name.split()]


# Changes to deduce's base annotators.
OVERRIDES: dict[str, Any] = {
    "email": {
        "args": {
            "regexp_pattern": (
                r"(([-a-zA-Z0-9:%._\+~#=]{1,256})@([-a-zA-Z0-9:%._\+~#=]{1,256})"
                r"(\.)([a-zA-Z]{2,24}))(?![\w])"
            ),
            "pre_match_words": None,
        }
    },
    "url": {
        "args": {
            "regexp_pattern": (
                r"((https?:\/\/(?:www\.)?)?([-a-zA-Z0-9:%._\+~#=]{1,256})(\.)"
                + _TLDS
                + r"(\b)([():%_\+.~,@]*[-a-zA-Z0-9#?&/=@_]+)*)"
            ),
            "pre_match_words": None,
        }
    },
}

# Institution names win over the name parts deduce sees in them ("de As-Soennah moskee").
INSTITUTION_PRIORITY = 2
# Words after which a capitalised word is someone's name ("mijn leerling Ilias").
_NAME_CUE = (
    r"(?:leerling|leerlinge|cliënt|client|cliënte|pupil|zoon|zoontje|dochter|neef|nicht|"
    r"broer|broertje|zus|zusje|vader|moeder|oom|tante|opa|oma|collega|mentor|juf|meester|"
    r"meneer|mevrouw|heet|heette|genaamd|naam is|ik ben|jongen|meisje|jongere|student|"
    r"studente|vriend|vriendje|vriendin|buurjongen|buurmeisje|familie)"
)

# The tags already in a text ("[PERSOON-1]") are kept as they are.
TAG_PATTERN = r"\[(?:[A-Z_]+-\d+|PATIENT)\]"
KEEP_TAG = "_tag"


def extra_annotators(common_word_places: Iterable[str], places: Iterable[str]) -> dict[str, Any]:
    """Return the annotator definitions Advieslijn adds to deduce.

    Args:
        common_word_places: place names deduce drops because they are also common
            words ("Leiden"); they count as places only after a preposition.
        places: further place names (neighbourhoods, everyday names), always places.

    """
    annotators: dict[str, Any] = {
        "existing_tags": _regexp(TAG_PATTERN, KEEP_TAG, priority=1000),
        # Names after a word that announces one.
        "name_after_cue": _regexp(
            r"(?i:\b"
            + _NAME_CUE
            + r")\s+("
            + _NOT_A_NAME
            + _NAME
            + r"(?:\s+(?:"
            + _NAME_LINK
            + r"\s+){0,2}"
            + _NAME
            + r"){0,3})",
            "persoon",
            1,
        ),
        "lowercase_name_after_cue": {
            "annotator_type": "bot.privacy.annotators.LowercaseNameAnnotator",
            "group": "advieslijn",
            "args": {
                "cue_pattern": r"(?i)\b" + _NAME_CUE + r"\s+",
                "lookups": ["first_name", "surname"],
                "tag": "persoon",
            },
        },
        "lowercase_place_after_preposition": {
            "annotator_type": "bot.privacy.annotators.LowercaseNameAnnotator",
            "group": "advieslijn",
            "args": {
                "cue_pattern": r"(?i)\b(?:in|uit|naar|te|bij|rond|nabij|vanuit)\s+",
                "lookups": ["placename"],
                "tag": "locatie",
                "max_words": 1,
            },
        },
        # Ages.
        "age_jarige": _regexp(r"(?i)(?<![\w,.])(\d{1,2})[ -]?jarige?n?(?!\w)", "leeftijd", 1),
        "age_words": _regexp(r"(?i)\b(" + _NUMBER_WORDS + r")\s+jaar\b", "leeftijd", 1),
        "age_words_jarige": _regexp(r"(?i)\b" + _NUMBER_WORDS + r"-?jarige?n?\b", "leeftijd"),
        "age_brackets": _regexp(
            r"\((?:\s*[mvjMVJ]\s*[,/]\s*)?(\d{1,2})(?:\s*(?:jaar|jr\.?))?(?=\s*[,/)])",
            "leeftijd",
            1,
        ),
        "age_person_of": _regexp(
            r"(?:\b" + _PERSON_NOUN + r"|\b[A-ZÀ-Þ][\w-]+)\s+van\s+(?:pas\s+|net\s+|bijna\s+|"
            r"ruim\s+|amper\s+)?(\d{1,2})(?![\d.,:]\d)\b" + _NOT_AN_AGE,
            "leeftijd",
            1,
        ),
        "age_is": _regexp(
            r"(?i)\b(?:is|was|wordt|werd|ben|zijn)\s+(?:pas\s+|net\s+|bijna\s+|al\s+|amper\s+)?"
            r"(\d{1,2})(?=\s*(?:[.,;!?)]|$|\s+(?:en|of|maar|dus|jaar|geworden)\b))",
            "leeftijd",
            1,
        ),
        "age_label": _regexp(r"(?i)\bleeftijd\s*:?\s*(\d{1,2})\b", "leeftijd", 1),
        # Schools, mosques, clubs and other institutions.
        "institution_kind_after": _regexp(
            r"\b("
            + _NOT_A_NAME
            + _NAME
            + r"(?:\s+(?:"
            + _LINK
            + r"\s+)?"
            + _NAME
            + r"){0,3}\s+"
            + _KIND_AFTER
            + _SUFFIX
            + r")(?!\w)",
            "instelling",
            1,
            INSTITUTION_PRIORITY,
        ),
        "institution_kind_before": _regexp(
            r"\b"
            + _KIND_BEFORE
            + r"\s+((?:(?:de|het|'t|De|Het|'T)\s+)?"
            + _NOT_A_NAME
            + _NAME
            + r"(?:\s+(?:"
            + _LINK
            + r"\s+)?"
            + _NAME
            + r"){0,3})",
            "instelling",
            1,
            INSTITUTION_PRIORITY,
        ),
        "institution_one_word": _regexp(
            r"\b(?!(?:Basis|Hoge|Middelbare|Vak|Praktijk|Brede|Muziek|Dans|Rij|Sport|Zomer|"
            r"Taal|Kunst|Zondags|Koran)(?:school|college)\b)"
            r"([A-ZÀ-Þ][a-zà-ÿ]+(?:college|lyceum|gymnasium|school|scholengemeenschap))\b",
            "instelling",
            1,
            INSTITUTION_PRIORITY,
        ),
        "institution_roc": _regexp(
            r"\b((?:ROC|MBO|Mbo)\s+(?:van\s+)?" + _NAME + r"(?:\s+" + _NAME + r"){0,2})",
            "instelling",
            1,
            INSTITUTION_PRIORITY,
        ),
        "institution_context": _regexp(
            r"\b(?:leerling(?:en)?|docent(?:en)?|mentor|leraar|lerares|juf|meester|directeur|"
            r"conciërge|zit|zat|zitten|werk|werkt|werken|ga|gaat|gaan|van)\s+(?:op|bij|van)\s+"
            r"((?:De|Het|'t)\s+" + _NAME + r"(?:\s+" + _NAME + r"){0,2})",
            "instelling",
            1,
            INSTITUTION_PRIORITY,
        ),
        # Places.
        "place_where_someone_lives": _regexp(
            r"\b(?:woont|wonen|woonde|woonden|komt|komen|kwam|afkomstig|geboren|opgegroeid)"
            r"\s+(?:hier\s+)?(?:in|uit|te)\s+(?:de\s+|het\s+)?("
            + _NOT_A_NAME
            + _NAME
            + r"(?:\s+(?:"
            + _LINK
            + r"\s+)?"
            + _NAME
            + r"){0,3})",
            "locatie",
            1,
        ),
        # Streets without a house number (deduce drops those).
        "street_name": _regexp(
            r"\b([A-ZÀ-Þ][a-zà-ÿ]+(?:straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|"
            r"steeg|plantsoen|markt))\b",
            "locatie",
            1,
        ),
        "neighbourhood": _regexp(
            r"\b(?:wijk|buurt|stadsdeel|woonwijk|dorp|gemeente|Gemeente)\s+((?:de\s+|het\s+)?"
            + _NOT_A_NAME
            + _NAME
            + r"(?:\s+(?:"
            + _LINK
            + r"\s+)?"
            + _NAME
            + r"){0,2})",
            "locatie",
            1,
        ),
        "neighbourhood_suffix": _regexp(
            r"\b([A-ZÀ-Þ][a-zà-ÿ]+(?:wijk|buurt|kwartier|eiland))\b", "locatie", 1
        ),
        # Identifiers.
        "iban": _regexp(
            r"(?<![\w])([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?)(?![\w])",
            "iban",
            1,
            priority=10,
        ),
        "phone_international": _regexp(
            r"(?<![\w+])(\+\d{2,3}[\s-]?(?:\(0\)[\s-]?)?\d(?:[\s-]?\d){6,11})(?!\d)",
            "telefoonnummer",
            1,
            priority=5,
        ),
        "licence_plate": _regexp(_plate_pattern(), "kenteken", 1, priority=10),
        "handle": _regexp(
            r"(?<![\w@.])(@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)", "account", 1, 5
        ),
        "handle_after_platform": _regexp(
            r"\b" + _PLATFORMS + r"(?:-account|account)?\s*(?:is|:|=|heet|genaamd)?\s*"
            r"(?:de naam\s+)?['\"]?([A-Za-z][A-Za-z0-9]*(?:[_.\d][A-Za-z0-9]*)+)",
            "account",
            1,
            5,
        ),
    }
    everyday = _alternatives(places)
    if everyday:
        annotators["places_list"] = _regexp(r"(?<![\w-])(" + everyday + r")(?![\w])", "locatie", 1)
    ambiguous = _alternatives(common_word_places)
    if ambiguous:
        annotators["places_after_preposition"] = _regexp(
            r"\b(?:in|uit|naar|te|bij|rond|rondom|nabij|omgeving|regio|richting|vanuit|"
            r"gemeente|Gemeente)\s+(" + ambiguous + r")\b",
            "locatie",
            1,
        )
    return annotators
