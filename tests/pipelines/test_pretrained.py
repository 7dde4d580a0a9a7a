"""Pretrained word vectors in the sentiment, tagging and translation
pipelines: the start, frozen / fine-tuned training, coverage, saving."""

import numpy as np
import pytest

from seqkeras.datasets import LabelledTexts, SentencePairs, TaggedSentences
from seqkeras.errors import InvalidArgumentError
from seqkeras.pipelines import (
    SentimentPipeline,
    TaggingPipeline,
    TranslationPipeline,
    load_pipeline,
)

SENTENCES = ["the film was good", "the plot was bad", "a good cast", "a bad end"] * 8
VOCAB = {"the": 0, "film": 1, "was": 2, "good": 3, "plot": 4, "Bad": 5}


@pytest.fixture(scope="module")
def vectors_file(tmp_path_factory):
    """Vectors for six of the words (one capitalised, as cased vectors have
    it), dimension 4, one-hot-ish so that each is easy to recognise."""
    path = tmp_path_factory.mktemp("vectors") / "vectors.txt"
    lines = [
        f"{word} " + " ".join(str(float(i + 1 if j == i % 4 else 0)) for j in range(4))
        for word, i in VOCAB.items()
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def sentiment(vectors_file, mode):
    return SentimentPipeline(
        units=4, embeddings=vectors_file, embeddings_training=mode, frozen_epochs=2
    )


def make(task, vectors_file, mode="fine-tuned"):
    """A pipeline of `task` with the vectors, and its training data."""
    options = dict(embeddings=vectors_file, embeddings_training=mode, frozen_epochs=2)
    if task == "sentiment":
        data = LabelledTexts(SENTENCES, [1, 0, 1, 0] * 8)
        return SentimentPipeline(units=4, **options), data
    if task == "tagging":
        words = [s.split() for s in SENTENCES]
        tags = [["A"] + ["B"] * (len(w) - 1) for w in words]
        data = TaggedSentences(words, tags)
        return TaggingPipeline(["A", "B"], units=4, lowercase=True, **options), data
    data = SentencePairs(SENTENCES, [s.upper() for s in SENTENCES])
    return TranslationPipeline(units=4, **options), data


def table(pipeline):
    return np.array(pipeline._embedding_layer().embeddings.numpy())


@pytest.mark.parametrize("task", ["sentiment", "tagging", "translation"])
def test_the_embedding_starts_from_the_vectors(task, vectors_file, capsys):
    pipeline, data = make(task, vectors_file, "frozen")
    pipeline.fit(data, epochs=1, verbose=0)
    vocabulary = pipeline._embedding_vocabulary()
    start = table(pipeline)
    assert start.shape[1] == 4  # the vectors' dimension, not the preset's
    for word, i in VOCAB.items():
        row = vocabulary.token_to_id(word.lower())
        expected = np.zeros(4)
        expected[i % 4] = i + 1
        np.testing.assert_array_equal(start[row], expected)  # "bad" found as "Bad"
    report = pipeline.embedding_coverage
    assert report["vocabulary_found"] == 6 and report["found_by_case"] == 1
    assert report["token_share"] == pytest.approx(10 / 14)  # not "a", "cast", "end"
    assert "6 of 9 words" in capsys.readouterr().out


def test_frozen_fine_tuned_and_frozen_then_fine_tuned(vectors_file):
    data = LabelledTexts(SENTENCES, [1, 0, 1, 0] * 8)
    frozen = sentiment(vectors_file, "frozen")
    frozen.fit(data, epochs=3, verbose=0)
    start = frozen._word_vectors().matrix_for(frozen.encoder.vocabulary, seed=0)[0]
    np.testing.assert_array_equal(table(frozen), start)
    tuned = sentiment(vectors_file, "fine-tuned")
    tuned.fit(data, epochs=1, verbose=0)
    assert not np.allclose(table(tuned), start)
    later = sentiment(vectors_file, "frozen-then-fine-tuned")
    later.fit(data, epochs=2, verbose=0)  # the two frozen epochs
    np.testing.assert_array_equal(table(later), start)
    later.fit(data, epochs=1, verbose=0)  # the third epoch trains them
    assert not np.allclose(table(later), start)


def test_saved_pipelines_load_without_the_vectors_file(vectors_file, tmp_path):
    import shutil

    copy = tmp_path / "vectors.txt"
    shutil.copy(vectors_file, copy)
    pipeline = SentimentPipeline(units=4, embeddings=copy)
    data = LabelledTexts(SENTENCES, [1, 0, 1, 0] * 8)
    pipeline.fit(data, epochs=1, verbose=0)
    pipeline.save(tmp_path / "run")
    copy.unlink()
    loaded = load_pipeline(tmp_path / "run")
    assert loaded.embeddings == str(copy) and loaded.model_kwargs["embedding_dim"] == 4
    np.testing.assert_allclose(
        loaded.predict(SENTENCES[:3]), pipeline.predict(SENTENCES[:3])
    )


def test_bad_embedding_options(vectors_file):
    with pytest.raises(InvalidArgumentError, match="`embeddings_training`"):
        SentimentPipeline(embeddings=vectors_file, embeddings_training="thawed")
    pipeline = SentimentPipeline(embeddings=vectors_file, embedding_dim=8)
    with pytest.raises(InvalidArgumentError, match="embedding_dim=8 but .* 4 dim"):
        pipeline.fit(LabelledTexts(SENTENCES, [1, 0, 1, 0] * 8), epochs=1, verbose=0)
