"""The ceiling: the W3 step vectorized in PyTorch (float64, one thread), in a process of its own.

The suite runs this module as a child process because importing torch creates ~150,000 objects
that the garbage collector would then traverse in every full collection during the other
engines' runs: micrograd's W3 step measured ~50% slower with torch imported. The child prints
the median seconds per step as JSON, or null when torch is not installed.

Example (a shell)::

  python -m benchmarks.ceiling --points 100 --repeat 5
"""

import argparse
import gc
import json
import statistics
import time

from benchmarks.suite import ALPHA, LR
from nn.datasets import make_moons


def seconds_per_step(points, repeat, number=10):
    """The W3 step in PyTorch: the same MLP shape, loss and update, on the same two-moons points.

    Args:
      points: how many two-moons points (the batch).
      repeat: runs, after a ``gc.collect()`` each; the median is returned.
      number: steps per run.

    Returns:
      The median seconds per step. Raises ImportError without torch.

    Example:
      >>> seconds_per_step(4, repeat=1, number=1) > 0
      True
    """
    import torch

    torch.set_num_threads(1)  # tiny tensors: threads only add overhead, and the others use one core
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(),
                              torch.nn.Linear(16, 1)).double()
    params = list(net.parameters())
    X, labels = make_moons(points, noise=0.1, seed=0)
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor([2.0 * t - 1 for t in labels], dtype=torch.float64)
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(number):
            scores = net(Xt).squeeze(1)
            loss = torch.relu(1 - yt * scores).mean() + ALPHA * sum((p * p).sum() for p in params)
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def main(argv=None):
    """The child process's command line: print the median seconds per step as JSON (null without torch).

    Args:
      argv: ``["--points", N, "--repeat", R]`` as strings; by default ``sys.argv[1:]``.

    Example:
      >>> main(["--points", "4", "--repeat", "1"])  # doctest: +ELLIPSIS
      0.0...
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ceiling")
    parser.add_argument("--points", type=int, required=True)
    parser.add_argument("--repeat", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        print(json.dumps(seconds_per_step(args.points, args.repeat)))
    except ImportError:
        print(json.dumps(None))


if __name__ == "__main__":
    main()
