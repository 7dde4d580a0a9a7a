"""What `Pipeline.fit` adds around Keras' `fit` when it trains on several
devices (see `seqkeras.distribute`): the one-device model that follows the
distributed copy."""

import contextlib

import keras

from seqkeras import distribute as distribute_lib


class OneDeviceCopy(keras.callbacks.Callback):
    """During a distributed `fit`: brings the pipeline's one-device model
    up to date at the end of every epoch, validates it there (Keras'
    scores, named `val_*`, as its own validation would), and leaves it as the
    pipeline's model until the next epoch begins, so that the task's
    callbacks (which may call `evaluate`) read it and not the distributed
    copy. The distribution is set aside meanwhile.

    Validating on one device keeps every score exact: a distributed pass
    would have to drop or pad the batches that do not split evenly.
    """

    def __init__(self, pipeline, one_device, replicas, validation):
        super().__init__()
        self.pipeline, self.one_device = pipeline, one_device
        self.replicas, self.validation = replicas, validation
        self._outside = contextlib.ExitStack()

    def on_epoch_begin(self, epoch, logs=None):
        self._outside.close()
        self.pipeline.model = self.model

    def on_epoch_end(self, epoch, logs=None):
        distribute_lib.copy_state(self.model, self.one_device, optimizer=False)
        self._outside.enter_context(self.replicas.outside())
        self.pipeline.model = self.one_device
        if self.validation is not None:
            scores = self.one_device.evaluate(
                self.validation,
                callbacks=self.pipeline._evaluation_callbacks(),
                verbose=0,
                return_dict=True,
            )
            logs.update({f"val_{name}": value for name, value in scores.items()})

    def on_train_end(self, logs=None):
        self._outside.close()
        self.pipeline.model = self.model  # `fit` copies the end state over
