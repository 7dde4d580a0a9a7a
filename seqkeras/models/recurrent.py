"""Recurrent layers and stacks shared by every builder.

`recurrent_layer` turns a cell name (Keras' "simple_rnn", "gru", "lstm"; the
course's "simplified_gru", "course_gru", "course_lstm", "peephole_lstm") or a
cell class into a Keras recurrent layer; `recurrent_stack` applies `num_layers` of
them, optionally bidirectional, to a sequence of vectors. Builders for every
task (sentiment, tagging, translation, forecasting, language models) use
these two, so `cell=` means the same thing everywhere.
"""

import keras

from seqkeras._validation import positive_int, positive_ints, rate
from seqkeras.errors import InvalidArgumentError
from seqkeras.layers.cells import CELL_CLASSES, get_cell_class
from seqkeras.layers.stateful import STATEFUL_LAYERS
from seqkeras.layers.words import OneHot

# The names Keras runs as whole layers (fused kernels, cuDNN on a GPU).
KERAS_LAYERS = {
    "simple_rnn": keras.layers.SimpleRNN,
    "gru": keras.layers.GRU,
    "lstm": keras.layers.LSTM,
}
# Every name `cell=` takes.
CELLS = tuple(CELL_CLASSES)


def cell_name(cell):
    """A short name for `cell`, used in layer names: "lstm", "peephole_lstm",
    "simplernncell" (a class), "mycell" (a registered "package>MyCell")."""
    if isinstance(cell, str):
        return cell if cell in CELL_CLASSES else cell.split(">")[-1].lower()
    return getattr(cell, "__name__", type(cell).__name__).lower()


def recurrent_layer(
    cell,
    units,
    *,
    return_sequences=False,
    return_state=False,
    recurrent_dropout=0.0,
    stateful=False,
    name=None,
):
    """Returns a recurrent layer of `units` units.

    Args:
        cell: a name in `CELLS` ("gru", "peephole_lstm", ...), or a cell
            class (a Keras layer with `state_size`, constructed as
            `cell(units)`) run by `keras.layers.RNN`. A class should be
            registered with `keras.saving.register_keras_serializable` so
            that the model saves and reloads.
        units: size of the hidden state.
        return_sequences: output every step `(batch, time, units)` rather than
            the last one `(batch, units)`.
        return_state: also return the final state(s).
        recurrent_dropout: dropout on the state-to-state connections (Keras'
            "simple_rnn", "gru" and "lstm" only).
        stateful: keep the final state of each batch row as the initial
            state of the same row in the next batch (needs a fixed batch
            size; `layer.reset_state()` zeroes it). The layer is then one of
            `seqkeras.layers.stateful`'s, which carry the state on JAX too.
        name: the layer's name.

    Example:

    >>> recurrent_layer("gru", 8, name="encoder_gru_0").name
    'encoder_gru_0'
    """
    common = dict(
        return_sequences=return_sequences,
        return_state=return_state,
        stateful=stateful,
        name=name,
    )
    if isinstance(cell, str) and cell in KERAS_LAYERS:
        layer_class = _carrying(KERAS_LAYERS[cell], stateful)
        return layer_class(units, recurrent_dropout=recurrent_dropout, **common)
    if isinstance(cell, type):
        cell_class = cell  # unregistered classes work too, but do not save
    else:
        cell_class = get_cell_class(cell)
    if recurrent_dropout:
        raise InvalidArgumentError(
            f"recurrent_dropout is only available with the cells "
            f"{', '.join(map(repr, KERAS_LAYERS))}, not {cell_name(cell)!r}: "
            "use dropout between layers instead."
        )
    return _carrying(keras.layers.RNN, stateful)(cell_class(units), **common)


def _carrying(layer_class, stateful):
    """`layer_class`, or for a stateful layer its subclass whose carried
    state every backend carries (see `seqkeras.layers.stateful`)."""
    return STATEFUL_LAYERS[layer_class] if stateful else layer_class


