"""The in-graph TextEncoder: normalisation, splitting, ids, bad input."""

import pathlib

import numpy as np
import pytest
import tensorflow as tf

from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.text import TextEncoder, Vocabulary


def tokens(encoder, text):
    return [t.decode("utf-8") for t in encoder.tokenize([text]).to_list()[0]]


@pytest.fixture(scope="module")
def encoder():
    enc = TextEncoder()
    enc.adapt(["I like red apples.", "I don't like pears!", "John's pet"])
    return enc


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I like red apples", ["i", "like", "red", "apples"]),
        ("Great film!!", ["great", "film", "!", "!"]),
        ("It doesn't work", ["it", "does", "n't", "work"]),
        ("It does n't work", ["it", "does", "n't", "work"]),  # already split (SST)
        ("John's pet can't", ["john", "'s", "pet", "ca", "n't"]),
        ("We're here, they'll go", ["we", "'re", "here", ",", "they", "'ll", "go"]),
        ("It\u2019s \u201cfine\u201d", ["it", "'s", '"', "fine", '"']),
        ("'quoted'", ["'", "quoted", "'"]),
        ("CAFÉ Café café", ["café", "café", "café"]),
        ("ﬁne \uff21", ["fine", "a"]),  # NFKC: ligature and full-width letter
        ("¿Tienes una mascota?", ["¿", "tienes", "una", "mascota", "?"]),
        ("well-made 3.5", ["well", "-", "made", "3", ".", "5"]),
        ("  \t\n ", []),
        ("", []),
    ],
)
def test_tokenisation(encoder, text, expected):
    assert tokens(encoder, text) == expected


def test_invalid_utf8_is_replaced_not_an_error(encoder):
    assert tokens(encoder, b"ok\xff") == ["ok", "\ufffd"]


def test_case_and_punctuation_options():
    plain = TextEncoder(lowercase=False, split_punctuation=False)
    assert tokens(plain, "Don't STOP!") == ["Don't", "STOP!"]


def test_ids_pad_unknown_and_empty_rows(encoder):
    ids = encoder(["I like green apples", "", "   "]).numpy()
    vocab = encoder.vocabulary
    assert ids[0].tolist() == vocab.encode(["i", "like", "[UNK]", "apples"])
    # No tokens at all: a single [UNK], so that no model averages over nothing.
    assert ids[1].tolist() == [vocab.unk_id, 0, 0, 0]
    assert ids[2].tolist() == [vocab.unk_id, 0, 0, 0]
    assert ids.dtype == np.int32


def test_long_texts_are_truncated_to_max_length(encoder):
    short = TextEncoder(encoder.vocabulary, max_length=3)
    ids = short.encode(["i like red apples and pears"]).to_list()
    assert ids == [encoder.vocabulary.encode(["i", "like", "red"])]


def test_start_and_end_tokens_count_towards_max_length(encoder):
    wrapped = TextEncoder(encoder.vocabulary, add_start_end=True, max_length=4)
    vocab = encoder.vocabulary
    assert wrapped.encode(["i like red apples", ""]).to_list() == [
        [vocab.start_id, *vocab.encode(["i", "like"]), vocab.end_id],
        [vocab.start_id, vocab.end_id],
    ]
    with pytest.raises(InvalidArgumentError, match="at least 3"):
        TextEncoder(add_start_end=True, max_length=2)


@pytest.mark.parametrize(
    "texts, message",
    [
        ("a single string", "single string"),
        ([1, 2], "item 0 is int"),
        (["ok", None], "item 1 is NoneType"),
        ({"a": 1}, "got dict"),
        (tf.constant([1.0]), "float32 tensor"),
    ],
)
def test_bad_inputs_name_the_problem(encoder, texts, message):
    with pytest.raises(InvalidInputError, match=message):
        encoder(texts)


def test_numpy_and_tensor_batches_are_accepted(encoder):
    expected = encoder(["i like pears"]).numpy()
    np.testing.assert_array_equal(encoder(np.array(["i like pears"])).numpy(), expected)
    np.testing.assert_array_equal(
        encoder(tf.constant(["i like pears"])).numpy(), expected
    )


def test_encoding_needs_a_vocabulary():
    with pytest.raises(InvalidInputError, match="adapt"):
        TextEncoder()(["hello"])


def test_runs_inside_tf_function_and_tf_data(encoder):
    graph_fn = tf.function(
        encoder.__call__, input_signature=[tf.TensorSpec([None], tf.string)]
    )
    eager = encoder(["i like red apples", "pears"]).numpy()
    np.testing.assert_array_equal(
        graph_fn(tf.constant(["i like red apples", "pears"])).numpy(), eager
    )
    dataset = tf.data.Dataset.from_tensor_slices(["i like red apples", "pears"]).batch(
        2
    )
    np.testing.assert_array_equal(next(iter(dataset.map(encoder))).numpy(), eager)


