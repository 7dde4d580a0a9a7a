"""Serving functions in three stages, so that every pipeline runs on any
Keras backend and exports the same SavedModel from each.

A pipeline's serving function turns raw inputs into predictions:

    raw inputs --prepare--> model inputs --core--> model outputs --finish--> dict

- `prepare` is TensorFlow (tensorflow-text tokenisation, vocabulary lookups,
  shape checks): it returns the core's inputs (dense tensors: ids, windows,
  pixels) and a context for `finish` (the words, their lengths, ...);
- `core` is Keras (`keras.ops`, layers, models): the model call, a CRF's
  Viterbi decoding, a search loop;
- `finish` is TensorFlow again: ids back to tag names or text, ragged rows.

On the TensorFlow backend the three run as one `tf.function`, as they
always did. On JAX, the Keras core cannot be traced by TensorFlow, so
`Staged` runs them one after the other: `prepare` and `finish` as
`tf.function`s, the core compiled by `jax.jit` on the model's current
weights (read at every call, so further training shows at once). Keras'
`model.predict` takes the same road with a `tf.data` input; here it is one
batch at a time and the core may be any function of several models.

The stages' `tf.function`s run without AutoGraph (`autograph=False`), as
Keras' own train and predict functions do: the core is `keras.ops`, which
must trace on JAX too, so it has no Python control flow on tensors for
AutoGraph to convert, and prepare and finish use TensorFlow's ops directly.
Converting every function they call anyway was a third of the CPU time of
a small translation run (`seqkeras train translation --quick`: 38 s against
24 s without it).

For the export, `exported` converts the core with Keras' own export
machinery (`keras.export.ExportArchive`, which on JAX calls
`jax2tf.convert` with shape polymorphism: the batch and time dimensions stay
unknown) and joins the three stages in one `tf.function` again, so that the
SavedModel takes raw inputs and needs only TensorFlow and tensorflow-text,
whichever backend trained it. The converted core is a function inside the
SavedModel, not a signature of its own: the signatures are the same from
both backends.
"""

import itertools

import keras
import numpy as np
import tensorflow as tf

from seqkeras.errors import InvalidArgumentError


def backend():
    """The Keras backend this process runs ("tensorflow", "jax", ...)."""
    return keras.backend.backend()


def _variables(layers):
    """The distinct variables of `layers`, in order."""
    seen, variables = set(), []
    for layer in layers:
        for variable in layer.variables:
            if id(variable) not in seen:
                seen.add(id(variable))
                variables.append(variable)
    return variables


def jit_on_weights(function, layers):
    """`function` compiled by `jax.jit`, reading the current weights of
    `layers` at every call (they are passed in, not baked in as constants,
    so further training shows at once)."""
    import jax

    variables = _variables(layers)

    def stateless(values, *args):
        mapping = list(zip(variables, values, strict=True))
        with keras.StatelessScope(state_mapping=mapping):
            return function(*args)

    compiled = jax.jit(stateless)
    return lambda *args: compiled([v.value for v in variables], *args)


def _polymorphic_shapes(specs, given):
    """`jax2tf` shapes of `specs` (a list of structures of `TensorSpec`s):
    those `given` (a list like `specs`, None entries allowed), Keras' guess
    for the others (the first dimension "batch", each other unknown one a
    name of its own)."""
    names = (f"d{i}" for i in itertools.count())

    def guess(spec):
        dims = [
            str(d) if d is not None else ("batch" if i == 0 else next(names))
            for i, d in enumerate(spec.shape)
        ]
        return f"({', '.join(dims)})"

    given = given if given is not None else [None] * len(specs)
    return [
        tf.nest.map_structure(guess, spec) if shape is None else shape
        for spec, shape in zip(specs, given, strict=True)
    ]


