"""CTC from scratch in NumPy: reading a path, every path of a label, and the
forward algorithm, for the notebook and to check `keras.ops.ctc_loss`.

Notation follows Graves et al. (2006): `y[t, k]` is the probability of
output `k` at frame `t` (output 0 is the blank), `l` the label (symbol ids
>= 1) and `l'` the blank-augmented label `_ l1 _ l2 _ ... _` of length
`2 L + 1`. A path `pi` of `T` outputs reads as `B(pi)`: merge repeats, then
drop blanks. Then

    p(l | x) = sum over paths pi with B(pi) = l of prod_t y[t, pi_t]

and the forward variable `alpha[t, s]`, the probability of reading the
first `s + 1` entries of `l'` in frames `0..t`, sums it in `O(T L)`:

    alpha[t, s] = (alpha[t-1, s] + alpha[t-1, s-1]
                   + alpha[t-1, s-2] if l'[s] != _ and l'[s] != l'[s-2])
                  * y[t, l'[s]]

with `p(l | x) = alpha[T-1, S-1] + alpha[T-1, S-2]`. A path may skip a
blank only between two different symbols: between equal ones the blank is
what keeps them two.
"""

import itertools

import numpy as np

from seqkeras.errors import InvalidInputError

BLANK = 0


def collapse(path):
    """`B(path)`: repeats merged, then blanks dropped.

    Example:

    >>> collapse([1, 1, 0, 0, 2, 2, 0, 2])
    [1, 2, 2]
    """
    merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
    return [int(k) for k in merged if k != BLANK]


def augmented(label):
    """The blank-augmented label `l'`: `[1, 2]` -> `[0, 1, 0, 2, 0]`."""
    out = [BLANK]
    for symbol in label:
        out += [int(symbol), BLANK]
    return out


def paths(label, num_frames, num_outputs=None):
    """Every path of `num_frames` outputs that reads as `label`, by brute
    force over all `num_outputs ** num_frames` paths (tiny cases only).

    Example:

    >>> sorted(paths([1], 2, num_outputs=2))
    [(0, 1), (1, 0), (1, 1)]
    """
    label = [int(k) for k in label]
    num_outputs = num_outputs or max(label, default=0) + 1
    if num_outputs**num_frames > 2_000_000:
        raise InvalidInputError(
            f"{num_outputs} ** {num_frames} paths are too many to list: use "
            "forward() for the sum."
        )
    return [
        path
        for path in itertools.product(range(num_outputs), repeat=num_frames)
        if collapse(path) == label
    ]


def brute_force_probability(probabilities, label):
    """`p(label | x)` summed path by path (tiny cases only)."""
    probabilities = np.asarray(probabilities, dtype="float64")
    num_frames, num_outputs = probabilities.shape
    frames = np.arange(num_frames)
    return float(
        sum(
            np.prod(probabilities[frames, list(path)])
            for path in paths(label, num_frames, num_outputs)
        )
    )


def forward(probabilities, label):
    """The forward algorithm (see the module docstring).

    Args:
        probabilities: `(T, outputs)`, each row summing to 1, blank at 0.
        label: symbol ids (>= 1).

    Returns:
        `(p, alpha)`: `p(label | x)` and the table `alpha` `(T, 2 L + 1)`.

    Example:

    >>> y = np.array([[0.4, 0.6], [0.4, 0.6]])  # two frames, one symbol
    >>> p, alpha = forward(y, [1])  # paths 1 1, 1 _, _ 1: .36 + .24 + .24
    >>> round(p, 6)
    0.84
    """
    y = np.asarray(probabilities, dtype="float64")
    extended = augmented(label)
    num_frames, num_states = len(y), len(extended)
    needed = len(label) + sum(a == b for a, b in zip(label, label[1:], strict=False))
    if num_frames < needed:
        return 0.0, np.zeros((num_frames, num_states))
    alpha = np.zeros((num_frames, num_states))
    alpha[0, 0] = y[0, extended[0]]
    if num_states > 1:
        alpha[0, 1] = y[0, extended[1]]
    for t in range(1, num_frames):
        for s in range(num_states):
            total = alpha[t - 1, s]
            if s >= 1:
                total += alpha[t - 1, s - 1]
            if s >= 2 and extended[s] != BLANK and extended[s] != extended[s - 2]:
                total += alpha[t - 1, s - 2]
            alpha[t, s] = total * y[t, extended[s]]
    end = alpha[-1, -1] + (alpha[-1, -2] if num_states > 1 else 0.0)
    return float(end), alpha


def greedy_decode(probabilities):
    """The best output of every frame, read as a label (best-path decoding)."""
    return collapse(np.argmax(np.asarray(probabilities), axis=-1).tolist())
