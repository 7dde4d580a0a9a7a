import json

import numpy as np
import pytest

from seqkeras.datasets import load
from seqkeras.datasets.translation import SentencePairs
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.pipelines import TranslationPipeline, load_pipeline
from tests.helpers import serve_many_in_fresh_process

# Eight words and their "translations": the target is the source reversed,
# each word mapped to its partner, so the model needs the whole source.
WORDS = {"one": "uno", "two": "dos", "three": "tres", "four": "cuatro"}


def reversal_pairs(n, seed=0):
    rng = np.random.default_rng(seed)
    sources, targets = [], []
    for _ in range(n):
        words = list(rng.choice(list(WORDS), size=rng.integers(1, 5)))
        sources.append(" ".join(words) + ".")
        targets.append(" ".join(WORDS[w] for w in reversed(words)) + ".")
    return SentencePairs(sources, targets)


@pytest.fixture(scope="module")
def trained():
    pipeline = TranslationPipeline(
        units=32, embedding_dim=16, learning_rate=1e-2, beam_width=3
    )
    pipeline.fit(reversal_pairs(800), epochs=12, batch_size=32, verbose=0)
    return pipeline


def test_batches_are_shifted_for_teacher_forcing():
    pipeline = TranslationPipeline(bucketing=False)
    pairs = SentencePairs(
        ["¿Tienes una mascota?", "Go."], ["Do you have a pet?", "Ve."]
    )
    pipeline._adapt(pairs)
    (inputs, labels), *_ = pipeline._dataset(pairs, batch_size=2, training=False)[0]
    ids = inputs["source"][0].numpy()  # padded further on JAX: a multiple of 8
    source = pipeline.source_encoder.vocabulary.decode(ids[ids > 0])
    assert source == ["¿", "tienes", "una", "mascota", "?"]
    target_in = inputs["target_in"].numpy()
    labels = labels.numpy()
    np.testing.assert_array_equal(target_in[:, 1:], labels[:, :-1])  # shifted by one
    assert target_in[0, 0] == 2 and list(labels[0]).count(3) == 1  # [START], [END]
    assert labels[1, 2] == 3 and not labels[1, 3:].any()  # "ve . [END]" + padding


def test_learns_to_translate_and_decoders_agree(trained):
    test = reversal_pairs(100, seed=1)
    greedy = trained.evaluate(test)
    assert greedy["exact_match"] > 0.9, greedy
    assert greedy["bleu"] > 80
    sources = list(test.sources[:20])
    # Beam search with one beam is greedy search.
    assert trained.translate(sources, method="beam", beam_width=1) == trained.translate(
        sources
    )
    # Sampling at a temperature near zero is greedy too.
    cold = trained.translate(sources, method="sample", temperature=1e-4, seed=3)
    assert cold == trained.translate(sources)
    hot = [
        trained.translate(sources, method="sample", temperature=3.0, seed=s)
        for s in (1, 1, 2)
    ]
    assert hot[0] == hot[1] and hot[0] != hot[2]  # the seed decides
    beam = trained.evaluate(test, method="beam")
    assert beam["exact_match"] >= greedy["exact_match"] - 0.02


def test_attention_weights_and_tokens_line_up(trained):
    [result] = trained.translate_with_attention(["one two three."])
    assert result["source_tokens"] == ["one", "two", "three", "."]
    assert result["tokens"][-1] == "[END]"
    assert result["text"] == " ".join(result["tokens"][:-2]) + "."
    weights = result["attention"]
    assert weights.shape == (len(result["tokens"]), 4)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)


def test_candidates_are_the_beam_best_first(trained):
    sources = list(reversal_pairs(30, seed=2).sources)
    lists = trained.candidates(sources, beam_width=3)
    beam = trained.predict_details(sources, method="beam", beam_width=3)
    assert len(lists) == len(beam) == 30
    for candidates, best in zip(lists, beam, strict=True):
        # The first is the beam's own choice, with its score and tokens.
        assert candidates[0].text == best["text"]
        assert candidates[0].tokens == best["tokens"]
        assert candidates[0].score == pytest.approx(best["score"], abs=1e-5)
        assert 1 <= len(candidates) <= 3
        assert len({tuple(c.tokens) for c in candidates}) == len(candidates)
        ranks = [c.score / len(c.tokens) for c in candidates]  # length_penalty=1
        assert ranks == sorted(ranks, reverse=True)
        assert all(c.tokens[-1] == "[END]" for c in candidates)
    assert max(len(c) for c in lists) == 3
    translations = trained.translate(sources, method="beam", beam_width=3)
    assert [c[0].text for c in lists] == translations
    # One input, one list; the pipeline's beam width by default.
    one = trained.candidates(sources[0])
    assert one[0].text == translations[0] and len(one) <= trained.beam_width
    text, score, tokens = one[0]
    assert score <= 0.0 and text == one[0].text


def test_save_load_export_and_fresh_process(trained, tmp_path):
    texts = ["one two three.", "four.", "two two one four."]
    trained.save(tmp_path / "run")
    loaded = load_pipeline(tmp_path / "run")
    assert loaded.translate(texts) == trained.translate(texts)
    trained.export(tmp_path / "saved")
    job = {"model": str(tmp_path / "saved"), "inputs": texts, "arguments": {}}
    (greedy, beam), modules = serve_many_in_fresh_process(
        [{**job, "signature": "translate"}, {**job, "signature": "translate_beam"}],
        tmp_path,
    )
    assert "seqkeras" not in modules and "tensorflow_text" in modules
    assert [t.decode() for t in greedy["translation"]] == trained.translate(texts)
    assert greedy["attention"].shape[0] == 3
    assert [t.decode() for t in beam["translation"]] == trained.translate(
        texts, method="beam", beam_width=3
    )


