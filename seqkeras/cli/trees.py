"""`seqkeras train tree-sentiment`: a sentiment at every node of a parse tree."""

import json
import pathlib

from seqkeras.cli.command import Report, TaskCommand, add_model_arguments


class TreeSentimentCommand(TaskCommand):
    """a sentiment for every phrase of a parse tree (recursive networks)"""

    task = "tree-sentiment"
    default_dataset = "sentiment-trees"
    file_formats = "bracketed trees, one per line, a label at every node"
    default_epochs = 10  # --dataset sst-trees brings the benchmark's 20
    files = ("preprocessing.json", "test_tree.png")
    unit = "trees"
    smoke_arguments = ("--units", "6")

    def add_arguments(self, parser):
        group = add_model_arguments(
            parser, "units", "dropout", "learning_rate", "max_vocabulary_size",
            "min_count", "lowercase",
        )  # fmt: skip
        group.add_argument(
            "--optimizer",
            choices=["adagrad", "adam"],
            default=None,
            help="the optimizer (default: the architecture's)",
        )
        group.add_argument(
            "--l2", type=float, default=None, help="L2 penalty on weights"
        )
        group.add_argument(
            "--binary",
            action="store_true",
            help="train negative / positive on the five-class labels (neutral "
            "nodes left out)",
        )
        group.add_argument(
            "--binarization",
            choices=["balanced", "right", "left"],
            default=None,
            help="the tree a raw sentence gets at prediction (default balanced)",
        )
        group.add_argument(
            "--no-bucketing",
            action="store_true",
            help="batch trees in random order rather than by length",
        )

    def load_files(self, args, train, validation, test, split, seed):
        from seqkeras.datasets.splits import from_files
        from seqkeras.datasets.trees import SST5_LABELS, TreebankData, read_trees

        def read(path):  # a label at every node, 0-4, or an error naming the line
            return read_trees(path, labelled=True, num_classes=5)

        parts = from_files(read, train, validation, test, split=split, seed=seed)
        return TreebankData(
            name=pathlib.Path(train).name,
            label_names=SST5_LABELS,
            **dict(zip(SPLITS, parts, strict=True)),
        )

    def pipeline_inputs(self, args, data):
        return {"bucketing": not args.no_bucketing}

    def report(self, pipeline, data, args):
        test = pipeline.evaluate(data.test)
        validation = pipeline.evaluate(data.validation)
        kind = "binary" if pipeline.binary else "fine"
        lines = [
            f"test accuracy, root {test[f'{kind}_root']:.4f} / all nodes "
            f"{test[f'{kind}_all']:.4f} on {test['num_trees']:,} trees "
            f"({'two' if pipeline.binary else 'five'} classes)"
        ]
        if not pipeline.binary:
            lines.append(
                f"negative / positive: root {test['binary_root']:.4f} / all "
                f"{test['binary_all']:.4f}"
            )
        return Report(
            metrics={"test": test, "validation": validation},
            figures={"test_tree.png": self.test_tree_figure(pipeline, data)},
            lines=lines,
        )

    @staticmethod
    def test_tree_figure(pipeline, data):
        """A short test tree drawn twice: its true labels above, the model's
        below (every node coloured by its class)."""
        import matplotlib.pyplot as plt

        from seqkeras import plots

        trees = data.test.trees
        tree = next((t for t in trees if 5 <= t.num_leaves <= 14), trees[0])
        truth = tree.binary() if pipeline.binary else tree
        fig, (top, bottom) = plt.subplots(
            2, 1, figsize=(max(6.0, 2.5 + 0.75 * tree.num_leaves), 7.5)
        )
        names = pipeline.label_names
        plots.plot_tree(truth, label_names=names, title="true labels", ax=top)
        plots.plot_tree(
            pipeline.predict(tree)["tree"],
            label_names=names,
            title=f"predicted by the {pipeline.architecture}",
            ax=bottom,
        )
        return fig

    def examples(self, pipeline, data):
        return [tree.to_string(labels=False) for tree in data.test.trees[:3]]

    def print_predictions(self, texts, predictions, pipeline, as_json):
        for text, prediction in zip(texts, predictions, strict=True):
            if as_json:
                line = {
                    "input": text,
                    "label": prediction["label"],
                    "probabilities": dict(
                        zip(
                            pipeline.label_names,
                            map(float, prediction["probabilities"]),
                            strict=True,
                        )
                    ),
                    "tree": prediction["tree"],
                }
                print(json.dumps(line, ensure_ascii=False))
            else:
                print(f"{prediction['label']:>14}  {prediction['tree']}")


SPLITS = ("train", "validation", "test")
COMMAND = TreeSentimentCommand()
