"""Dutch text normalisation shared by routing and safety checks."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+")

# Function words that carry no topic; kept short on purpose (topic words such as
# "niet" or "geen" are left in, they matter for meaning elsewhere).
STOPWORDS = frozenset(
    [
        "de",
        "het",
        "een",
        "en",
        "of",
        "maar",
        "dat",
        "die",
        "dit",
        "deze",
        "wat",
        "wie",
        "waar",
        "hoe",
        "wanneer",
        "waarom",
        "welke",
        "ik",
        "je",
        "jij",
        "u",
        "we",
        "wij",
        "ze",
        "zij",
        "hij",
        "zijn",
        "haar",
        "hun",
        "mijn",
        "mij",
        "me",
        "ons",
        "onze",
        "jullie",
        "zich",
        "is",
        "ben",
        "bent",
        "was",
        "waren",
        "wordt",
        "worden",
        "word",
        "heb",
        "hebt",
        "heeft",
        "hebben",
        "had",
        "kan",
        "kun",
        "kunnen",
        "moet",
        "moeten",
        "mag",
        "zou",
        "zouden",
        "wil",
        "wilt",
        "willen",
        "ga",
        "gaat",
        "gaan",
        "doe",
        "doet",
        "doen",
        "in",
        "op",
        "aan",
        "van",
        "voor",
        "met",
        "bij",
        "naar",
        "om",
        "over",
        "uit",
        "tot",
        "door",
        "als",
        "dan",
        "ook",
        "nog",
        "al",
        "er",
        "te",
        "zo",
        "heel",
        "erg",
        "wel",
        "toch",
        "even",
        "eens",
        "iets",
        "iemand",
        "er",
        "hier",
        "daar",
        "nu",
    ]
)


def fold(text: str) -> str:
    """Lowercase, strip accents and collapse white space."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("dutch")


def terms(text: str) -> list[str]:
    """Split text into stemmed Dutch content words for lexical retrieval."""
    words = [w for w in _WORD.findall(fold(text)) if w not in STOPWORDS and len(w) > 1]
    return list(_stemmer().stemWords(words))