def recurrent_stack(
    x,
    *,
    cell="lstm",
    units=64,
    num_layers=1,
    bidirectional=False,
    dropout=0.0,
    recurrent_dropout=0.0,
    return_sequences=False,
    output_dropout=False,
    stateful=False,
    name_prefix="encoder",
):
    """Applies `num_layers` recurrent layers to `x`; returns the last output.

    Every layer but the last returns its whole sequence to feed the next one
    (the course's stacked LSTM); the last returns its sequence only if
    `return_sequences`. Dropout sits between layers. Padding is masked
    throughout when `x` carries a Keras mask (from `Embedding(mask_zero=True)`).

    Args:
        x: a `(batch, time, features)` Keras tensor.
        cell: see `recurrent_layer`.
        units: hidden size, or one size per layer (e.g. `[256, 128]`).
        num_layers: how many layers; ignored if `units` is a list.
        bidirectional: run each layer forwards and backwards and concatenate.
        dropout: dropout rate between layers.
        recurrent_dropout: see `recurrent_layer`.
        return_sequences: whether the last layer returns every step.
        output_dropout: also apply `dropout` to the last layer's output
            (layer `f"{name_prefix}_dropout"`), before the model's head.
        stateful: see `recurrent_layer` (not with `bidirectional`).
        name_prefix: layers are named `f"{name_prefix}_{cell}_{i}"`.
    """
    if isinstance(units, int):
        sizes = positive_ints("units", units, positive_int("num_layers", num_layers))
    else:
        sizes = positive_ints("units", units)
    dropout = rate("dropout", dropout)
    rate("recurrent_dropout", recurrent_dropout)
    if stateful and bidirectional:
        raise InvalidArgumentError(
            "A bidirectional stack cannot be stateful: its backward half reads "
            "each batch from the end, so no state carries over to the next "
            "batch. Use bidirectional=False."
        )
    label = ("bi" if bidirectional else "") + cell_name(cell)
    for i, size in enumerate(sizes):
        last = i == len(sizes) - 1
        layer = recurrent_layer(
            cell,
            size,
            return_sequences=return_sequences or not last,
            recurrent_dropout=recurrent_dropout,
            stateful=stateful,
            name=None if bidirectional else f"{name_prefix}_{label}_{i}",
        )
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"{name_prefix}_{label}_{i}")
        x = layer(x)  # (batch, time, units) or (batch, units) for the last
        if dropout and not last:
            x = keras.layers.Dropout(dropout, name=f"{name_prefix}_dropout_{i}")(x)
    if dropout and output_dropout:
        x = keras.layers.Dropout(dropout, name=f"{name_prefix}_dropout")(x)
    return x


def recurrent_structure(model):
    """Describes a model as the course draws it: input, recurrent layers, output.

    Walks the model's layers in order and keeps the ones a diagram shows:
    the word vectors (`Embedding`, `OneHot`), each recurrent layer (plain or
    `Bidirectional`) and the first layer after the last recurrent one (the
    output). Dropout and other layers without a role in the picture are
    skipped. `seqkeras.plots.plot_rnn_diagram` draws the result.

    Args:
        model: a Keras model with at least one recurrent layer.

    Returns:
        A list of dicts, input first. Every dict has `kind` ("input",
        "recurrent" or "output") and `name`; recurrent layers add `cell`,
        `units`, `bidirectional` and `return_sequences`; the others add
        `units` (the vector size).

    Example:

    >>> model = keras.Sequential([keras.Input((None, 3)),
    ...     keras.layers.Bidirectional(keras.layers.GRU(4, name="gru")),
    ...     keras.layers.Dense(1, name="out")])
    >>> [(p["kind"], p.get("cell"), p["units"]) for p in recurrent_structure(model)]
    [('input', None, 3), ('recurrent', 'gru', 4), ('output', None, 1)]
    """
    parts = []
    inputs = model.inputs[0] if getattr(model, "inputs", None) else None
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        bidirectional = isinstance(layer, keras.layers.Bidirectional)
        inner = layer.forward_layer if bidirectional else layer
        if isinstance(inner, keras.layers.RNN):
            if not parts:
                parts.append(_input_part(inputs, None))
            cell = inner.cell
            parts.append(
                {
                    "kind": "recurrent",
                    "name": layer.name,
                    "cell": _CELL_NAMES.get(type(cell), cell_name(type(cell))),
                    "units": int(getattr(cell, "units", 0) or _state_units(cell)),
                    "bidirectional": bidirectional,
                    "return_sequences": bool(inner.return_sequences),
                }
            )
        elif not parts and isinstance(layer, keras.layers.Embedding):
            parts.append(_input_part(layer, layer.output_dim))
        elif not parts and isinstance(layer, OneHot):
            parts.append(_input_part(layer, layer.vocabulary_size))
        elif parts and parts[-1]["kind"] == "recurrent" and _has_size(layer):
            parts.append(
                {"kind": "output", "name": layer.name, "units": _has_size(layer)}
            )
            break
    if not any(part["kind"] == "recurrent" for part in parts):
        raise InvalidArgumentError(
            f"The model {model.name!r} has no recurrent layer to describe."
        )
    return parts


# Cell classes, named as `cell=` names them.
_CELL_NAMES = {cls: name for name, cls in CELL_CLASSES.items()}


def _input_part(source, size):
    if size is None:  # the model's input tensor feeds the RNN directly
        size = source.shape[-1] if source is not None else None
        return {"kind": "input", "name": "inputs", "units": size}
    return {"kind": "input", "name": source.name, "units": int(size)}


def _state_units(cell):
    size = cell.state_size
    return size[0] if isinstance(size, list | tuple) else size


def _has_size(layer):
    """The output size of a Dense-like layer (Dense, TimeDistributed, CRF)."""
    inner = getattr(layer, "layer", layer)
    for attribute in ("units", "num_tags"):
        if isinstance(getattr(inner, attribute, None), int):
            return getattr(inner, attribute)
    return None
