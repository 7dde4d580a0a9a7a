"""SentimentPipeline: learning, inference, saving, resuming, bad input."""

import json

import keras
import numpy as np
import pytest

from seqkeras.datasets import LabelledTexts
from seqkeras.errors import (
    CheckpointMismatchError,
    InvalidArgumentError,
    InvalidInputError,
)
from seqkeras.pipelines import SentimentPipeline, load_pipeline

SHARK = ["John enjoys eating the shark.", "The shark enjoys eating John."]


def test_lstm_learns_word_order_that_the_dan_cannot(sample_data):
    """The course's point, measured: only the recurrent model tells the shark
    sentences apart (they are in no split, so this is generalisation)."""
    scores = {}
    for architecture in ("dan", "lstm"):
        pipeline = SentimentPipeline(
            sample_data.label_names,
            architecture=architecture,
            units=32,
            embedding_dim=32,
        )
        pipeline.fit(sample_data.train, sample_data.validation, epochs=6, verbose=0)
        scores[architecture] = pipeline.evaluate(sample_data.test)["accuracy"]
        probabilities = pipeline.predict(SHARK)
        if architecture == "dan":
            np.testing.assert_allclose(probabilities[0], probabilities[1], atol=1e-6)
        else:
            assert pipeline.predict_labels(SHARK) == ["positive", "negative"]
    assert scores["lstm"] > 0.95
    assert scores["dan"] < 0.9


def test_predict_returns_probabilities_per_label(trained_sentiment):
    probabilities = trained_sentiment.predict(["A great film.", "Awful.", ""])
    assert probabilities.shape == (3, 2) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    one = trained_sentiment.predict("A great film.")  # one text: one row
    np.testing.assert_array_equal(one, probabilities[0])
    assert trained_sentiment.predict_labels("Awful.") in ("negative", "positive")
    assert trained_sentiment.predict([]).shape == (0, 2)
    labels = trained_sentiment.predict_labels(["A great film.", "Awful."])
    assert set(labels) <= {"negative", "positive"}


def test_truncation_to_max_length_is_what_predict_sees(sample_data):
    pipeline = SentimentPipeline(
        sample_data.label_names, architecture="gru", units=8, max_length=5
    )
    pipeline.fit(sample_data.train.subset(300), epochs=1, verbose=0)
    long = "The plot was dull, but the acting was great and the music was superb."
    np.testing.assert_allclose(
        pipeline.predict([long]), pipeline.predict(["The plot was dull,"]), atol=1e-6
    )


@pytest.mark.parametrize(
    "texts, message",
    [
        ([3.5], "item 0 is float"),
        (None, "got NoneType"),
        ([b"ok", ["nested"]], "item 1 is list"),
    ],
)
def test_bad_texts_are_refused_clearly(trained_sentiment, texts, message):
    with pytest.raises(InvalidInputError, match=message):
        trained_sentiment.predict(texts)


def test_untrained_pipeline_says_so():
    with pytest.raises(InvalidInputError, match="call `fit` first"):
        SentimentPipeline().predict(["hello"])
    with pytest.raises(InvalidInputError, match="call `fit` first"):
        SentimentPipeline().export("/tmp/never")


@pytest.mark.parametrize(
    "data, message",
    [
        ((["good", "bad"], [1, 2]), "Label 2 of example 1 is out of range"),
        ((["good"], [-1]), "out of range"),
        (([], []), "empty"),
        ("just text", "no file has that name"),
        (42, "Expected LabelledTexts"),
    ],
)
def test_bad_training_data_is_refused(data, message):
    with pytest.raises(InvalidInputError, match=message):
        SentimentPipeline(architecture="dan").fit(data, epochs=1, verbose=0)


def test_evaluate_reports_accuracy_loss_and_confusion(trained_sentiment, sample_data):
    test = sample_data.test.subset(200)
    result = trained_sentiment.evaluate(test)
    predicted = trained_sentiment.predict(list(test.texts)).argmax(axis=1)
    assert result["accuracy"] == pytest.approx(np.mean(predicted == test.labels))
    confusion = np.array(result["confusion_matrix"])
    assert confusion.sum() == result["num_examples"] == 200
    assert np.trace(confusion) == round(result["accuracy"] * 200)
    assert 0 < result["loss"] < 5


def test_save_and_load_give_identical_predictions(trained_sentiment, tmp_path):
    trained_sentiment.save(tmp_path / "run")
    loaded = load_pipeline(tmp_path / "run")
    assert isinstance(loaded, SentimentPipeline)
    assert loaded.get_config() == trained_sentiment.get_config()
    assert loaded.history == trained_sentiment.history
    texts = ["The acting was not bad.", "What a dull plot!", ""]
    np.testing.assert_array_equal(
        loaded.predict(texts), trained_sentiment.predict(texts)
    )
    with pytest.raises(InvalidInputError, match="no saved pipeline"):
        load_pipeline(tmp_path)


