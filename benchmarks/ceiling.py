"""The ceiling: the W3 step, a minibatch step, the batch replay and the digits step vectorized in
PyTorch (float64, one thread), in a process of their own.

The suite runs this module as a child process because importing torch creates ~150,000 objects
that the garbage collector would then traverse in every full collection during the other
engines' runs: micrograd's W3 step measured ~50% slower with torch imported. The child prints
the median seconds per step (or per batch replay) as JSON, or null when torch is not installed.

Example (a shell)::

  python -m benchmarks.ceiling --points 100 --repeat 5
  python -m benchmarks.ceiling --points 100 --batch 10 --repeat 5        # minibatch steps
  python -m benchmarks.ceiling --workload replay --points 160000 --repeat 5
  python -m benchmarks.ceiling --workload digits --points 10 --repeat 5    # a digits minibatch
"""

import argparse
import gc
import json
import statistics
import time

from benchmarks.suite import ALPHA, LR
from nn.datasets import make_moons


def seconds_per_step(points, repeat, number=10, batch=None):
    """The W3 step in PyTorch: the same MLP shape, loss and update, on the same two-moons points.

    Args:
      points: how many two-moons points.
      repeat: runs, after a ``gc.collect()`` each; the median is returned.
      number: steps per run.
      batch: with a number, each step is on the next `batch` points in turn (a minibatch step, as
        the suite's ``_minibatch_rows``); by default on all `points`.

    Returns:
      The median seconds per step. Raises ImportError without torch.

    Example:
      >>> seconds_per_step(4, repeat=1, number=1) > 0
      True
    """
    torch, net = _mlp()
    params = list(net.parameters())
    X, labels = make_moons(points, noise=0.1, seed=0)
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor([2.0 * t - 1 for t in labels], dtype=torch.float64)
    size = batch or points
    batches = [(Xt[k:k + size], yt[k:k + size]) for k in range(0, points - size + 1, size)]

    def loss_at(n):
        Xb, yb = batches[n % len(batches)]
        scores = net(Xb).squeeze(1)
        return torch.relu(1 - yb * scores).mean() + ALPHA * sum((p * p).sum() for p in params)
    return _sgd_seconds(torch, params, loss_at, repeat, number)


def seconds_per_replay(points, repeat):
    """The batch replay in PyTorch: MLP 2-16-16-1's value and input gradients at `points` random points.

    Args:
      points: how many points (rows of a (points, 2) tensor, uniform in [-2, 2]).
      repeat: runs, after a ``gc.collect()`` each; the median is returned.

    Returns:
      The median seconds per replay of all the points. Raises ImportError without torch.

    Example:
      >>> seconds_per_replay(10, repeat=1) > 0
      True
    """
    torch, net = _mlp()
    X = torch.rand(points, 2, dtype=torch.float64) * 4 - 2
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        Xg = X.clone().requires_grad_(True)
        out = net(Xg).squeeze(1)
        # Each row's output depends on its own row alone, so the gradient of the sum is every
        # row's input gradient: one backward pass, as the replay's one pass over arrays.
        torch.autograd.grad(out.sum(), Xg)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def seconds_per_digits_step(batch, repeat, number=10):
    """The digits step in PyTorch: MLP 64-32-10, cross-entropy, SGD, on the suite's digits minibatch.

    Args:
      batch: the images in the minibatch (`benchmarks.suite.digits_batch`).
      repeat: runs, after a ``gc.collect()`` each; the median is returned.
      number: steps per run.

    Returns:
      The median seconds per step. Raises ImportError without torch or scikit-learn.

    Example:
      >>> seconds_per_digits_step(10, repeat=1, number=1) > 0
      True
    """
    from benchmarks.suite import digits_batch

    torch, net = _mlp((64, 32, 10))
    params = list(net.parameters())
    data = digits_batch(batch)
    if data is None:
        raise ImportError("the digits need scikit-learn")
    X, y = torch.tensor(data[0], dtype=torch.float64), torch.tensor(data[1])
    return _sgd_seconds(torch, params, lambda n: torch.nn.functional.cross_entropy(net(X), y), repeat, number)


def _sgd_seconds(torch, params, loss_at, repeat, number):
    """The median seconds per SGD step (lr `LR`) of `number` steps, step n on the loss ``loss_at(n)``."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        for n in range(number):
            loss = loss_at(n)
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def _mlp(sizes=(2, 16, 16, 1)):
    """(torch, an MLP of these layer sizes with relu, float64) on one thread, seeded: W3's by default."""
    import torch

    torch.set_num_threads(1)  # tiny tensors: threads only add overhead, and the others use one core
    torch.manual_seed(0)
    layers = []
    for nin, nout in zip(sizes, sizes[1:]):
        layers += [torch.nn.Linear(nin, nout), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1]).double()  # a linear output
    return torch, net


def main(argv=None):
    """The child process's command line: print the median seconds per step (or replay) as JSON (null without torch).

    Args:
      argv: ``["--points", N, "--repeat", R]`` as strings, and optionally ``["--batch", B]`` (minibatch
        steps), ``["--workload", "replay"]`` (the batch replay) or ``["--workload", "digits"]`` (the
        digits step on a minibatch of N images); by default ``sys.argv[1:]``.

    Example:
      >>> main(["--points", "4", "--repeat", "1"])  # doctest: +ELLIPSIS
      0.0...
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ceiling")
    parser.add_argument("--points", type=int, required=True)
    parser.add_argument("--repeat", type=int, required=True)
    parser.add_argument("--batch", type=int, help="minibatch steps on this many points each")
    parser.add_argument("--workload", choices=("step", "replay", "digits"), default="step")
    args = parser.parse_args(argv)
    try:
        if args.workload == "replay":
            print(json.dumps(seconds_per_replay(args.points, args.repeat)))
        elif args.workload == "digits":
            print(json.dumps(seconds_per_digits_step(args.points, args.repeat)))
        else:
            print(json.dumps(seconds_per_step(args.points, args.repeat, batch=args.batch)))
    except ImportError:
        print(json.dumps(None))


if __name__ == "__main__":
    main()
