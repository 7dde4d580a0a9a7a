import json

import numpy as np
import pytest

from seqkeras.datasets.tagging import TaggedSentences
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.pipelines import TaggingPipeline, load_pipeline
from tests.helpers import serve_in_fresh_process

NAMES = ["Anna", "Boris", "Carla", "Dmitri", "Elena", "Farid", "Greta", "Hugo"]
CITIES = ["Paris", "Lima", "Oslo", "Kyiv", "Quito", "Rome", "Seoul", "Tunis"]


def toy_entities(n, seed=0):
    """Sentences where a capitalised word's tag depends on its neighbours.

    "Paris said" makes Paris a person, "Paris is far" and "in Paris" a
    place: only a model that also reads the words after a sentence's first
    word can tell the first two apart.
    """
    rng = np.random.default_rng(seed)
    words = NAMES + CITIES
    tokens, tags = [], []
    for _ in range(n):
        a, b = rng.choice(words, 2, replace=False)
        template = rng.integers(5)
        if template == 0:
            t, g = [a, "said", "hello"], ["B-PER", "O", "O"]
        elif template == 1:
            t, g = ["we", "met", "in", a], ["O", "O", "O", "B-LOC"]
        elif template == 2:
            t, g = [a, b, "said", "no"], ["B-PER", "I-PER", "O", "O"]
        elif template == 3:
            t, g = [a, "is", "far"], ["B-LOC", "O", "O"]
        else:
            t, g = ["in", a, "we", "met", b, "yesterday"], [
                "O", "B-LOC", "O", "O", "B-PER", "O"
            ]  # fmt: skip
        tokens.append(t)
        tags.append(g)
    return TaggedSentences(tokens, tags)


TAGS = ("O", "B-LOC", "B-PER", "I-PER")


@pytest.fixture(scope="module")
def toy():
    return toy_entities(600), toy_entities(100, seed=1)


@pytest.fixture(scope="module")
def trained_crf(toy):
    train, validation = toy
    pipeline = TaggingPipeline(
        TAGS,
        scheme="iob2",
        architecture="bilstm-char-crf",
        units=16,
        embedding_dim=16,
        char_units=8,
        dropout=0.1,
        learning_rate=0.01,
    )
    pipeline.fit(train, validation, epochs=6, batch_size=32, verbose=0)
    return pipeline


def test_bidirectional_crf_tagger_learns_context(trained_crf, toy):
    scores = trained_crf.evaluate(toy[1])
    assert scores["f1"] > 0.95 and scores["accuracy"] > 0.97
    assert set(scores["per_type"]) == {"LOC", "PER"}
    assert scores["invalid_sequences"] == 0.0
    assert max(trained_crf.history["val_f1"]) == pytest.approx(scores["f1"])
    result = trained_crf.predict(["Oslo said hello", "Oslo is far", "we met in Oslo"])
    assert [r["tags"] for r in result] == [
        ["B-PER", "O", "O"],
        ["B-LOC", "O", "O"],
        ["O", "O", "O", "B-LOC"],
    ]
    assert result[2]["entities"] == [
        {"type": "LOC", "start": 3, "end": 4, "text": "Oslo"}
    ]


def test_a_forward_only_model_cannot_see_what_follows(toy):
    train, validation = toy
    pipeline = TaggingPipeline(
        TAGS, scheme="iob2", architecture="lstm", units=16, dropout=0.0,
        learning_rate=0.01,
    )  # fmt: skip
    pipeline.fit(train, epochs=6, verbose=0)
    # Reading left to right, the first word of "Oslo said hello" and of
    # "Oslo is far" must be tagged before "said" or "is" is read.
    first = pipeline.predict_tags(["Oslo said hello", "Oslo is far"])
    assert first[0][0] == first[1][0]
    assert pipeline.evaluate(validation)["f1"] < 0.95


def test_strings_and_word_lists_give_the_same_tags(trained_crf):
    as_text = trained_crf.predict(["Anna  Boris said no", "", "in Rome"])
    as_words = trained_crf.predict(
        [["Anna", "Boris", "said", "no"], [], ["in", "Rome"]]
    )
    assert as_text == as_words
    assert as_text[1] == {"tokens": [], "tags": [], "entities": []}
    assert (
        trained_crf.predict(["", "  "])
        == [{"tokens": [], "tags": [], "entities": []}] * 2
    )
    assert trained_crf.predict("in Rome")["tokens"] == ["in", "Rome"]
    assert trained_crf.predict_tags("in Rome") == ["O", "B-LOC"]
    assert trained_crf.predict_tags([["in", "Rome"]]) == [["O", "B-LOC"]]


