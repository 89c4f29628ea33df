"""Deduce annotators and processors of Advieslijn's own (named by class path in the config).

Imported only while :func:`bot.privacy._build` builds the model, so deduce and docdeid
load with it and not before.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from deduce.redactor import DeduceRedactor
from docdeid.annotation import Annotation, AnnotationSet
from docdeid.process.annotation_processor import AnnotationProcessor
from docdeid.process.annotator import Annotator
from rapidfuzz.distance import DamerauLevenshtein

from bot.privacy.patterns import KEEP_TAG

_NUMBERED_TAG = re.compile(r"\[([A-Z_]+)-(\d+)\]")
_LINK_WORDS = frozenset({"van", "de", "der", "den", "el", "al", "ben", "bin", "ter", "ten", "la"})
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


class LowercaseNameAnnotator(Annotator):
    """Names typed in lower case after a word that announces one ("mijn leerling mohammed").

    Deduce's name lists match capitalised names only. After a cue word, up to
    ``max_words`` following words are taken as a name while each one, capitalised,
    is in one of deduce's name lists (``lookups``) and is no common word; small
    words such as "el" or "van" count between two such words.
    """

    def __init__(
        self,
        cue_pattern: str,
        lookups: list[str],
        ds: Any,
        tag: str,
        max_words: int = 4,
        priority: int = 0,
    ) -> None:
        self.cue = re.compile(cue_pattern)
        self.tries = [ds[name] for name in lookups]
        self.whitelist = ds["whitelist"]
        self.max_words = max_words
        super().__init__(tag=tag, priority=priority)

    def _is_name(self, word: str) -> bool:
        if word.lower() in self.whitelist:
            return False
        candidates = (word.capitalize(), word)
        return any([c] in trie for trie in self.tries for c in candidates)

    def annotate(self, doc: Any) -> list[Any]:
        """Annotate each run of name words that follows a cue."""
        annotations = []
        text = doc.text
        for cue in self.cue.finditer(text):
            position, start, end, pending = cue.end(), None, None, 0
            for _ in range(self.max_words):
                word = _WORD.match(text, position)
                if word is None:
                    break
                if self._is_name(word.group()):
                    start = word.start() if start is None else start
                    end, pending = word.end(), 0
                elif start is not None and word.group().lower() in _LINK_WORDS and pending == 0:
                    pending = 1
                else:
                    break
                gap = re.match(r"[ \t]+", text[word.end() :])
                if gap is None:
                    break
                position = word.end() + gap.end()
            if start is not None and end is not None:
                annotations.append(
                    Annotation(
                        text=text[start:end],
                        start_char=start,
                        end_char=end,
                        tag=self.tag,
                        priority=self.priority,
                    )
                )
        return annotations


class DropFragments(AnnotationProcessor):
    """Drop the leftovers of overlap resolution that hold no name ("de ", "van het ")."""

    def process_annotations(self, annotations: Any, text: str) -> Any:
        """Keep annotations that contain more than small words and spaces."""
        return AnnotationSet(
            a
            for a in annotations
            if a.tag == KEEP_TAG
            or any(w.lower() not in _LINK_WORDS | {"het", "'t"} for w in _WORD.findall(a.text))
            or re.search(r"\d", a.text)
        )


class TagKeepingRedactor(DeduceRedactor):  # type: ignore[misc]
    """Deduce's redactor, but tags already in the text stay and new ones count on after them."""

    def redact(self, text: str, annotations: Any) -> str:
        """Replace each annotation with ``[TAG-n]``; near-identical texts share a tag."""
        used: dict[str, int] = defaultdict(int)
        for match in _NUMBERED_TAG.finditer(text):
            used[match[1]] = max(used[match[1]], int(match[2]))
        replacement: dict[Any, str] = {}
        for tag, group in self._group_annotations_by_tag(annotations).items():
            if tag == KEEP_TAG:
                replacement.update({a: a.text for a in group})
                continue
            name = tag.upper()
            seen: list[tuple[str, str]] = []
            for annotation in sorted(group, key=lambda a: a.end_char):
                for earlier, tagged in seen:
                    if DamerauLevenshtein.distance(annotation.text, earlier, score_cutoff=1) <= 1:
                        replacement[annotation] = tagged
                        break
                else:
                    used[name] += 1
                    tagged = f"{self.open_char}{name}-{used[name]}{self.close_char}"
                    seen.append((annotation.text, tagged))
                    replacement[annotation] = tagged
        return str(self._replace_annotations_in_text(text, annotations, replacement))
