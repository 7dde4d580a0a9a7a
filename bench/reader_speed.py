"""Reading speed of the readers of the user's files, in lines per second.

Each reader gets a generated file of `--lines` lines (one million by
default) in its format, written once into `--folder`, and is timed reading
it (the best of `--repeats` reads, so that the disk cache is warm for all):

- `read_labelled_texts`: CSV, `text,label`, quoted texts with commas;
- `read_conll`: CoNLL-2003 columns, sentences of 14 words;
- `read_conllu`: Universal Dependencies, a comment, a multi-word range and
  13 words per sentence;
- `read_tab_pairs`: `source<TAB>target`;
- `read_text_units`: plain text at word level, and at character level;
- `read_captions`: CSV `image,caption`, 1,000 images (empty files) with
  1,000 captions each;
- `load_csv_series`: 10-minute readings, two columns, day-first dates;
- `load_word_vectors`: GloVe text, 50 dimensions (a tenth of the lines, as
  a 100,000-word vocabulary).

    python bench/reader_speed.py
"""

import argparse
import pathlib
import tempfile
import time

from common import record

from seqkeras import datasets
from seqkeras.datasets.language import read_text_units
from seqkeras.text.vectors import load_word_vectors

WORDS = "the cat sat on a mat while seven dogs ran through Paris and Rome".split()


def write_files(folder, lines):
    """Writes one file per reader; returns {name: (path, lines, read)}."""
    files = {}
    sentence = " ".join(WORDS)

    path = folder / "texts.csv"
    with open(path, "w") as f:
        f.write("text,label\n")
        for i in range(lines - 1):
            f.write(f'"{sentence}, number {i}",{"pos" if i % 2 else "neg"}\n')
    files["read_labelled_texts (CSV)"] = (path, lines, datasets.read_labelled_texts)

    path = folder / "ner.conll"
    with open(path, "w") as f:
        written = 0
        while written < lines:
            for word in WORDS:
                f.write(f"{word} NN B-NP {'B-LOC' if word == 'Paris' else 'O'}\n")
            f.write("\n")
            written += len(WORDS) + 1
    files["read_conll"] = (path, written, datasets.read_conll)

    path = folder / "ud.conllu"
    with open(path, "w") as f:
        written = 0
        while written < lines:
            f.write("# sent_id = x\n1-2\tthecat\t_\t_\t_\t_\t_\t_\t_\t_\n")
            for i, word in enumerate(WORDS[:13], start=1):
                f.write(f"{i}\t{word}\t{word}\tNOUN\tNN\t_\t0\troot\t_\t_\n")
            f.write("\n")
            written += 16
    files["read_conllu"] = (path, written, datasets.read_conllu)

    path = folder / "pairs.tsv"
    with open(path, "w") as f:
        for i in range(lines):
            f.write(f"{sentence} {i}.\tle chat {i} est assis sur le tapis.\n")
    files["read_tab_pairs"] = (path, lines, datasets.read_tab_pairs)

    path = folder / "text.txt"
    with open(path, "w") as f:
        for i in range(lines):
            f.write(f"{sentence} {i}\n")
    files["read_text_units (word)"] = (path, lines, read_text_units)
    files["read_text_units (char)"] = (
        path,
        lines,
        lambda p: read_text_units(p, "char"),
    )

    images = folder / "images"
    images.mkdir(exist_ok=True)
    for i in range(1000):
        (images / f"{i}.jpg").touch()
    path = folder / "captions.csv"
    with open(path, "w") as f:
        f.write("image,caption\n")
        for i in range(lines - 1):
            f.write(f"{i % 1000}.jpg,a dog runs on the grass number {i}\n")
    files["read_captions (CSV)"] = (
        path,
        lines,
        lambda p: datasets.read_captions(p, images),
    )

    import pandas as pd

    path = folder / "station.csv"
    times = pd.date_range("2000-01-01", periods=lines - 1, freq="10min")
    frame = pd.DataFrame(
        {"Date Time": times.strftime("%d.%m.%Y %H:%M:%S"), "T": 1.5, "p": 990.0}
    )
    frame.to_csv(path, index=False)
    files["load_csv_series (day-first)"] = (
        path,
        lines,
        lambda p: datasets.load_csv_series(p, "Date Time", dayfirst=True),
    )

    path = folder / "vectors.txt"
    vector = " ".join(["0.12345"] * 50)
    with open(path, "w") as f:
        for i in range(lines // 10):
            f.write(f"word{i} {vector}\n")
    files["load_word_vectors (GloVe, 50 d)"] = (path, lines // 10, load_word_vectors)
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--folder", type=pathlib.Path, default=None)
    args = parser.parse_args()
    folder = args.folder or pathlib.Path(tempfile.mkdtemp(prefix="readers-"))
    folder.mkdir(parents=True, exist_ok=True)
    files = write_files(folder, args.lines)
    figures = {}
    for name, (path, lines, read) in files.items():
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            read(path)
            best = min(best, time.perf_counter() - start)
        figures[name] = {
            "lines": lines,
            "megabytes": round(path.stat().st_size / 2**20, 1),
            "seconds": round(best, 2),
            "lines_per_second": round(lines / best),
        }
        print(f"{name:34} {lines:>10,} lines {best:7.2f} s {lines / best:>12,.0f}/s")
    record("reader_speed", {"readers": figures})


if __name__ == "__main__":
    main()
