import numpy as np
import pytest
import tensorflow as tf

from seqkeras.audio import pad_waveforms, wav_bytes
from seqkeras.datasets import load
from seqkeras.datasets.speech import Utterances
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.pipelines import SpeechPipeline, load_pipeline


@pytest.fixture(scope="module")
def tones():
    return load("touch-tones", num_train=300, num_validation=40, num_test=40)


@pytest.fixture(scope="module")
def connected():
    return load("touch-tones-connected", num_train=300, num_validation=30, num_test=30)


@pytest.fixture(scope="module")
def classifier(tones):
    pipeline = SpeechPipeline(architecture="gru", units=16, learning_rate=0.01)
    pipeline.fit(tones.train, tones.validation, epochs=8, batch_size=16, verbose=0)
    return pipeline


@pytest.fixture(scope="module")
def recogniser(connected):
    pipeline = SpeechPipeline(
        architecture="ctc", units=24, num_layers=1, stack=3, learning_rate=0.01
    )
    pipeline.fit(
        connected.train, connected.validation, epochs=8, batch_size=16, verbose=0
    )
    return pipeline


def test_the_classifier_learns_the_key_presses(classifier, tones):
    scores = classifier.evaluate(tones.test)
    assert scores["accuracy"] > 0.8
    assert scores["num_utterances"] == 40
    assert np.array(scores["confusion_matrix"]).sum() == 40
    # The statistics of the training frames sit in the model.
    layer = classifier.model.get_layer("feature_normalization")
    np.testing.assert_allclose(
        np.asarray(layer.mean).ravel(), classifier.feature_mean, rtol=1e-5
    )


def test_a_clip_as_samples_as_wav_bytes_and_as_a_file_gets_one_answer(
    classifier, tones, tmp_path
):
    clip = np.round(tones.test.audio[0] * 32768) / 32768  # 16-bit, as in a file
    path = tmp_path / "clip.wav"
    path.write_bytes(wav_bytes(clip))
    answers = [classifier.predict(x) for x in (clip, wav_bytes(clip), str(path))]
    for answer in answers[1:]:
        assert answer["transcript"] == answers[0]["transcript"]
        np.testing.assert_allclose(
            answer["probabilities"], answers[0]["probabilities"], atol=1e-5
        )
    assert classifier.transcribe([clip, clip]) == [answers[0]["transcript"]] * 2


def test_the_ctc_recogniser_transcribes_strings_of_digits(recogniser, connected):
    greedy = recogniser.evaluate(connected.test)
    beam = recogniser.evaluate(connected.test, method="beam", beam_width=4)
    assert set(greedy) == {"digit_error_rate", "exact_match", "num_utterances",
                           "method"}  # fmt: skip
    assert greedy["method"] == "greedy" and beam["method"] == "beam"
    assert greedy["digit_error_rate"] < 0.5
    assert beam["digit_error_rate"] <= greedy["digit_error_rate"] + 0.05
    row = recogniser.predict(connected.test.audio[0])
    assert set(row) == {"transcript", "score"} and row["score"] <= 0.0
    assert set(row["transcript"]) <= set("0123456789")


def test_ctc_serving_decodes_as_keras_does(recogniser, connected):
    """The exported graph decodes in TensorFlow; Keras' own decoder gives
    the same greedy transcripts from the model's outputs."""
    from seqkeras.layers.ctc import ctc_decode

    clips = connected.test.audio[:8]
    x, steps = recogniser.audio.from_waveforms(*pad_waveforms(clips))
    ids, _ = ctc_decode(recogniser.model(x.numpy()), steps.numpy())
    expected = [
        "".join(str(int(i) - 1) for i in row if i >= 0) for row in np.asarray(ids)
    ]
    assert recogniser.transcribe(clips) == expected


def test_save_and_load_keep_the_features_and_the_answers(classifier, tones, tmp_path):
    classifier.save(tmp_path / "run")
    loaded = load_pipeline(tmp_path / "run")
    assert loaded.get_config() == classifier.get_config()
    assert loaded.feature_mean == classifier.feature_mean
    clips = tones.test.audio[:4]
    for a, b in zip(loaded.predict(clips), classifier.predict(clips), strict=True):
        assert a["transcript"] == b["transcript"]


