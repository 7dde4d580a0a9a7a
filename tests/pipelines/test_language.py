"""LanguageModelPipeline: TBPTT training, exact perplexity, scoring,
generation, saving."""

import keras
import numpy as np
import pytest

from seqkeras.datasets.language import LanguageModelData, TextStream
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.pipelines import load_pipeline
from seqkeras.pipelines.language import LanguageModelPipeline
from tests.helpers import serve_many_in_fresh_process

FRUITS = ["apple", "pear", "plum"]


def salads(n, seed):
    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(n):
        a, b = rng.choice(FRUITS, 2, replace=False)
        sentences.append(["the", a, "and", "the", b, "salad", "is", "good"])
    return TextStream(sentences)


@pytest.fixture(scope="module")
def trained():
    data = LanguageModelData(
        "salads", "word", salads(400, 0), salads(40, 1), salads(40, 2)
    )
    pipeline = LanguageModelPipeline(
        units=24, num_layers=1, embedding_dim=12, num_steps=10, batch_size=8,
        learning_rate=0.01,
    )  # fmt: skip
    pipeline.fit(data.train, data.validation, epochs=3, verbose=0)
    return pipeline, data


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def test_training_lowers_perplexity(trained):
    pipeline, _ = trained
    history = pipeline.history
    assert history["perplexity"][0] > history["perplexity"][-1]
    assert history["val_perplexity"][-1] < 1.6  # only the fruits are uncertain
    assert pipeline.examples_per_second > 0


def test_evaluate_is_the_exact_perplexity_of_the_whole_stream(trained):
    pipeline, data = trained
    result = pipeline.evaluate(data.test)
    # Every word and every [END] is predicted once; [START] never is.
    assert result["tokens"] == data.test.num_tokens
    ids = pipeline.stream_ids(data.test)
    logits = pipeline.inference_model().predict(ids[None, :-1], verbose=0)[0]
    picked = np.take_along_axis(log_softmax(logits), ids[1:, None], axis=-1)[:, 0]
    predicted = ids[1:] != 2  # [START] targets do not count
    expected = np.exp(-picked[predicted].mean())
    assert result["perplexity"] == pytest.approx(expected, rel=1e-4)
    assert result["bits_per_token"] == pytest.approx(np.log2(expected), rel=1e-4)


def test_scores_pick_the_sentence_the_model_has_seen(trained):
    pipeline, _ = trained
    candidates = [
        "the apple and the pear salad is good",
        "the apple and the pair salad is good",  # "pair" is [UNK]
        "salad the good is",
    ]
    scores = pipeline.score(candidates)
    assert np.argmax(scores["log_probability"]) == 0
    assert scores["tokens"].tolist() == [9, 9, 5]  # words + [END]
    # log P by hand: after [END] [START] (as if a sentence had just ended),
    # the apple ... good [END].
    ids = np.array([3, 2, *pipeline.vocabulary.encode(candidates[0].split()), 3])
    logits = pipeline.inference_model().predict(ids[None, :-1], verbose=0)[0, 1:]
    by_hand = np.take_along_axis(log_softmax(logits), ids[2:, None], axis=-1).sum()
    assert scores["log_probability"][0] == pytest.approx(by_hand, abs=1e-4)
    assert scores["perplexity"][0] == pytest.approx(np.exp(-by_hand / 9), rel=1e-4)


def test_greedy_generation_is_the_argmax_of_the_model(trained):
    pipeline, _ = trained
    model = pipeline.inference_model()
    prompt = "the plum and"
    ids = [3, 2, *pipeline.vocabulary.encode(prompt.split())]  # [END] [START] ...
    expected = []
    for _ in range(6):
        logits = model.predict(np.array([ids]), verbose=0)[0, -1]
        logits[[0, 1, 2]] = -np.inf  # padding, [UNK] and [START] are forbidden
        best = int(np.argmax(logits))
        if best == 3:
            break
        expected.append(pipeline.vocabulary.id_to_token(best))
        ids.append(best)
    text = pipeline.generate(prompt, method="greedy", max_length=6)
    assert text == " ".join(expected)
    # Prompts of different lengths in one batch give what each gives alone.
    prompts = ["the", "the plum and", ""]
    together = pipeline.generate(prompts, method="greedy", max_length=6)
    assert together == [
        pipeline.generate(p, method="greedy", max_length=6) for p in prompts
    ]


def test_sampling_is_reproducible_and_beam_search_runs(trained):
    pipeline, _ = trained
    first = pipeline.generate("the", method="sample", temperature=1.5, seed=3)
    assert first == pipeline.generate("the", method="sample", temperature=1.5, seed=3)
    assert "[UNK]" not in first and "[START]" not in first
    for options in ({"method": "sample", "top_k": 3}, {"method": "beam"}):
        words = pipeline.generate("the apple and the", **options).split()
        assert words and set(words) <= set(pipeline.vocabulary.tokens)
    with pytest.raises(InvalidArgumentError, match="takes beam_width"):
        pipeline.generate("the", method="beam", top_k=3)
    with pytest.raises(InvalidArgumentError, match="`method`"):
        pipeline.generate("the", method="nucleus")


def test_save_and_load_give_the_same_scores(trained, tmp_path):
    pipeline, _ = trained
    pipeline.save(tmp_path / "lm")
    loaded = load_pipeline(tmp_path / "lm")
    assert isinstance(loaded, LanguageModelPipeline)
    text = ["the pear and the plum salad is good"]
    np.testing.assert_allclose(
        loaded.score(text)["log_probability"], pipeline.score(text)["log_probability"]
    )


