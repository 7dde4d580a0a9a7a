import keras
import numpy as np
import pytest

from seqkeras.errors import InvalidArgumentError
from seqkeras.models.captioning import (
    PRESETS,
    Captioner,
    build_captioner,
    build_image_encoder,
)
from tests.helpers import (
    assert_config_round_trip,
    assert_keras_round_trip,
    fit_one_step,
)

SHAPE = (16, 16, 3)
SMALL = {"image_shape": SHAPE, "encoder_filters": (4, 6), "units": 5}
SMALL["embedding_dim"] = 4
IMAGES = np.random.default_rng(0).uniform(0, 255, (2, *SHAPE)).astype("float32")
CAPTION_IN = np.array([[2, 5, 6, 7], [2, 8, 0, 0]])
CAPTION_OUT = np.array([[5, 6, 7, 3], [8, 3, 0, 0]])
BATCH = {"image": IMAGES, "caption_in": CAPTION_IN}
VARIANTS = {
    "inject-lstm": {"conditioning": "init_inject", "cell": "lstm"},
    "inject-norm-gru-2": {
        "conditioning": "init_inject",
        "initial_state_norm": "layer",
        "cell": "gru",
        "num_layers": 2,
    },
    "pre-inject-gru": {"conditioning": "pre_inject", "cell": "gru", "num_layers": 2},
    "merge-rnn": {"conditioning": "merge", "cell": "simple_rnn"},
    "attention": {"conditioning": "init_inject", "attention": "additive"},
    "merge-dot-2": {"conditioning": "merge", "attention": "dot", "num_layers": 2},
}


def model_for(name, **kwargs):
    # Keras' own initialisers, seeded: a fixed pattern of weights (as
    # `deterministic_weights` sets) leaves the CNN's ReLUs all at zero.
    keras.utils.set_random_seed(0)
    return build_captioner(12, **{**SMALL, **VARIANTS[name], **kwargs})


@pytest.mark.parametrize("name", VARIANTS)
def test_step_by_step_decoding_equals_teacher_forcing(name):
    model = model_for(name, compile=False)
    full = np.asarray(model(BATCH))
    assert full.shape == (2, 4, 12)
    state = model.initial_decoder_state(IMAGES)
    step = model.step_function()
    for t in range(CAPTION_IN.shape[1]):
        logits, state, attention = step(CAPTION_IN[:, t], state)
        real = CAPTION_IN[:, t] != 0
        np.testing.assert_allclose(np.asarray(logits)[real], full[real, t], atol=1e-5)
        attention = np.asarray(attention)
        assert attention.shape == (2, 16)  # a 4 x 4 grid of cells
        if model.attention is not None:
            np.testing.assert_allclose(attention.sum(-1), 1.0, atol=1e-5)


@pytest.mark.parametrize("name", VARIANTS)
def test_padding_changes_nothing_and_the_image_matters(name):
    model = model_for(name, compile=False)
    padded = np.asarray(model(BATCH))
    alone = np.asarray(model({"image": IMAGES[1:], "caption_in": CAPTION_IN[1:, :2]}))
    np.testing.assert_allclose(padded[1, :2], alone[0], atol=1e-5)
    other = np.asarray(model({"image": IMAGES[::-1], "caption_in": CAPTION_IN}))
    # Row 0 now reads row 1's image: its very first word changes.
    assert not np.allclose(other[0, 0], padded[0, 0], atol=1e-4)


def test_init_inject_starts_from_the_image_by_hand():
    model = model_for("inject-lstm", compile=False)
    features = np.asarray(model.image_encoder(IMAGES)).reshape(2, -1)
    w, b = model.get_layer("image_vector").get_weights()
    image = np.maximum(features @ w + b, 0)  # ReLU
    states = model.initial_decoder_state(IMAGES)["states"]
    assert len(states) == 2  # h and c of one LSTM
    for state, index in zip(states, (0, 1), strict=True):
        w, b = model.get_layer(f"image_to_state_{index}").get_weights()
        np.testing.assert_allclose(state, np.tanh(image @ w + b), atol=1e-5)


def test_initial_state_norm_normalises_before_the_tanh():
    model = model_for("inject-lstm", initial_state_norm="layer", compile=False)
    image = np.asarray(model.encode(IMAGES)[2])
    states = model.initial_decoder_state(IMAGES)["states"]
    assert len(states) == 2
    for index, state in enumerate(states):
        w, b = model.get_layer(f"image_to_state_{index}").get_weights()
        x = image @ w + b
        x = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
        np.testing.assert_allclose(state, np.tanh(x), atol=1e-4)


