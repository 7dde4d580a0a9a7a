"""Caption generation speed of the exported model: images per second.

Exports a trained `CaptioningPipeline` (for example one that
`bench/captioning_quality.py` saved), loads the SavedModel with TensorFlow
alone, and times its `caption` signature (greedy; PNG bytes in, decoded and
resized in the graph) on batches of 1 and 64 images, median of `--repeats`
calls after a warm-up call per batch size.

    python bench/caption_speed.py --load runs/captioning_attention
"""

import argparse
import tempfile
import time

import numpy as np
import tensorflow as tf
from common import record

from seqkeras import datasets
from seqkeras.pipelines import load_pipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", required=True, help="a saved CaptioningPipeline")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--name", default="caption_speed")
    args = parser.parse_args()

    pipeline = load_pipeline(args.load)
    data = datasets.load("shapes", num_train=64, num_validation=0, num_test=0)
    images = [tf.io.encode_png(image).numpy() for image in data.train.images]
    with tempfile.TemporaryDirectory() as folder:
        pipeline.export(folder)
        saved = tf.saved_model.load(folder)  # kept: it owns the variables
        caption = saved.caption
        results = {}
        for batch in (1, 64):
            inputs = tf.constant(images[:batch])
            caption(inputs)  # warm-up
            seconds = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                caption(inputs)["caption"].numpy()
                seconds.append(time.perf_counter() - start)
            median = float(np.median(seconds))
            results[f"batch {batch}"] = {
                "images_per_second_median": round(batch / median, 1),
                "seconds_per_call_median": round(median, 4),
            }
    record(
        args.name,
        {"model": args.load, "config": pipeline.get_config(), "results": results},
    )


if __name__ == "__main__":
    main()