class Staged:
    """A serving function made of `prepare` (TensorFlow), `core` (Keras)
    and `finish` (TensorFlow), callable like a `tf.function` on every
    backend.

    Args:
        input_signature: the `tf.TensorSpec`s of the raw inputs.
        prepare: `prepare(*raw) -> (core_args, context)`: a tuple of the
            core's inputs (dense tensors, or dicts of them) and anything
            `finish` needs.
        core: `core(*core_args) -> outputs`, in `keras.ops` and Keras
            layers: a nested structure of tensors.
        finish: `finish(context, outputs) -> dict` of tensors.
        layers: the Keras layers or models whose weights `core` reads.
        core_shapes: for the export from JAX, the core inputs' shapes in
            `jax2tf` notation, one string per input (dicts as dicts), where
            unknown dimensions must agree or differ from Keras' guess (the
            first dimension is the batch, every other unknown one is new):
            `"(batch, time)"` and `"(batch, time, chars)"` say that two
            inputs have the same length, `"(steps)"` that a vector's length
            is not the batch. A None entry (or None for all) takes the guess.

    Calling it returns `finish`'s dict of TensorFlow tensors.
    """

    def __init__(
        self,
        *,
        input_signature,
        prepare,
        core,
        finish,
        layers,
        core_shapes=None,
    ):
        self.input_signature = list(input_signature)
        self.prepare, self.core, self.finish = prepare, core, finish
        self.layers = list(layers)
        self.core_shapes = core_shapes
        self._graph = None
        self._steps = None
        self._core_specs = None
        self._core_traces = 0
        self._compiled_core = None

    # === Calling ===

    def __call__(self, *raw):
        if backend() == "tensorflow":
            return self.graph()(*raw)
        prepare, finish = self._stage_functions()
        core_args, context = prepare(*raw)
        core_args = tf.nest.map_structure(lambda t: t.numpy(), core_args)
        if self._compiled_core is None:
            self._compiled_core = self._backend_core()
        outputs = self._compiled_core(core_args)
        outputs = tf.nest.map_structure(
            lambda x: tf.convert_to_tensor(np.asarray(x)), outputs
        )
        return finish(context, outputs)

    def tracing_count(self):
        """How many times the function was traced (compiled) so far: the
        `tf.function`'s count on TensorFlow; on JAX the most of the
        `prepare` traces and the core's `jax.jit` traces."""
        if backend() == "tensorflow":
            return self.graph().experimental_get_tracing_count()
        prepare = self._steps[0].experimental_get_tracing_count() if self._steps else 0
        return max(prepare, self._core_traces)

    def graph(self):
        """The three stages as one `tf.function` (the TensorFlow backend)."""
        if self._graph is None:
            self._graph = self._joined(self.core)
        return self._graph

    def _joined(self, core):
        prepare, finish = self.prepare, self.finish

        @tf.function(input_signature=self.input_signature, autograph=False)
        def serve(*raw):
            core_args, context = prepare(*raw)
            return finish(context, core(*core_args))

        return serve

    def _stage_functions(self):
        if self._steps is None:
            prepare = tf.function(
                self.prepare, input_signature=self.input_signature, autograph=False
            )
            finish = tf.function(self.finish, reduce_retracing=True, autograph=False)
            self._steps = (prepare, finish)
        return self._steps

    def _backend_core(self):
        """The core as a function of NumPy inputs on this backend: compiled
        by `jax.jit` on JAX, with the weights passed in at every call."""
        if backend() != "jax":
            return lambda args: self.core(*args)

        def core(*args):
            self._core_traces += 1  # runs only when jax.jit traces
            return self.core(*args)

        compiled = jit_on_weights(core, self.layers)
        return lambda args: compiled(*args)

    # === Export ===

    def core_signature(self):
        """The core inputs' `tf.TensorSpec`s, found by tracing `prepare`."""
        if self._core_specs is None:
            traced = tf.function(self.prepare, autograph=False).get_concrete_function(
                *self.input_signature
            )
            core_args = traced.structured_outputs[0]
            self._core_specs = tf.nest.map_structure(
                lambda t: tf.TensorSpec(t.shape, t.dtype), core_args
            )
        return self._core_specs

    def exported(self, archive):
        """The `tf.function` to add to `archive` (a Keras `ExportArchive`)
        as an endpoint: the three stages in one graph.

        On TensorFlow this is `graph()`. On JAX the core is converted for
        TensorFlow by a second `ExportArchive` (Keras' `jax2tf` path), one
        per `archive`, shared by its endpoints, whose copies of the weights
        `archive` then tracks (once, however many endpoints read them).
        """
        name = backend()
        if name == "tensorflow":
            return self.graph()
        if name != "jax":
            raise InvalidArgumentError(
                f"Exporting a pipeline from the {name!r} Keras backend is not "
                "supported: train or load it with KERAS_BACKEND=jax or "
                "tensorflow to export it."
            )
        converter, weights = _converter_of(archive)
        for layer in self.layers:
            if id(layer) not in converter.tracked_layers:
                converter.track(layer)
                converter.tracked_layers.add(id(layer))
        signature = list(self.core_signature())
        # Serving never differentiates, and a search's while loop cannot be.
        options = {
            "with_gradient": False,
            "polymorphic_shapes": _polymorphic_shapes(signature, self.core_shapes),
        }
        name = f"core_{id(self)}"
        converted = converter.add_endpoint(
            name, self.core, signature, jax2tf_kwargs=options
        )
        weights.variables_of_core = list(converter.variables)
        return self._joined(converted)


def _converter_of(archive):
    """The `ExportArchive` that converts the cores of `archive`'s endpoints,
    and the `tf.Module` through which `archive` tracks its weights."""
    if not hasattr(archive, "seqkeras_converter"):
        converter = keras.export.ExportArchive()
        converter.tracked_layers = set()
        weights = tf.Module()
        archive.track(weights)
        archive.seqkeras_converter = (converter, weights)
    return archive.seqkeras_converter