def test_save_and_load_round_trip(encoder, tmp_path):
    short = TextEncoder(encoder.vocabulary, max_length=5, lowercase=True)
    short.save(tmp_path / "encoder.json")
    loaded = TextEncoder.load(tmp_path / "encoder.json")
    assert loaded.get_config() == short.get_config()
    text = ["John's pet doesn't like red apples at all"]
    np.testing.assert_array_equal(loaded(text).numpy(), short(text).numpy())


def test_adapt_builds_from_training_text_only():
    enc = TextEncoder()
    enc.adapt(["a a a b b c"], min_count=2)
    assert enc.vocabulary == Vocabulary(("", "[UNK]", "[START]", "[END]", "a", "b"))


@pytest.mark.parametrize(
    "text",
    [
        "¿tienes una mascota?",
        "¡qué bonito!",
        "john doesn't like it, (really) 100%!",
        "2011-03-25",
        "it's 10:30 in 03/25/2011.",
        "",
    ],
)
def test_detokenize_undoes_the_tokenizer_spaces(text):
    encoder = TextEncoder(add_start_end=True)
    encoder.adapt([text, "x"])
    ids = encoder([text, "x"])  # dense, padded, with [START] and [END]
    assert encoder.detokenize(ids).numpy()[0].decode() == text
    assert encoder.detokenize(encoder.encode([text])).numpy()[0].decode() == text


def test_detokenize_drops_reserved_tokens_and_keeps_unknown_words_out():
    encoder = TextEncoder()
    encoder.adapt(["a b c"])
    ids = tf.constant([[2, 4, 1, 5, 3, 0, 0]])  # [START] a [UNK] b [END] pad pad
    assert encoder.detokenize(ids).numpy().tolist() == [b"a b"]


def test_adapting_on_texts_without_words_says_so():
    with pytest.raises(InvalidInputError, match="training texts are empty"):
        TextEncoder().adapt(["", "   "])
    with pytest.raises(InvalidInputError, match="min_count"):
        TextEncoder().adapt(["a b", "c"], min_count=2)


REFERENCES = pathlib.Path(__file__).parents[1] / "data" / "detokenizer_references.tsv"


def references_by_language():
    by_language = {}
    for line in REFERENCES.read_text(encoding="utf-8").splitlines():
        language, sentence = line.split("\t")
        by_language.setdefault(language, []).append(sentence)
    return by_language


@pytest.mark.parametrize("lowercase", [False, True])
@pytest.mark.parametrize("language", ["en", "es", "fr", "de"])
def test_kept_spacing_round_trips_score_at_least_99_bleu(language, lowercase):
    """References tokenised and detokenised as a translator's target text:
    with kept spacing they come back as written, in every language (lower
    case when the encoder lowers it, as translators do by default)."""
    from seqkeras.metrics import corpus_bleu

    sentences = references_by_language()[language]
    assert len(sentences) == 20
    encoder = TextEncoder(add_start_end=True, keep_spacing=True, lowercase=lowercase)
    encoder.adapt(sentences)
    back = [t.decode() for t in encoder.detokenize(encoder(sentences)).numpy()]
    assert corpus_bleu(back, sentences, lowercase=lowercase) >= 99.0
    assert back == [s.lower() if lowercase else s for s in sentences]  # exactly


def test_rules_alone_split_french_elisions_and_hyphens():
    """What the English and Spanish rules did to French, and still do for
    pipelines saved before kept spacing."""
    sentences = references_by_language()["fr"][:3]
    encoder = TextEncoder(lowercase=False)
    encoder.adapt(sentences)
    back = [t.decode() for t in encoder.detokenize(encoder.encode(sentences)).numpy()]
    assert back[:2] == ["J ' ai vu l ' homme aujourd ' hui.", "As - tu mangé?"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("J'ai vu", ["j", "￭'￭", "ai", "vu"]),
        ("as-tu ?", ["as", "￭-￭", "tu", "?"]),
        ("« Oui »", ["«", "oui", "»"]),
        ("„Hallo!“", ["„￭", "hallo", "￭!￭", "￭“"]),
        (
            "doesn't (really)...",
            ["does", "￭n't", "(￭", "really", "￭)￭", "￭.￭", "￭.￭", "￭."],
        ),
        ("It\u2019s", ["it", "￭\u2019￭", "s"]),  # quotes kept as written
        ("H₂O", ["h₂o"]),  # NFC, not NFKC
        ("", []),
    ],
)
def test_kept_spacing_marks_the_joined_side(text, expected):
    assert tokens(TextEncoder(keep_spacing=True), text) == expected


def test_kept_spacing_is_saved_and_old_encoders_keep_the_rules(tmp_path):
    encoder = TextEncoder(keep_spacing=True)
    encoder.adapt(["J'ai faim."])
    encoder.save(tmp_path / "encoder.json")
    assert TextEncoder.load(tmp_path / "encoder.json").keep_spacing
    config = encoder.get_config()
    del config["keep_spacing"]  # an encoder saved before the option
    assert not TextEncoder.from_config(config).keep_spacing