def test_plain_encoder_decoder_exports_without_attention(tmp_path):
    pipeline = TranslationPipeline(architecture="seq2seq", units=8, embedding_dim=4)
    pipeline.fit(reversal_pairs(64), epochs=1, verbose=0)
    outputs = pipeline.decoding_function()(np.array([b"one two."]), 40)
    assert "attention" not in outputs and "source_tokens" in outputs
    [detail] = pipeline.translate_with_attention(["one."])
    assert not detail["attention"].any()


def test_dates_default_data_runs():
    data = load("dates").subset(train=200, validation=20, test=20)
    pipeline = TranslationPipeline(units=8, embedding_dim=4)
    pipeline.fit(data.train, data.validation, epochs=1, verbose=0)
    scores = pipeline.evaluate(data.test, method="beam")
    assert set(scores) >= {"bleu", "chrf", "exact_match", "num_sentences"}
    assert scores["num_sentences"] == 20
    json.dumps(scores)


def test_bad_inputs_say_what_to_do(trained):
    with pytest.raises(InvalidInputError, match="not trained"):
        TranslationPipeline().translate(["hi"])
    with pytest.raises(InvalidInputError, match="list of strings"):
        trained.translate([1, 2])
    with pytest.raises(InvalidInputError, match="empty"):
        TranslationPipeline().fit(SentencePairs([], []), epochs=1)
    with pytest.raises(InvalidInputError, match="sources but"):
        TranslationPipeline().fit((["a", "b"], ["x"]), epochs=1)
    with pytest.raises(InvalidArgumentError, match="`method`"):
        trained.translate(["one."], method="nucleus")
    with pytest.raises(InvalidArgumentError, match="`beam_width`.*got 0"):
        trained.translate(["one."], method="beam", beam_width=0)
    with pytest.raises(InvalidArgumentError, match="`architecture`"):
        TranslationPipeline(architecture="transformer")
    assert trained.translate([]) == []
    with pytest.raises(InvalidInputError, match="Text 1 is empty: there is nothing"):
        trained.translate(["one.", "   "])
    with pytest.raises(InvalidInputError, match="The text is empty"):
        trained.translate("")


def test_unknown_words_are_flagged(trained):
    known = trained.source_encoder.vocabulary.tokens[5]
    details = trained.translate_with_attention([known, "zyzzyva quux", f"{known} quux"])
    assert [d["unknown_ratio"] for d in details] == [0.0, 1.0, 0.5]


def test_sampling_settings_do_not_retrace(trained):
    trained.translate(["one two."], method="sample", seed=9, temperature=0.1)
    [function] = [
        f for key, f in trained._functions.items() if key[:2] == ("decode", "sample")
    ]
    traced = function.tracing_count()  # other tests' shapes count on JAX
    for seed in range(4):
        trained.translate(
            ["one two."], method="sample", seed=seed, temperature=0.5 + seed
        )
    assert function.tracing_count() == traced
    with pytest.raises(InvalidArgumentError, match="`temperature`"):
        trained.translate(["one."], method="sample", temperature=-1.0)
    with pytest.raises(InvalidArgumentError, match="beam_width"):
        trained.translate(["one."], method="greedy", beam_width=3)


def test_unknown_words_are_never_generated():
    # "name." is always translated by a word seen once, so [UNK] in training:
    # the model learns that [UNK] is the likeliest first word.
    sources = ["name."] * 300 + ["one."] * 100
    targets = [f"w{i} ." for i in range(300)] + ["uno ."] * 100
    pipeline = TranslationPipeline(
        units=16, embedding_dim=8, learning_rate=1e-2, min_count=2
    )
    pipeline.fit(SentencePairs(sources, targets), epochs=8, batch_size=32, verbose=0)
    state = pipeline.model.initial_decoder_state(pipeline.source_encoder(["name."]))
    logits, *_ = pipeline.model.step_function()(np.array([2], "int32"), state)
    assert int(np.argmax(logits[0])) == 1  # the raw model prefers [UNK] ...
    for method, options in [
        ("greedy", {}),
        ("beam", {}),
        ("sample", {"temperature": 5.0, "seed": 1}),
    ]:
        details = pipeline.predict_details(["name."] * 50, method=method, **options)
        generated = {t for detail in details for t in detail["tokens"]}
        assert not generated & {"[UNK]", "[START]", ""}, (method, generated)


def test_a_streamed_file_trains_the_same_model_as_its_list(tmp_path):
    from seqkeras.datasets import load

    data = load("dates").subset(train=160, validation=24)
    files = {}
    for name, part in (("train", data.train), ("validation", data.validation)):
        pairs = zip(part.sources, part.targets, strict=True)
        lines = [f"{s}\t{t}\tCC-BY 2.0\n" for s, t in pairs]
        files[name] = tmp_path / f"{name}.txt"
        files[name].write_text("".join(lines), encoding="utf-8")
    pipelines = []
    streams = (files["train"], files["validation"])
    for source in ((data.train, data.validation), streams):
        pipeline = TranslationPipeline(units=8, embedding_dim=8)
        pipeline.fit(*source, epochs=2, batch_size=32, verbose=0)
        pipelines.append(pipeline)
    listed, streamed = pipelines
    assert streamed.history == listed.history
    weights = zip(streamed.model.get_weights(), listed.model.get_weights(), strict=True)
    for a, b in weights:
        np.testing.assert_array_equal(a, b)
    scores = streamed.evaluate(files["validation"])
    assert scores == listed.evaluate(data.validation)
