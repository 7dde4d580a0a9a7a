"""Training curves, confusion matrices, forecasts and comparisons."""

import numpy as np
import pytest

from seqkeras import plots

HISTORY = {
    "loss": [0.7, 0.5, 0.3],
    "accuracy": [0.5, 0.7, 0.9],
    "val_loss": [0.65, 0.55, 0.5],
    "val_accuracy": [0.55, 0.65, 0.7],
}


def test_history_has_one_panel_per_metric_with_both_curves():
    fig = plots.plot_history(HISTORY, title="lstm")
    axes = fig.get_axes()
    assert [ax.get_ylabel() for ax in axes] == ["loss", "accuracy"]
    for ax in axes:
        assert [line.get_label() for line in ax.get_lines()] == [
            "training",
            "validation",
        ]
        assert list(ax.get_lines()[0].get_xdata()) == [1, 2, 3]
    assert fig._suptitle.get_text() == "lstm"


def test_history_without_validation_and_empty_history():
    fig = plots.plot_history({"loss": [1.0, 0.5]})
    assert len(fig.get_axes()[0].get_lines()) == 1
    with pytest.raises(ValueError, match="empty"):
        plots.plot_history({})


def test_confusion_matrix_prints_counts_in_cells():
    fig = plots.plot_confusion_matrix([[8, 2], [1, 9]], ["negative", "positive"])
    ax = fig.get_axes()[0]
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "8", "9"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["negative", "positive"]
    assert ax.get_ylabel() == "true" and ax.get_xlabel() == "predicted"


def test_forecasts_show_past_truth_and_each_model():
    inputs = np.arange(5 * 4 * 2, dtype=float).reshape(5, 4, 2)
    labels = np.ones((5, 3, 1))
    forecasts = {"persistence": np.zeros((5, 3, 1)), "lstm": np.full((5, 3, 1), 2.0)}
    fig = plots.plot_forecasts(
        inputs, labels, forecasts, input_column=1, target_name="temp", max_windows=2
    )
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["window 0", "window 4"]
    lines = axes[1].get_lines()
    assert [line.get_label() for line in lines[:4]] == [
        "inputs",
        "true",
        "persistence",
        "lstm",
    ]
    assert list(lines[0].get_xdata()) == [-3, -2, -1, 0]
    assert list(lines[0].get_ydata()) == list(inputs[4, :, 1])
    assert list(lines[3].get_xdata()) == [1, 2, 3]
    assert axes[0].get_ylabel() == "temp"


