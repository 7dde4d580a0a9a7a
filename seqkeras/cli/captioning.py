"""`seqkeras train captioning` (or `caption`): one image in, a sentence out."""

import pathlib

from seqkeras.cli.command import (
    GenerativeCommand,
    Report,
    add_model_arguments,
    positive_int,
    user_error,
)


class CaptioningCommand(GenerativeCommand):
    """one to many: an image encoder and an RNN that captions"""

    task = "captioning"
    default_dataset = "shapes"
    file_formats = "a captions file (CSV/TSV image,caption or Flickr8k.token.txt)"
    default_epochs = 15
    files = ("preprocessing.json", "test_captions.png", "attention.png")
    unit = "captions"
    smoke_arguments = ("--units", "16", "--embedding-dim", "8", "--beam-width", "2")
    smoke_arguments += ("--image-size", "32", "32", "--encoder-filters", "8", "16")

    def add_arguments(self, parser):
        files = parser.add_argument_group("your own files (--dataset CAPTIONS)")
        files.add_argument(
            "--images", default=None, metavar="FOLDER",
            help="the folder of the images (default: the captions file's)",
        )  # fmt: skip
        files.add_argument("--image-column", default="image", help="default: image")
        files.add_argument(
            "--caption-column", default="caption", help="default: caption"
        )
        group = add_model_arguments(
            parser, "cell", "units", "num_layers", "embedding_dim", "dropout",
            "learning_rate", "max_vocabulary_size", "min_count", "beam_width",
        )  # fmt: skip
        group.add_argument(
            "--image-size",
            type=positive_int,
            nargs=2,
            default=None,
            metavar=("HEIGHT", "WIDTH"),
            help="the size images are resized to (default 64 64; 224 224 for flickr8k)",
        )
        group.add_argument(
            "--encoder-filters",
            type=positive_int,
            nargs="+",
            default=None,
            metavar="FILTERS",
            help="the channels of the image encoder's convolution blocks, one "
            "number per block (default 32 64 128)",
        )

    def load_files(self, args, **files):
        from seqkeras import datasets

        return datasets.load_captioned_images(
            **files,
            image_folder=args.images,
            image_column=args.image_column,
            caption_column=args.caption_column,
        )

    def pipeline_inputs(self, args, data):
        if args.image_size is None and data.name == "flickr8k":
            return {"image_size": (224, 224)}
        return {}

    def report(self, pipeline, data, args):
        from seqkeras import plots

        metrics = {
            "test": pipeline.evaluate(data.test, verbose=1),
            "test_beam": pipeline.evaluate(data.test, method="beam"),
            "validation": pipeline.evaluate(data.validation),
        }
        if data.unseen is not None:
            metrics["unseen"] = pipeline.evaluate(data.unseen)
        sample = data.test.subset(8, seed=args.seed)
        figures = {
            "test_captions.png": plots.plot_caption_grid(
                sample.images,
                pipeline.predict(sample.images),
                references=sample.captions,
                title=f"{pipeline.architecture} on {data.name}: test images",
            )
        }
        if pipeline.has_attention:
            detail = pipeline.predict_details(sample.images[0])
            figures["attention.png"] = plots.plot_caption_attention(
                sample.images[0], detail["tokens"], detail["attention"]
            )
        test = metrics["test"]
        line = (
            f"test BLEU-4 {test['bleu4']:.2f} greedy, "
            f"{metrics['test_beam']['bleu4']:.2f} beam {pipeline.beam_width}; exact "
            f"match {test['exact_match']:.4f}"
        )
        if "unseen" in metrics:
            line += f" (unseen combinations {metrics['unseen']['exact_match']:.4f})"
        return Report(metrics, figures, [f"{line}; {test['num_images']:,} images"])

    def examples(self, pipeline, data):
        return data.test.images[:3]

    def command_line_inputs(self, inputs, folder):
        """Writes the images as PNG files; returns their paths."""
        import tensorflow as tf

        paths = []
        for i, image in enumerate(inputs):
            path = pathlib.Path(folder) / f"image_{i}.png"
            path.write_bytes(tf.io.encode_png(image).numpy())
            paths.append(str(path))
        return paths

    def read_inputs(self, texts, args):
        missing = [path for path in texts if not pathlib.Path(path).is_file()]
        if missing:
            raise user_error(
                f"{args.run} holds a captioning run, which reads image files; "
                f"{missing[0]!r} is not a file."
            )
        return list(texts)

    def print_predictions(self, texts, predictions, pipeline, as_json):
        if as_json:
            return super().print_predictions(texts, predictions, pipeline, as_json)
        for path, caption in zip(texts, predictions, strict=True):
            print(f"{path}: {caption}")


COMMAND = CaptioningCommand()
