"""Preprocessing that a pipeline owns: one encoder, and the fingerprint of its
vocabularies that a checkpoint records."""

import hashlib
import json

from seqkeras.pipelines.base import PREPROCESSING_FILE


def vocabulary_fingerprint(vocabularies):
    """`{"vocabulary_sha256": ...}`: a hash of the tokens of every vocabulary
    (None entries skipped), for a checkpoint's fingerprint."""
    tokens = [v.tokens for v in vocabularies if v is not None]
    digest = hashlib.sha256(json.dumps(tokens).encode("utf-8")).hexdigest()
    return {"vocabulary_sha256": digest}


class EncoderPreprocessing:
    """Mixin: the task hooks for a pipeline whose preprocessing is one
    encoder in `self.encoder` (a `TextEncoder` or `WordEncoder`), saved as
    `preprocessing.json`. Set `encoder_class` to the encoder's class."""

    encoder_class = None

    def _save_preprocessing(self, directory):
        self.encoder.save(directory / PREPROCESSING_FILE)

    def _load_preprocessing(self, directory):
        self.encoder = self.encoder_class.load(directory / PREPROCESSING_FILE)

    def _preprocessing_config(self):
        return self.encoder.get_config()

    def _load_preprocessing_from(self, other):
        self.encoder = other.encoder

    def _is_adapted(self):
        return self.encoder.vocabulary is not None

    def _function_owners(self):
        return (self.model, self.encoder)

    def _trackables(self):
        return [self.encoder]

    def _fingerprint(self):
        vocabularies = [self.encoder.vocabulary]
        vocabularies.append(getattr(self.encoder, "char_vocabulary", None))
        return {**super()._fingerprint(), **vocabulary_fingerprint(vocabularies)}