class Interrupt(keras.callbacks.Callback):
    """Stops training at the start of epoch `at`, like Ctrl-C would."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at:
            self.weights_at_interrupt = self.model.get_weights()
            raise KeyboardInterrupt


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs, self.weights = [], None

    def on_epoch_begin(self, epoch, logs=None):
        if self.weights is None:
            self.weights = self.model.get_weights()
        self.epochs.append(epoch)


def test_an_interrupted_fit_resumes_where_it_stopped(sample_data, tmp_path):
    data = sample_data.subset(train=600)
    checkpoints = tmp_path / "checkpoints"

    def make():
        return SentimentPipeline(data.label_names, architecture="gru", units=8)

    interrupt = Interrupt(at=2)
    first = make()
    with pytest.raises(KeyboardInterrupt):
        first.fit(
            data.train,
            epochs=4,
            checkpoint_dir=checkpoints,
            callbacks=[interrupt],
            verbose=0,
        )
    assert (checkpoints / "backup").is_dir()
    rows = (checkpoints / "history.csv").read_text().strip().splitlines()
    assert len(rows) == 3  # header + the 2 finished epochs

    recorder = Recorder()
    second = make()  # as if in a new process
    history = second.fit(
        data.train,
        epochs=4,
        checkpoint_dir=checkpoints,
        callbacks=[recorder],
        verbose=0,
    )
    assert recorder.epochs == [2, 3]  # only the missing epochs ran
    for restored, saved in zip(
        recorder.weights, interrupt.weights_at_interrupt, strict=True
    ):
        np.testing.assert_array_equal(restored, saved)
    assert len(history["loss"]) == 4
    assert not (checkpoints / "backup").exists()  # removed once finished


def test_a_checkpoint_from_another_setup_is_not_resumed(sample_data, tmp_path):
    data = sample_data.subset(train=300)
    SentimentPipeline(architecture="gru", units=8).fit(
        data.train, epochs=1, checkpoint_dir=tmp_path, verbose=0
    )
    other = SentimentPipeline(architecture="gru", units=16)
    with pytest.raises(CheckpointMismatchError, match="different set-up"):
        other.fit(data.train, epochs=1, checkpoint_dir=tmp_path, verbose=0)


@pytest.mark.parametrize("use_checkpoints", [False, True])
def test_the_best_validation_epoch_is_kept(sample_data, tmp_path, use_checkpoints):
    data = sample_data.subset(train=800, validation=300)
    pipeline = SentimentPipeline(architecture="lstm", units=8, learning_rate=0.05)
    history = pipeline.fit(
        data.train,
        data.validation,
        epochs=4,
        verbose=0,
        checkpoint_dir=tmp_path / "ck" if use_checkpoints else None,
    )
    best = max(history["val_accuracy"])
    assert pipeline.evaluate(data.validation)["accuracy"] == pytest.approx(
        best, abs=1e-6
    )


def test_tensorboard_scalars_and_speed_are_recorded(sample_data, tmp_path):
    data = sample_data.subset(train=300, validation=100)
    pipeline = SentimentPipeline(architecture="dan")
    pipeline.fit(
        data.train, data.validation, epochs=2, log_dir=tmp_path / "logs", verbose=0
    )
    for split in ("train", "validation"):
        assert list((tmp_path / "logs" / split).glob("events.out.tfevents.*"))
    assert pipeline.train_seconds > 0 and pipeline.examples_per_second > 0
    assert pipeline.train_examples == 600


def test_unknown_model_arguments_are_refused_at_once():
    with pytest.raises(
        InvalidArgumentError, match=r"Unknown model argument\(s\) \['unit'\]"
    ):
        SentimentPipeline(unit=8)


def test_tuple_data_and_config_are_json(tmp_path):
    pipeline = SentimentPipeline(
        ("bad", "good"), architecture="dan", units=4, dropout=0.1
    )
    pipeline.fit((["good film", "bad film"] * 10, [1, 0] * 10), epochs=1, verbose=0)
    assert json.loads(json.dumps(pipeline.get_config()))["dropout"] == 0.1
    assert pipeline.predict_labels(["good film"])[0] in ("bad", "good")
    assert isinstance(LabelledTexts(["a"], [0]), LabelledTexts)


def test_jit_compile_compiles_the_training_step_with_xla(sample_data):
    """`fit(jit_compile=...)` sets the model's step compilation; None is
    Keras' own choice (XLA on JAX, not on a CPU with TensorFlow)."""
    data = sample_data.subset(train=64, test=8)
    pipeline = SentimentPipeline(data.label_names, "gru", units=4, embedding_dim=4)
    pipeline.fit(data.train, epochs=1, verbose=0)
    assert pipeline.model.jit_compile is (keras.backend.backend() == "jax")
    pipeline.fit(data.train, epochs=2, verbose=0, jit_compile=True)
    assert pipeline.model.jit_compile is True
    assert len(pipeline.history["loss"]) == 3  # the history goes on
    assert pipeline.predict(data.test.texts[0]).shape == (2,)


def write_tsv(path, data, label_names):
    with open(path, "w", encoding="utf-8") as f:
        f.write("text\tlabel\n")
        for text, label in zip(data.texts, data.labels, strict=True):
            f.write(f"{text}\t{label_names[label]}\n")
    return path


def test_a_streamed_file_trains_the_same_model_as_its_list(sample_data, tmp_path):
    data = sample_data.subset(train=200, validation=40)
    train = write_tsv(tmp_path / "train.tsv", data.train, data.label_names)
    validation = write_tsv(tmp_path / "valid.tsv", data.validation, data.label_names)
    with open(train, "a", encoding="utf-8") as f:
        f.write("a line without its label\n")  # left out, and reported
    pipelines = []
    for source in ((data.train, data.validation), (train, str(validation))):
        pipeline = SentimentPipeline(data.label_names, units=8, embedding_dim=8)
        pipeline.fit(*source, epochs=2, batch_size=32, verbose=0)
        pipelines.append(pipeline)
    listed, streamed = pipelines
    assert streamed.encoder.vocabulary == listed.encoder.vocabulary
    assert streamed.history == listed.history
    weights = zip(streamed.model.get_weights(), listed.model.get_weights(), strict=True)
    for a, b in weights:
        np.testing.assert_array_equal(a, b)
    assert streamed.evaluate(validation) == listed.evaluate(data.validation)