def test_initial_state_norm_keeps_large_pre_activations_out_of_saturation():
    def states(norm, scale):
        model = model_for("inject-lstm", initial_state_norm=norm, compile=False)
        for index in (0, 1):
            layer = model.get_layer(f"image_to_state_{index}")
            layer.set_weights([w * scale for w in layer.get_weights()])
        return np.stack(model.initial_decoder_state(IMAGES)["states"])

    # Pre-activations 1000 times larger (trained weights grow that way): the
    # plain tanh is pinned near +-1, the normalised state is not, and does
    # not change when they grow.
    assert np.mean(np.abs(states(None, 1.0))) < 0.5
    assert np.mean(np.abs(states(None, 1000.0))) > 0.9
    normalised = states("layer", 1000.0)
    assert np.mean(np.abs(normalised)) < 0.8
    np.testing.assert_allclose(normalised, states("layer", 100.0), atol=1e-4)


def test_merge_keeps_the_image_out_of_the_rnn():
    model = model_for("merge-rnn", compile=False)
    first = model.initial_decoder_state(IMAGES)
    second = model.initial_decoder_state(IMAGES[::-1])
    np.testing.assert_array_equal(first["states"][0], 0.0)
    _, states_a, _ = model.decode(
        CAPTION_IN, first["states"], None, None, image=first["image"]
    )
    _, states_b, _ = model.decode(
        CAPTION_IN, second["states"], None, None, image=second["image"]
    )
    # The RNN read the same words from the same zero state...
    np.testing.assert_array_equal(states_a[0], states_b[0])


def test_pre_inject_reads_the_image_as_its_first_input():
    model = model_for("pre-inject-gru", compile=False)
    image = model.encode(IMAGES)[2]
    first = np.asarray(model.get_layer("image_to_input")(image))[:, None, :]
    zeros = [np.zeros((2, 5), "float32")] * 2
    _, expected = model.run_decoder_layers(first, zeros)
    states = model.initial_decoder_state(IMAGES)["states"]
    for got, want in zip(states, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)
    assert not np.allclose(states[0], 0.0)


def test_attention_memory_knows_where_each_cell_is():
    # An encoder that sees nothing: the same features in all 4 x 4 cells.
    image = keras.Input(SHAPE)
    flat = keras.layers.Conv2D(
        6, 1, kernel_initializer="zeros", bias_initializer="ones"
    )
    encoder = keras.Model(image, keras.layers.AveragePooling2D(4)(flat(image)))
    keras.utils.set_random_seed(0)
    model = build_captioner(12, **{**SMALL, **VARIANTS["attention"]}, encoder=encoder)
    w, b = model.get_layer("feature_projection").get_weights()
    [positions] = model.get_layer("cell_position").get_weights()
    assert positions.shape == (16, 5)  # one vector per cell
    expected = np.maximum(np.ones(6) @ w + b, 0) + positions
    memory = np.asarray(model.encode(IMAGES)[0])
    np.testing.assert_allclose(memory, np.stack([expected] * 2), atol=1e-5)
    # Without the positions every cell would be the same: "above" and
    # "below" could not be told apart from the attended context.
    assert len({tuple(np.round(row, 4)) for row in memory[0]}) == 16


def test_word_dropout_hides_the_words_read_in_training_only():
    from seqkeras.models.captioning import START_ID, UNK_ID
    from seqkeras.text import Vocabulary

    assert (START_ID, UNK_ID) == (Vocabulary.start_id, Vocabulary.unk_id)
    # Nearly 1 (a rate must be below 1); the seed is fixed by model_for.
    all_hidden = model_for("attention", compile=False, word_dropout=0.99999)
    plain = model_for("attention", compile=False)
    plain.set_weights(all_hidden.get_weights())
    unknown = np.where(CAPTION_IN > START_ID, UNK_ID, CAPTION_IN)
    # training=True on both: batch normalisation then uses the batch's own
    # statistics in each.
    expected = np.asarray(
        plain({"image": IMAGES, "caption_in": unknown}, training=True)
    )
    trained = np.asarray(all_hidden(BATCH, training=True))
    real = CAPTION_IN != 0
    np.testing.assert_allclose(trained[real], expected[real], atol=1e-5)
    # Outside training the words are read as they are.
    np.testing.assert_allclose(all_hidden(BATCH), plain(BATCH), atol=1e-6)
    seen = np.asarray(plain(BATCH, training=True))
    assert not np.allclose(trained[real], seen[real], atol=1e-4)
    half = model_for("attention", compile=False, word_dropout=0.5)
    assert half.get_config()["word_dropout"] == 0.5
    assert Captioner.from_config(half.get_config()).word_dropout == 0.5


