"""Where a shapes captioner loses the shape of an unseen colour-shape pair.

For each trained captioning run (a `seqkeras train captioning --dataset
shapes` folder), on freshly generated shapes pictures that hold one object:

- linear probes (logistic regression) read the object's shape and colour
  from the run's image encoder: its feature map, max-pooled over the grid
  cells (`max`) or flattened (`flat`). They are fitted on training pictures,
  which hold only seen colour-shape pairs, and scored on test pictures of
  seen pairs and on pictures of the three held-out pairs;
- the captioner's own greedy caption of the same pictures: how often it names
  the right shape, overall and for each held-out pair.

A probe that reads the shape of unseen pairs as well as of seen ones says the
encoder keeps colour and shape apart, and any error is the decoder's; a probe
that fails there says the encoder itself learnt colour-shape conjunctions.

    python bench/captioning_probe.py runs/att_seed0 runs/att_seed1 runs/att_seed2
"""

import argparse
import pathlib

import numpy as np
from common import record


def one_object(split, parse_caption):
    """The pictures of `split` with one object: pixels, shapes, colours and
    reference captions."""
    keep, shapes, colours = [], [], []
    for i, captions in enumerate(split.captions):
        objects = parse_caption(captions[0])["objects"]
        if len(objects) == 1:
            keep.append(i)
            colours.append(objects[0][1])
            shapes.append(objects[0][2])
    references = [split.captions[i] for i in keep]
    return split.images[keep], np.array(shapes), np.array(colours), references


def held_out_pairs(colours, shapes):
    """`((colour, shape), mask)` for each colour-shape pair present."""
    for colour, shape in sorted(set(zip(colours, shapes, strict=True))):
        yield (colour, shape), (colours == colour) & (shapes == shape)


def encoder_features(pipeline, images, batch_size=100):
    """The image encoder's feature map, `(images, cells, channels)`."""
    import keras

    from seqkeras.pipelines.captioning import resize_image

    out = []
    for start in range(0, len(images), batch_size):
        pixels = resize_image(images[start : start + batch_size], pipeline.image_size)
        features = pipeline.model.image_encoder(pixels, training=False)
        features = keras.ops.convert_to_numpy(features)
        out.append(features.reshape(len(features), -1, features.shape[-1]))
    return np.concatenate(out)


def probe(pipeline, sets):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    features = {name: encoder_features(pipeline, s[0]) for name, s in sets.items()}
    result = {}
    for pool in ("max", "flat"):
        x = {
            name: f.max(axis=1) if pool == "max" else f.reshape(len(f), -1)
            for name, f in features.items()
        }
        scaler = StandardScaler().fit(x["train"])
        for target, column in (("shape", 1), ("colour", 2)):
            classifier = LogisticRegression(max_iter=3000, C=0.1)
            classifier.fit(scaler.transform(x["train"]), sets["train"][column])
            for name in ("test", "unseen"):
                predicted = classifier.predict(scaler.transform(x[name]))
                right = predicted == sets[name][column]
                result[f"probe_{pool}_{target}_{name}"] = float(right.mean())
                if name == "unseen" and target == "shape":
                    _, shapes, colours, _ = sets[name]
                    for (colour, shape), chosen in held_out_pairs(colours, shapes):
                        result[f"probe_{pool}_{colour}_{shape}"] = float(
                            right[chosen].mean()
                        )
    return result


def captioner_shapes(pipeline, sets):
    """How often the greedy caption names the one object's shape
    (`seqkeras.metrics.attribute_accuracy`)."""
    from seqkeras.metrics import attribute_accuracy

    result = {}
    for name in ("test", "unseen"):
        images, shapes, colours, references = sets[name]
        written = np.array(pipeline.predict(images), dtype=object)
        accuracy = attribute_accuracy(written, references)["shape"]
        result[f"captioner_shape_{name}"] = float(accuracy)
        if name == "unseen":
            for (colour, shape), chosen in held_out_pairs(colours, shapes):
                chosen_references = [references[i] for i in np.flatnonzero(chosen)]
                right = attribute_accuracy(written[chosen], chosen_references)
                result[f"captioner_{colour}_{shape}"] = float(right["shape"])
                result[f"count_{colour}_{shape}"] = int(chosen.sum())
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "runs",
        nargs="*",
        type=pathlib.Path,
        help="captioning run folders of the shapes data (none: nothing to probe)",
    )
    parser.add_argument("--num-train", type=int, default=3000)
    parser.add_argument("--num-test", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7, help="the pictures' seed")
    parser.add_argument("--name", default="captioning_shapes_attention_probe")
    args = parser.parse_args()
    if not args.runs:
        print(
            "skipped: no runs given; train some first, e.g. `seqkeras train "
            "captioning --dataset shapes --model attention --seed 0 --out "
            "runs/att_seed0`"
        )
        return

    from seqkeras.datasets import load
    from seqkeras.datasets.shapes import parse_caption
    from seqkeras.pipelines import load_pipeline

    data = load(
        "shapes",
        num_train=args.num_train,
        num_validation=0,
        num_test=args.num_test,
        seed=args.seed,
    )
    sets = {
        name: one_object(getattr(data, name), parse_caption)
        for name in ("train", "test", "unseen")
    }
    runs = {}
    for folder in args.runs:
        pipeline = load_pipeline(folder)
        runs[str(folder)] = {
            **probe(pipeline, sets),
            **captioner_shapes(pipeline, sets),
        }
        print(folder, runs[str(folder)], flush=True)
    record(
        args.name,
        {
            "one_object_pictures": {name: len(s[1]) for name, s in sets.items()},
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main()