def test_unseen_words_are_tagged_by_their_context(trained_crf):
    tags = trained_crf.predict(["Zanzibar said hello", "we met in Zanzibar"])
    assert [t["tags"] for t in tags] == [["B-PER", "O", "O"], ["O", "O", "O", "B-LOC"]]


def test_save_load_and_fresh_process_export(trained_crf, tmp_path):
    sentences = ["Anna Boris said no", "in Lima we met Hugo yesterday", "", "Zoë"]
    trained_crf.save(tmp_path / "saved")
    loaded = load_pipeline(tmp_path / "saved")
    assert loaded.predict(sentences) == trained_crf.predict(sentences)
    exported = trained_crf.export(tmp_path / "export")
    outputs, modules = serve_in_fresh_process(exported, sentences, tmp_path)
    assert "seqkeras" not in modules and "tensorflow_text" in modules
    expected = trained_crf.predict(sentences)
    assert outputs["tokens"] == [r["tokens"] for r in expected]
    assert outputs["tags"] == [r["tags"] for r in expected]


def test_checkpoints_keep_the_best_f1_epoch(toy, tmp_path):
    train, validation = toy
    pipeline = TaggingPipeline(TAGS, scheme="iob2", units=8, learning_rate=0.01)
    pipeline.fit(
        train.subset(200), validation, epochs=2, checkpoint_dir=tmp_path, verbose=0
    )
    header = (tmp_path / "history.csv").read_text().splitlines()[0]
    assert "val_f1" in header and "val_accuracy" in header
    best = max(pipeline.history["val_f1"])
    assert pipeline.evaluate(validation)["f1"] == pytest.approx(best)
    setup = json.loads((tmp_path / "setup.json").read_text())
    assert "vocabulary_sha256" in setup


def test_part_of_speech_tags_report_accuracy_only():
    data = TaggedSentences(
        [["I", "like", "red", "apples"], ["you", "like", "it"]] * 10,
        [["PRON", "VERB", "ADJ", "NOUN"], ["PRON", "VERB", "PRON"]] * 10,
    )
    pipeline = TaggingPipeline(data.tag_set(), units=4, embedding_dim=4)
    assert pipeline.monitor == ("val_accuracy", "max")
    pipeline.fit(data, epochs=1, verbose=0)
    scores = pipeline.evaluate(data)
    assert set(scores) == {"accuracy", "num_sentences", "num_tokens"}
    assert "entities" not in pipeline.predict(["I like it"])[0]


def test_bad_inputs_are_refused(trained_crf):
    with pytest.raises(InvalidInputError, match="tag 'B-ORG'"):
        trained_crf.evaluate(TaggedSentences([["EU"]], [["B-ORG"]]))
    with pytest.raises(InvalidInputError, match="not trained"):
        TaggingPipeline(TAGS).predict(["a b"])
    with pytest.raises(InvalidInputError, match="words must be non-empty"):
        trained_crf.predict([["in", ""]])
    with pytest.raises(InvalidInputError, match="Cannot read the tag"):
        TaggingPipeline(["O", "PER"], scheme="iob2")
    with pytest.raises(InvalidArgumentError, match="Unknown model argument"):
        TaggingPipeline(TAGS, unit=3)
    with pytest.raises(InvalidArgumentError, match="`architecture`"):
        TaggingPipeline(TAGS, architecture="transformer")
    with pytest.raises(InvalidInputError, match="empty TaggedSentences"):
        trained_crf.evaluate(TaggedSentences([], []))


def test_ensemble_averages_crf_potentials_and_exports(trained_crf, toy, tmp_path):
    other = TaggingPipeline(**{**trained_crf.get_config(), "seed": 1})
    other.fit(toy[0], epochs=2, verbose=0)
    ensemble = TaggingPipeline.average([trained_crf, other])
    features = trained_crf.encoder(trained_crf._batch_of(["in Rome we met Anna"])[1])
    np.testing.assert_allclose(
        ensemble.model.predict(features, verbose=0),
        (
            trained_crf.model.predict(features, verbose=0)
            + other.model.predict(features, verbose=0)
        )
        / 2,
        atol=1e-5,
    )
    assert ensemble.evaluate(toy[1])["f1"] > 0.9
    exported = ensemble.export(tmp_path / "ensemble")
    outputs, _ = serve_in_fresh_process(exported, ["in Rome we met Anna"], tmp_path)
    assert outputs["tags"] == [ensemble.predict_tags(["in Rome we met Anna"])[0]]