def test_loss_and_accuracy_leave_padding_out():
    model = model_for("attention")
    logits = np.asarray(model(BATCH))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    real = CAPTION_OUT != 0
    picked = np.take_along_axis(log_probs, CAPTION_OUT[..., None], -1)[..., 0]
    result = model.evaluate(BATCH, CAPTION_OUT, verbose=0, return_dict=True)
    np.testing.assert_allclose(result["loss"], -picked[real].mean(), rtol=1e-5)


@pytest.mark.parametrize("name", ["inject-lstm", "inject-norm-gru-2", "merge-dot-2"])
def test_round_trips_and_training(name, tmp_path):
    model = model_for(name)
    assert isinstance(model, Captioner)
    assert_config_round_trip(model, BATCH)
    assert_keras_round_trip(model, BATCH, tmp_path)
    fit_one_step(model, BATCH, CAPTION_OUT)


def tiny_backbone():
    image = keras.Input(SHAPE)
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(image)
    x = keras.layers.Conv2D(3, 3, strides=4, padding="same", name="stem")(x)
    return keras.Model(image, x, name="my_backbone")


def test_any_keras_image_model_can_be_the_encoder(tmp_path):
    model = build_captioner(
        12,
        encoder=tiny_backbone(),
        attention="dot",
        **{**SMALL, "encoder_filters": (4,)},
    )
    assert model.feature_grid == (4, 4)
    assert model.image_encoder.name == "my_backbone"
    loaded = assert_keras_round_trip(model, BATCH, tmp_path)
    assert loaded.image_encoder.name == "my_backbone"
    # A keras.applications backbone, untrained (no weights can be downloaded);
    # the narrowest MobileNet, which builds in half MobileNetV3Small's time.
    backbone = keras.applications.MobileNet(
        input_shape=(32, 32, 3), include_top=False, weights=None, alpha=0.25
    )
    big = build_captioner(12, encoder=backbone, image_shape=(32, 32, 3), units=4)
    assert big.feature_grid == (1, 1)
    images = np.zeros((1, 32, 32, 3))
    assert big({"image": images, "caption_in": CAPTION_IN[:1]}).shape == (1, 4, 12)


def test_small_cnn_shapes():
    encoder = build_image_encoder((64, 64, 3))
    assert encoder.output_shape == (None, 8, 8, 128)
    model = build_captioner(30, units=8, embedding_dim=4, attention="additive")
    assert model.feature_grid == (8, 8)


def test_presets():
    assert PRESETS["inject"] == {
        "conditioning": "init_inject",
        "attention": None,
        "initial_state_norm": "layer",
    }
    assert PRESETS["attention"]["attention"] == "additive"
    assert PRESETS["merge"]["conditioning"] == "merge"


def vector_encoder():
    image = keras.Input(SHAPE)
    return keras.Model(image, keras.layers.GlobalAveragePooling2D()(image))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"conditioning": "inject"}, "`conditioning`"),
        ({"attention": "cosine"}, "`attention`"),
        ({"image_pooling": "max"}, "`image_pooling`"),
        ({"initial_state_norm": "batch"}, "`initial_state_norm`"),
        ({"encoder": "resnet"}, "keras.Model from images"),
        ({"encoder": vector_encoder(), "attention": "dot"}, "spatial feature map"),
        ({"units": 0}, "`units`"),
        ({"image_shape": (16, 16)}, "`image_shape`"),
        ({"learning_rate": 0}, "`learning_rate`"),
    ],
)
def test_bad_arguments_name_the_problem(kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message):
        build_captioner(12, **{**SMALL, **kwargs})


def test_a_vector_encoder_works_without_attention():
    model = build_captioner(12, encoder=vector_encoder(), **SMALL)
    assert model.feature_grid == (1, 1)
    assert model(BATCH).shape == (2, 4, 12)
