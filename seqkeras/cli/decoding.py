"""The decoding options of `seqkeras predict` for the tasks that write text
(translation, captioning, language models)."""

DECODING_OPTIONS = ("method", "max_length", "temperature", "top_k", "seed")
DECODING_OPTIONS += ("beam_width", "length_penalty")


def add_decoding_arguments(parser):
    """The decoding options of `seqkeras predict` (tasks that write text)."""
    from seqkeras.cli.command import positive_int

    group = parser.add_argument_group(
        "decoding (translation, captioning, language models)"
    )
    group.add_argument("--method", choices=["greedy", "sample", "beam"], default=None)
    group.add_argument("--max-length", type=positive_int, default=None)
    group.add_argument("--temperature", type=float, default=None)
    group.add_argument("--top-k", type=positive_int, default=None)
    group.add_argument("--seed", type=int, default=None)
    group.add_argument(
        "--beam-width", type=positive_int, default=None, help="implies --method beam"
    )
    group.add_argument("--length-penalty", type=float, default=None)


def decoding_options(args):
    """The decoding options given on the command line; a beam width alone
    means beam search, a temperature or top-k alone sampling."""
    options = given_arguments(args, DECODING_OPTIONS)
    if "method" not in options:
        if "beam_width" in options or "length_penalty" in options:
            options["method"] = "beam"
        elif {"temperature", "top_k", "seed"} & set(options):
            options["method"] = "sample"
    return options


def given_arguments(args, names):
    """The arguments among `names` given on the command line (not None)."""
    values = {name: getattr(args, name, None) for name in names}
    return {k: v for k, v in values.items() if v is not None}