def test_export_generates_and_scores_the_same_in_a_fresh_process(trained, tmp_path):
    pipeline, _ = trained
    path = pipeline.export(tmp_path / "saved_model")
    prompts = ["the apple and", "the", ""]
    sentences = ["the pear and the plum salad is good", "good is salad"]
    job = {"model": str(path), "signature": "generate", "inputs": prompts}
    arguments = {"max_length": 8, "seed": 0}
    (greedy, sampled, scores), modules = serve_many_in_fresh_process(
        [
            {**job, "arguments": {**arguments, "temperature": 0.0}},
            {**job, "arguments": {**arguments, "temperature": 1.3, "seed": 7}},
            {**job, "signature": "score", "inputs": sentences, "arguments": {}},
        ],
        tmp_path,
    )
    assert "seqkeras" not in modules and "tensorflow_text" in modules
    texts = [t.decode("utf-8") for t in greedy["text"]]
    assert texts == pipeline.generate(prompts, method="greedy", max_length=8)
    texts = [t.decode("utf-8") for t in sampled["text"]]
    expected = pipeline.generate(prompts, max_length=8, temperature=1.3, seed=7)
    assert texts == expected
    mine = pipeline.score(sentences)
    np.testing.assert_array_equal(scores["log_probability"], mine["log_probability"])
    np.testing.assert_array_equal(scores["tokens"], mine["tokens"])


def test_character_model_streams_generates_and_decays_the_rate():
    text = "abcabcabd\n" * 60
    lines = text.splitlines(keepends=True)
    data = LanguageModelData(
        "abc", "char", TextStream(lines[:50], "char"), TextStream(lines[50:], "char"),
        TextStream(lines[50:], "char"),
    )  # fmt: skip
    keras.utils.set_random_seed(0)
    pipeline = LanguageModelPipeline(
        level="char", units=16, num_layers=1, embedding_dim=8, num_steps=8,
        batch_size=4, optimizer="sgd", learning_rate=1.0, decay_after=2, decay=0.5,
    )  # fmt: skip
    pipeline.fit(data.train, epochs=4, verbose=0)
    assert pipeline.history["learning_rate"] == pytest.approx([1.0, 1.0, 0.5, 0.25])
    ids = pipeline.stream_ids(data.test)
    assert len(ids) == data.test.num_tokens  # no [START] / [END] in characters
    # The first character has no context: one token fewer is predicted.
    assert pipeline.evaluate(data.test)["tokens"] == data.test.num_tokens - 1
    generated = pipeline.generate("ab", method="greedy", max_length=12)
    assert len(generated) == 12  # a character model writes max_length characters
    assert pipeline.score(["abc"])["tokens"].tolist() == [3]


def test_bad_inputs():
    pipeline = LanguageModelPipeline(
        units=4, num_layers=1, embedding_dim=4, batch_size=2
    )
    with pytest.raises(InvalidInputError, match="not trained"):
        pipeline.generate("the")
    with pytest.raises(InvalidInputError, match="must be a TextStream"):
        pipeline.fit(["the cat sat"])
    with pytest.raises(InvalidInputError, match="char-level text"):
        pipeline.fit(TextStream(["abc\n"], "char"))
    with pytest.raises(InvalidArgumentError, match="batch_size=2"):
        pipeline.fit(salads(10, 0), batch_size=32)
    with pytest.raises(InvalidArgumentError, match="not `config`"):
        LanguageModelPipeline(config="small")
    with pytest.raises(InvalidArgumentError, match="`architecture`"):
        LanguageModelPipeline("huge")
    with pytest.raises(InvalidArgumentError, match="Unknown model argument"):
        LanguageModelPipeline(unit=4)


def test_configs_set_the_papers_set_up():
    small = LanguageModelPipeline("small")
    assert (small.num_steps, small.batch_size, small.decay_after) == (20, 20, 4)
    assert small.model_kwargs["units"] == [200, 200]
    course = LanguageModelPipeline("course", batch_size=30)
    assert course.model_kwargs["units"] == [256, 128]
    assert (course.num_steps, course.batch_size) == (20, 30)  # overridden


@pytest.mark.parametrize("level", ["word", "char"])
def test_a_streamed_text_file_trains_the_same_model_as_its_stream(level, tmp_path):
    from seqkeras.datasets import load
    from seqkeras.datasets.language import TextStream

    text = load("toy-language").subset(train=200, validation=40)
    files, streams = [], []
    for part in (text.train, text.validation):
        lines = [" ".join(sentence) for sentence in part.units]
        path = tmp_path / f"{level}-{len(files)}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)
        if level == "char":
            part = TextStream([line + "\n" for line in lines], "char")
        streams.append(part)
    pipelines = []
    for train, validation in (streams, files):
        pipeline = LanguageModelPipeline(
            level=level, units=8, embedding_dim=8, num_steps=8, batch_size=4
        )
        pipeline.fit(train, validation, epochs=2, verbose=0)
        pipelines.append(pipeline)
    listed, streamed = pipelines
    assert streamed.history == listed.history
    weights = zip(streamed.model.get_weights(), listed.model.get_weights(), strict=True)
    for a, b in weights:
        np.testing.assert_array_equal(a, b)
    assert streamed.evaluate(files[1], streams=2) == listed.evaluate(
        streams[1], streams=2
    )