def test_error_per_horizon_and_model_comparison():
    fig = plots.plot_error_per_horizon({"a": [1, 2, 3], "b": [2, 2, 2]}, unit="F")
    ax = fig.get_axes()[0]
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    assert ax.get_ylabel() == "MAE (F)"
    fig = plots.plot_model_comparison(
        {"persistence": 1.8, "lstm": 0.9}, highlight="lstm"
    )
    ax = fig.get_axes()[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["persistence", "lstm"]
    assert [t.get_text() for t in ax.texts] == ["1.8", "0.9"]
    with pytest.raises(ValueError, match="No models"):
        plots.plot_model_comparison({})


def test_transitions_heatmap_is_centred_and_labelled():
    scores = np.array([[0.5, -2.0], [1.0, 0.0]])
    fig = plots.plot_transitions(scores, ["O", "I-PER"])
    ax = fig.axes[0]
    image = ax.images[0]
    assert image.get_clim() == (-2.0, 2.0)  # zero is white
    assert [t.get_text() for t in ax.get_xticklabels()] == ["O", "I-PER"]
    assert ax.get_ylabel() == "previous tag"
    with pytest.raises(ValueError, match="Expected a 3 x 3 matrix"):
        plots.plot_transitions(scores, ["O", "B-PER", "I-PER"])


def test_attention_map_labels_source_and_generated_words():
    weights = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1]])
    fig = plots.plot_attention(weights, ["¿", "tienes", "?"], ["do", "[END]"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["¿", "tienes", "?"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["do", "[END]"]
    np.testing.assert_array_equal(ax.images[0].get_array(), weights)
    with pytest.raises(ValueError, match="target words x source words"):
        plots.plot_attention(weights.T, ["a", "b", "c"], ["x", "y"])


def _boxes(ax):
    """The diagram's node labels, and its arrows as (start, end) pairs."""
    labels = [
        t.get_text() for t in ax.texts if t.get_text() and "\n" not in t.get_text()
    ]
    arrows = [(t.xyann, t.xy) for t in ax.texts if not t.get_text()]
    return labels, arrows


def test_rnn_diagram_of_a_deep_bidirectional_many_to_one_model():
    from seqkeras.models import build_sentiment_classifier

    model = build_sentiment_classifier(40, units=4, num_layers=2, bidirectional=True)
    fig = plots.plot_rnn_diagram(model, time_steps=3)
    ax = fig.axes[0]
    labels, arrows = _boxes(ax)
    steps = range(1, 4)
    expected = [f"x<{t}>" for t in steps]
    for layer in (1, 2):
        expected += [f"a→[{layer}]<{t}>" for t in steps]
        expected += [f"a←[{layer}]<{t}>" for t in steps]
    assert labels == [*expected, "ŷ"]
    assert len(ax.patches) == len(labels)
    # The backward rows pass their state right to left, the forward ones
    # left to right: 2 arrows per row of 3 steps.
    y_of = {t.get_text(): t.get_position()[1] for t in ax.texts if t.get_text()}
    for name, sign in [("a→[1]<1>", 1), ("a←[1]<1>", -1), ("a←[2]<1>", -1)]:
        row = [(a, b) for a, b in arrows if a[1] == b[1] == y_of[name]]
        assert len(row) == 2
        assert all(np.sign(b[0] - a[0]) == sign for a, b in row)
    # One output, fed by both directions of the last layer.
    top = max(b[1] for _, b in arrows)
    assert top < y_of["ŷ"]
    assert [b[0] for _, b in arrows if b[1] == top] == [2.0, 2.0]
    side = [t.get_text() for t in ax.texts if "\n" in t.get_text()]
    assert side == [
        "token_embedding\nsize 128",
        "encoder_bilstm_0\nbidirectional lstm, 4 units",
        "encoder_bilstm_1\nbidirectional lstm, 4 units",
        "classifier\nsize 1",
    ]
    assert ax.get_title() == "sentiment_classifier"


def test_rnn_diagram_of_a_stacked_many_to_many_model():
    from seqkeras.models import build_sequence_tagger

    model = build_sequence_tagger(
        40, 5, cell="gru", units=4, num_layers=3, bidirectional=False
    )
    labels, arrows = _boxes(plots.plot_rnn_diagram(model, time_steps=2).axes[0])
    expected = ["x<1>", "x<2>"]
    expected += [f"a[{layer}]<{t}>" for layer in (1, 2, 3) for t in (1, 2)]
    assert labels == [*expected, "ŷ<1>", "ŷ<2>"]
    # 3 recurrent arrows, 2 x 4 vertical ones (x -> a[1] -> a[2] -> a[3] -> ŷ).
    assert len(arrows) == 3 + 8
    # Nothing to route round in one direction: every arrow is straight.
    assert all(a[0] == b[0] or a[1] == b[1] for a, b in arrows)
    with pytest.raises(ValueError, match="time_steps between 1 and 12"):
        plots.plot_rnn_diagram(model, time_steps=0)


def _rolled(ax):
    """The labels of the rolled form (drawn with gid "rolled")."""
    return [t.get_text() for t in ax.texts if t.get_gid() == "rolled" and t.get_text()]


def test_rnn_diagram_rolled_beside_unrolled():
    import keras

    model = keras.Sequential(
        [
            keras.Input((None, 5)),
            keras.layers.SimpleRNN(3, return_sequences=True, name="rnn"),
            keras.layers.Dense(2, name="out"),
        ]
    )
    ax = plots.plot_rnn_diagram(model, time_steps=3, rolled=True).axes[0]
    rolled = _rolled(ax)
    # One box per row for step t, the loop's a<t-1>, the output, and "=".
    assert rolled == ["x<t>", "a[1]<t>", "a[1]<t-1>", "ŷ<t>", "="]
    labels, _ = _boxes(ax)
    unrolled = [label for label in labels if label not in rolled]
    assert unrolled == [f"{row}<{t}>" for row in ("x", "a[1]", "ŷ") for t in (1, 2, 3)]
    # The loop leaves the a box on its right and comes back into it; every
    # unrolled column lies to the right of the "=".
    y_of = {t.get_text(): t.get_position() for t in ax.texts if t.get_text()}
    (box_x, box_y) = y_of["a[1]<t>"]
    loop = [
        (a, b)
        for a, b in (
            (t.xyann, t.xy)
            for t in ax.texts
            if t.get_gid() == "rolled" and not t.get_text()
        )
        if a[1] == b[1] == box_y + 0.1
    ]
    assert len(loop) == 1 and loop[0][1][0] < loop[0][0][0]  # back, right to left
    assert box_x < loop[0][1][0] + 1e-9 < box_x + 0.5
    assert all(y_of[f"x<{t}>"][0] > y_of["="][0] for t in (1, 2, 3))
    # A backward row's loop brings the state of step t+1.
    from seqkeras.models import build_sentiment_classifier

    bidirectional = build_sentiment_classifier(40, units=4, bidirectional=True)
    ax = plots.plot_rnn_diagram(bidirectional, time_steps=2, rolled=True).axes[0]
    rolled = _rolled(ax)
    assert rolled[:5] == ["x<t>", "a→[1]<t>", "a→[1]<t-1>", "a←[1]<t>", "a←[1]<t+1>"]
    assert rolled[-2:] == ["ŷ", "="]
    # Without rolled=True nothing of it is drawn.
    ax = plots.plot_rnn_diagram(bidirectional, time_steps=2).axes[0]
    assert not _rolled(ax) and not [t for t in ax.texts if t.get_gid() == "rolled"]


def test_rnn_shapes_draw_four_panels_with_their_boxes():
    fig = plots.plot_rnn_shapes(time_steps=3)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "one to many",
        "many to one",
        "many to many, Tx = Ty",
        "many to many, Tx ≠ Ty",
    ]
    boxes = {}
    for ax in fig.axes:
        texts = [t.get_text() for t in ax.texts if t.get_gid() is None and t.get_text()]
        boxes[ax.get_title()] = texts
        assert len(ax.patches) == len(texts)  # one box per label
        (task,) = [t.get_text() for t in ax.texts if t.get_gid() == "task"]
        assert "→" in task or "sequence" in task
    states = [f"a<{t}>" for t in (1, 2, 3)]
    assert boxes["one to many"] == [*states, "x", "ŷ<1>", "ŷ<2>", "ŷ<3>"]
    assert boxes["many to one"] == [*states, "x<1>", "x<2>", "x<3>", "ŷ"]
    assert boxes["many to many, Tx = Ty"] == [
        *states,
        "x<1>",
        "x<2>",
        "x<3>",
        "ŷ<1>",
        "ŷ<2>",
        "ŷ<3>",
    ]
    assert boxes["many to many, Tx ≠ Ty"] == [
        *states,
        "a<4>",
        "a<5>",
        "x<1>",
        "x<2>",
        "x<3>",
        "ŷ<1>",
        "ŷ<2>",
    ]
    # The outputs fed back as the next input are dashed: 2 when generating
    # 3 outputs, 1 for the decoder's 2, none where the inputs are given.
    dashed = [
        sum(t.arrow_patch.get_linestyle() != "-" for t in ax.texts if not t.get_text())
        for ax in fig.axes
    ]
    assert dashed == [2, 0, 0, 1]
    with pytest.raises(ValueError, match="time_steps between 2 and 6"):
        plots.plot_rnn_shapes(time_steps=1)


def _unit_labels(fig):
    """A unit diagram's labels (not its equations), and its equations."""
    ax = fig.axes[0]
    labels = {t.get_text() for t in ax.texts if t.get_gid() != "equations"}
    (equations,) = [t.get_text() for t in ax.texts if t.get_gid() == "equations"]
    return ax, labels, equations.splitlines()


def test_cell_diagram_of_the_gru_and_the_simplified_gru():
    import keras

    from seqkeras.layers import GRUCell, SimplifiedGRUCell

    ax, labels, equations = _unit_labels(
        plots.plot_cell_diagram(keras.layers.GRU(8, name="gru"))
    )
    assert ax.get_title() == "gru: GRU, 8 units"
    assert {"Γu", "Γr", "c̃<t>", "c<t-1>", "c<t> = a<t>", "x<t>", "1-"} <= labels
    assert not {"Γf", "Γo", "a<t-1>"} & labels  # an LSTM's, not a GRU's
    assert [t.get_text() for t in ax.texts].count("σ") == 2
    # Keras' GRU applies Γr after the recurrent product; the course's before.
    assert "c̃<t> = tanh(Wcx x<t> + bc + Γr ⊙ (Wcc c<t-1> + bcr))" in equations
    _, _, course = _unit_labels(plots.plot_cell_diagram(GRUCell(4, name="g")))
    assert "c̃<t> = tanh(Wc [Γr ⊙ c<t-1>, x<t>] + bc)" in course
    assert course[-2:] == ["c<t> = Γu ⊙ c̃<t> + (1 - Γu) ⊙ c<t-1>", "a<t> = c<t>"]

    simplified = keras.layers.RNN(SimplifiedGRUCell(4), name="simple")
    ax, labels, equations = _unit_labels(plots.plot_cell_diagram(simplified))
    assert ax.get_title() == "simple: simplified GRU, 4 units"
    assert "Γu" in labels and "Γr" not in labels
    assert [t.get_text() for t in ax.texts].count("σ") == 1
    assert not any("Γr" in line for line in equations)


def test_cell_diagram_of_the_lstm_with_and_without_peepholes():
    import keras

    from seqkeras.layers import LSTMCell, PeepholeLSTMCell

    def peepholes(ax):
        return [t for t in ax.texts if t.get_gid() == "peephole"]

    ax, labels, equations = _unit_labels(
        plots.plot_cell_diagram(keras.layers.Bidirectional(keras.layers.LSTM(6)))
    )
    assert {"Γu", "Γf", "Γo", "c̃<t>", "c<t-1>", "a<t-1>", "c<t>", "a<t>"} <= labels
    assert "Γr" not in labels and "1-" not in labels
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("σ") == 3 and texts.count("tanh") == 2  # c̃ and tanh(c<t>)
    assert not peepholes(ax)
    assert equations[-2:] == [
        "c<t> = Γu ⊙ c̃<t> + Γf ⊙ c<t-1>",
        "a<t> = Γo ⊙ tanh(c<t>)",
    ]

    peephole = keras.layers.RNN(PeepholeLSTMCell(4), name="peep")
    ax, labels, equations = _unit_labels(plots.plot_cell_diagram(peephole))
    assert ax.get_title() == "peep: LSTM with peepholes, 4 units"
    assert len(peepholes(ax)) == 3  # Γf and Γu see c<t-1>, Γo sees c<t>
    assert all(t.arrow_patch.get_linestyle() != "-" for t in peepholes(ax))
    assert "Γo = σ(Wo [a<t-1>, x<t>] + po ⊙ c<t> + bo)" in equations

    # The course notes' output, a<t> = Γo ⊙ c<t>: no tanh box on the way out.
    linear = LSTMCell(4, output_activation="linear", name="notes")
    ax, _, equations = _unit_labels(plots.plot_cell_diagram(linear, title="notes"))
    assert [t.get_text() for t in ax.texts].count("tanh") == 1
    assert equations[-1] == "a<t> = Γo ⊙ c<t>" and ax.get_title() == "notes"


def test_cell_diagram_refuses_a_unit_without_gates():
    import keras

    with pytest.raises(ValueError, match="draws GRU and LSTM units.*got SimpleRNN"):
        plots.plot_cell_diagram(keras.layers.SimpleRNN(4))
    with pytest.raises(ValueError, match=r"plot_rnn_diagram\(model, rolled=True\)"):
        plots.plot_cell_diagram(keras.layers.Dense(4))


def test_embedding_plot_labels_every_word_and_colours_groups():
    points = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    fig = plots.plot_embeddings(
        points, ["good", "bad", "film"], groups=["positive", "negative", "other"]
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["good", "bad", "film"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "positive",
        "negative",
        "other",
    ]
    np.testing.assert_array_equal(ax.collections[1].get_offsets(), [[1.0, 0.0]])
    with pytest.raises(ValueError, match="project the vectors to 2-D"):
        plots.plot_embeddings(np.ones((3, 5)), ["a", "b", "c"])
    with pytest.raises(ValueError, match="one group per label"):
        plots.plot_embeddings(points, ["a", "b", "c"], groups=["x"])


def test_caption_grid_colours_right_and_wrong_captions():
    images = np.zeros((3, 8, 8, 3), "uint8")
    fig = plots.plot_caption_grid(
        images,
        ["a small red circle", "a large blue square", "one small red circle"],
        references=[["a small red circle"], ["a small blue square"], "x"],
        columns=2,
    )
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 3 and len(fig.axes) == 4  # one empty panel
    colours = [ax.title.get_color() for ax in shown]
    assert colours == ["green", "red", "red"]
    assert "(ref: a small blue square)" in shown[1].get_title()
    with pytest.raises(ValueError, match="3 images but 2 captions"):
        plots.plot_caption_grid(images, ["a", "b"])


def test_caption_attention_overlays_one_map_per_word():
    image = np.full((32, 32, 3), 100, "uint8")
    attention = np.zeros((3, 4, 4))
    attention[:, 0, 0] = 1.0
    fig = plots.plot_caption_attention(image, ["a", "red", "[END]"], attention)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["a", "red", "[END]"]
    overlay = panels[1].images[1]
    assert overlay.get_extent() == [0, 32, 32, 0]  # stretched over the image
    np.testing.assert_array_equal(overlay.get_array(), attention[1])
    assert fig._suptitle.get_text() == "a red"
    with pytest.raises(ValueError, match="for 2 words"):
        plots.plot_caption_attention(image, ["a", "b"], attention)


def test_tagged_sentence_boxes_entities_and_tags_without_spans():
    words = ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb"]
    predicted = ["B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O"]
    true = ["B-ORG", "O", "B-MISC", "O", "O", "O", "B-PER", "I-PER"]
    fig = plots.plot_tagged_sentence(words, predicted, reference=true, title="ner")
    texts = fig.axes[0].texts
    boxed = [t.get_text() for t in texts if t.get_bbox_patch() is not None]
    assert boxed == ["EU", "German", "British", "EU", "German", "British lamb"]
    labels = {t.get_text() for t in texts}
    assert {"ORG", "MISC", "PER", "predicted", "reference", "rejects"} <= labels
    assert fig._suptitle.get_text() == "ner"
    # Parts of speech: every word boxed, its tag underneath.
    fig = plots.plot_tagged_sentence(["the", "cat"], ["DET", "NOUN"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["the", "DET", "cat", "NOUN"]
    with pytest.raises(ValueError, match="one reference tag per word"):
        plots.plot_tagged_sentence(["a", "b"], ["O", "O"], reference=["O"])


def _tree_markers(ax):
    """The node circles of a tree plot: one scatter, one point per node."""
    from matplotlib.collections import PathCollection

    (markers,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    return markers


def test_tree_plot_draws_every_node_and_word_top_down():
    from seqkeras.datasets.trees import parse_tree

    tree = parse_tree("(1 (2 (2 the) (2 plot)) (1 (2 was) (1 (2 not) (3 good))))")
    fig = plots.plot_tree(tree)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["the", "plot", "was", "not", "good"]
    points = _tree_markers(ax).get_offsets()
    assert len(points) == tree.num_nodes == 9
    # Leaves on the bottom row in sentence order; each parent above its
    # taller child, midway between its children; the root on top.
    np.testing.assert_array_equal(points[:5], [[i, 0] for i in range(5)])
    for parent, (left, right) in enumerate(tree.children, start=5):
        assert points[parent, 0] == (points[left, 0] + points[right, 0]) / 2
        assert points[parent, 1] == 1 + max(points[left, 1], points[right, 1])
    assert points[-1, 1] == points[:, 1].max() == tree.height
    # One edge from every node but the root to its parent.
    (edges,) = [c for c in ax.collections if c is not _tree_markers(ax)]
    assert len(edges.get_segments()) == tree.num_nodes - 1
    assert ax.get_title() == "the plot was not good"


def test_tree_plot_colours_follow_the_labels():
    from seqkeras.datasets.trees import parse_tree
    from seqkeras.plots.trees import NO_LABEL, class_colours

    colours = np.array(class_colours(5))
    text = "(1 (2 not) (3 (2 very) (3 good)))"
    ax = plots.plot_tree(text).axes[0]  # a bracketed string: its own labels
    faces = _tree_markers(ax).get_facecolors()
    np.testing.assert_allclose(faces, colours[[2, 2, 3, 3, 1]])
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert names == [
        "very negative",
        "negative",
        "neutral",
        "positive",
        "very positive",
    ]
    # Neutral is grey, between a red negative end and a blue positive one.
    red, grey, blue = colours[0], colours[2], colours[4]
    assert red[0] > red[2] and blue[2] > blue[0] and grey[0] == grey[1] == grey[2]

    tree = parse_tree(text)
    ax = plots.plot_tree(tree, node_labels=[0, 4, -1, 2, 1]).axes[0]
    faces = _tree_markers(ax).get_facecolors()
    np.testing.assert_allclose(faces[[0, 1, 3, 4]], colours[[0, 4, 2, 1]])
    np.testing.assert_allclose(faces[2], [1.0, 1.0, 1.0, 1.0])  # no label
    assert NO_LABEL == "white"
    assert ax.get_legend().get_texts()[-1].get_text() == "no label"

    # Probabilities: each node its most probable class; two classes get the
    # two ends of the map and their names.
    probabilities = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.3, 0.7], [1, 0]])
    ax = plots.plot_tree(tree, probabilities=probabilities, title="p").axes[0]
    faces = _tree_markers(ax).get_facecolors()
    np.testing.assert_allclose(faces, np.array(class_colours(2))[[0, 1, 1, 1, 0]])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "negative",
        "positive",
    ]
    assert ax.get_title() == "p"


def test_tree_plot_draws_into_given_axes():
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    assert plots.plot_tree("(a (b c))", ax=right) is fig
    assert not left.collections and len(_tree_markers(right).get_offsets()) == 5
    # An unlabelled tree: every node white, and only the legend's "no label"
    # added to the classes.
    assert right.get_legend().get_texts()[-1].get_text() == "no label"


def test_tree_plot_refuses_bad_input():
    from seqkeras.datasets.trees import parse_tree

    tree = parse_tree("(1 (2 not) (3 good))")
    with pytest.raises(ValueError, match=r"one label per node \(3 for a tree of 2"):
        plots.plot_tree(tree, node_labels=[1, 2])
    with pytest.raises(ValueError, match="from 0 to 4 .* got 5 at node 1: pass label"):
        plots.plot_tree(tree, node_labels=[1, 5, 2])
    with pytest.raises(ValueError, match="from 0 to 1 .* got 3 at node 2"):
        plots.plot_tree(tree, node_labels=[0, 1, 3], label_names=["neg", "pos"])
    with pytest.raises(ValueError, match="not both"):
        plots.plot_tree(tree, node_labels=[1, 2, 3], probabilities=np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"shape \(nodes, classes\)"):
        plots.plot_tree(tree, probabilities=np.ones((2, 5)))
    with pytest.raises(ValueError, match="2 label names for 5 classes"):
        plots.plot_tree(tree, probabilities=np.ones((3, 5)), label_names=["a", "b"])
    with pytest.raises(ValueError, match="integer class ids"):
        plots.plot_tree(tree, node_labels=[0.5, 1.0, 2.0])
    with pytest.raises(ValueError, match="Expected a Tree"):
        plots.plot_tree(["not", "good"])