def test_bad_audio_is_refused(classifier, tmp_path):
    with pytest.raises(InvalidInputError, match="No audio file"):
        classifier.predict(str(tmp_path / "missing.wav"))
    path = tmp_path / "fast.wav"
    path.write_bytes(wav_bytes(np.zeros(1600), 16000))
    with pytest.raises(InvalidInputError, match="fast.wav: the clip's sample rate"):
        classifier.predict(str(path))
    with pytest.raises(InvalidInputError, match="clip 1 is empty"):
        classifier.predict([np.ones(100) * 0.1, np.zeros(0)])
    with pytest.raises(InvalidInputError, match="NaN"):
        classifier.predict(np.array([0.1, np.nan] * 200))
    with pytest.raises(InvalidInputError, match="longer than max_seconds=20"):
        classifier.predict(np.zeros(8000 * 21))
    with pytest.raises(InvalidInputError, match="mono samples"):
        classifier.predict([np.zeros((800, 2))])
    with pytest.raises(InvalidInputError, match="not a 16-bit PCM WAV"):
        classifier.predict(b"not audio at all")
    with pytest.raises(InvalidInputError, match="mixes files"):
        classifier.predict([np.ones(800) * 0.1, str(tmp_path / "x.wav")])


def test_training_data_is_checked(tones, connected):
    pipeline = SpeechPipeline(architecture="gru", units=4)
    with pytest.raises(InvalidInputError, match="transcribe it with a CTC"):
        pipeline.fit(connected.train, epochs=1, verbose=0)
    at_16k = Utterances(tones.train.audio, tones.train.transcripts, sample_rate=16000)
    with pytest.raises(InvalidInputError, match="16000 Hz"):
        pipeline.fit(at_16k, epochs=1, verbose=0)
    with pytest.raises(InvalidInputError, match="'x1' of clip 0 holds"):
        SpeechPipeline(architecture="ctc").fit(([np.ones(800)], ["x1"]), verbose=0)


def test_decoding_options_belong_to_ctc(classifier):
    with pytest.raises(InvalidArgumentError, match="apply to the CTC"):
        classifier.predict(np.ones(800) * 0.1, method="beam")
    with pytest.raises(InvalidArgumentError, match="one character"):
        SpeechPipeline(["yes", "no"], architecture="ctc")


def test_the_export_serves_wav_bytes(recogniser, connected, tmp_path):
    recogniser.export(tmp_path / "model")
    served = tf.saved_model.load(str(tmp_path / "model"))
    clips = [np.round(c * 32768) / 32768 for c in connected.test.audio[:4]]
    data = tf.constant([wav_bytes(c) for c in clips])
    assert [t.decode() for t in served.serve(data)["transcript"].numpy()] == (
        recogniser.transcribe(clips)
    )
    beam = served.serve_beam(data)["transcript"].numpy()
    assert [t.decode() for t in beam] == recogniser.transcribe(clips, method="beam")
    with pytest.raises(tf.errors.InvalidArgumentError, match="sample rate"):
        served.serve(tf.constant([wav_bytes(np.zeros(800), 16000)]))


def test_a_pipeline_at_16_khz_reads_16_khz_clips(tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(3200) / 16000
    clips = [0.3 * np.sin(2 * np.pi * hz * t) + rng.normal(0, 0.01, 3200)
             for hz in (500, 3000) * 8]  # fmt: skip
    data = Utterances(clips, ["low", "high"] * 8, sample_rate=16000)
    pipeline = SpeechPipeline(["high", "low"], "gru", units=4, sample_rate=16000)
    pipeline.fit(data, epochs=1, verbose=0)
    path = tmp_path / "clip.wav"
    path.write_bytes(wav_bytes(clips[0], 16000))
    assert pipeline.predict(str(path))["transcript"] in ("high", "low")
    with pytest.raises(InvalidInputError, match="differs from 16000 Hz"):
        pipeline.predict(wav_bytes(clips[0], 8000))