def test_crf_is_constrained_by_the_scheme_unless_asked_not_to(trained_crf, toy):
    allowed = trained_crf.model.get_layer("crf").allowed
    o, i_per = TAGS.index("O"), TAGS.index("I-PER")
    assert allowed["transitions"][o][i_per] is False
    assert allowed["start"][i_per] is False
    free = TaggingPipeline(TAGS, scheme="iob2", architecture="bilstm-crf",
                           constrain_crf=False, units=4)  # fmt: skip
    free.fit(toy[0].subset(50), epochs=1, verbose=0)
    assert free.model.get_layer("crf").allowed is None


def test_jit_compile_of_a_crf_step(toy):
    """XLA compiles the CRF's training step on JAX; TensorFlow's XLA cannot
    (the gradient of its loop over time has no fixed length), which `fit`
    says before it starts."""
    import keras

    train, _ = toy
    pipeline = TaggingPipeline(
        TAGS, architecture="bilstm-crf", units=4, embedding_dim=4
    )
    if keras.backend.backend() == "tensorflow":
        with pytest.raises(InvalidArgumentError, match="XLA cannot compile the CRF"):
            pipeline.fit(train.subset(64), epochs=1, jit_compile=True, verbose=0)
        pipeline.fit(train.subset(64), epochs=1, jit_compile=False, verbose=0)
        assert pipeline.model.jit_compile is False
    else:
        pipeline.fit(train.subset(64), epochs=1, jit_compile=True, verbose=0)
        assert pipeline.model.jit_compile is True
    assert pipeline.predict("Paris")["tags"][0] in TAGS


def write_conll(path, data, broken=()):
    """`data` as a CoNLL file (word POS tag), with `broken` lines written
    into the sentences of those numbers."""
    with open(path, "wb") as f:
        f.write(b"-DOCSTART- -X- O\n\n")
        for i, (words, tags) in enumerate(zip(data.tokens, data.tags, strict=True)):
            for word, tag in zip(words, tags, strict=True):
                f.write(f"{word} X {tag}\n".encode())
            if i in broken:
                f.write(b"two columns\n" if i % 2 else b"caf\xe9 X O\n")
            f.write(b"\n")
    return path


def test_a_streamed_conll_file_trains_the_same_crf_as_its_list(toy, tmp_path):
    from seqkeras.datasets.streams import ConllFile

    train, validation = toy[0].subset(160), toy[1].subset(40)
    files = (write_conll(tmp_path / "t.conll", train), tmp_path / "v.conll")
    write_conll(files[1], validation)
    pipelines = []
    for source in ((train, validation), files):
        pipeline = TaggingPipeline(
            TAGS, scheme="iob2", architecture="bilstm-crf", units=8, embedding_dim=8
        )
        pipeline.fit(*source, epochs=2, batch_size=32, verbose=0)
        pipelines.append(pipeline)
    listed, streamed = pipelines
    assert streamed.history == listed.history
    weights = zip(streamed.model.get_weights(), listed.model.get_weights(), strict=True)
    for a, b in weights:
        np.testing.assert_array_equal(a, b)
    assert streamed.evaluate(files[1]) == listed.evaluate(validation)

    # A bad line drops its sentence, reported by line; or stops the reading.
    broken = write_conll(tmp_path / "b.conll", validation, broken=(3, 4))
    report = ConllFile(broken, tag_names=TAGS).report
    assert (report.examples, report.bad) == (len(validation) - 2, 2)
    assert [reason for _, reason in report.first] == [
        "2 columns, 3 like the first",
        "bytes that are not UTF-8",
    ]
    lines = broken.read_bytes().split(b"\n")
    assert lines[report.first[0][0] - 1] == b"two columns"
    with pytest.raises(InvalidInputError, match=r"b.conll, line \d+: 2 columns"):
        listed.evaluate(ConllFile(broken, tag_names=TAGS, on_bad_line="fail"))
