"""Detokeniser round trips: how much BLEU the text pipeline itself costs.

A translator writes tokens, and `TextEncoder.detokenize` turns them into
text; whatever the tokenise-detokenise round trip changes in a reference, no
model can get right. For each language the references are tokenised by a
target encoder built on them (so no word is unknown), detokenised, and
scored against themselves with `seqkeras.metrics.corpus_bleu` (sacrebleu,
case-insensitive, as `TranslationPipeline.evaluate` scores), with the rules
of English and Spanish alone (`keep_spacing=False`, every pipeline before
kept spacing) and with kept spacing (`keep_spacing=True`, the default now).
Target: at least 99 BLEU with kept spacing in every language.

References: the 20 hand-written sentences per language of
`tests/data/detokenizer_references.tsv` (English, Spanish, French, German),
and, with `SEQKERAS_DATA_MIRROR` set, both sides of the Tatoeba English-
Spanish pairs (118,964 each).

    python bench/detokenizer_roundtrip.py
"""

import os
import pathlib

from common import record

from seqkeras.metrics import corpus_bleu
from seqkeras.text import TextEncoder

REFERENCES = (
    pathlib.Path(__file__).parents[1] / "tests" / "data" / "detokenizer_references.tsv"
)


def round_trip_bleu(sentences, keep_spacing):
    encoder = TextEncoder(add_start_end=True, keep_spacing=keep_spacing)
    encoder.adapt(sentences)
    back = []
    for start in range(0, len(sentences), 4096):
        chunk = sentences[start : start + 4096]
        back += [t.decode() for t in encoder.detokenize(encoder.encode(chunk)).numpy()]
    changed = sum(a.lower() != b.lower() for a, b in zip(back, sentences, strict=True))
    return round(corpus_bleu(back, sentences), 2), changed


def main():
    sets = {}
    for line in REFERENCES.read_text(encoding="utf-8").splitlines():
        language, sentence = line.split("\t")
        sets.setdefault(f"{language} (hand-written)", []).append(sentence)
    if os.environ.get("SEQKERAS_DATA_MIRROR"):
        from seqkeras import datasets

        folder = pathlib.Path(datasets.fetch("spa-eng"))
        pairs = datasets.read_tab_pairs(folder / "spa-eng" / "spa.txt")
        sets["en (Tatoeba)"] = list(dict.fromkeys(pairs.sources))
        sets["es (Tatoeba)"] = list(dict.fromkeys(pairs.targets))
    figures = {}
    for name, sentences in sets.items():
        rules, rules_changed = round_trip_bleu(sentences, keep_spacing=False)
        kept, kept_changed = round_trip_bleu(sentences, keep_spacing=True)
        figures[name] = {
            "sentences": len(sentences),
            "bleu_rules": rules,
            "changed_rules": rules_changed,
            "bleu_kept_spacing": kept,
            "changed_kept_spacing": kept_changed,
        }
        print(f"{name:20} {len(sentences):7,} rules {rules:6.2f} kept {kept:6.2f}")
    record("detokenizer_roundtrip", {"languages": figures})


if __name__ == "__main__":
    main()
