"""``python -m benchmarks [--quick] [--repeat N] [--json PATH]``: run the benchmarks, print the table."""

import argparse
import json
import platform
import sys
from importlib import metadata

from benchmarks import peer, suite


def main(argv=None):
    """Parse the arguments, run every workload, print the table (and write JSON if asked).

    Args:
      argv: the arguments (a list of strings); by default ``sys.argv[1:]``.

    Example (a shell)::

      python -m benchmarks --quick --json /tmp/bench.json
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repetition: checks that it runs")
    parser.add_argument("--repeat", type=int, help="interleaved runs per measurement (default 5; 1 with --quick)")
    parser.add_argument("--json", metavar="PATH", help="also write the environment and the rows to PATH as JSON")
    args = parser.parse_args(argv)
    sizes = dict(suite.QUICK if args.quick else suite.FULL)
    if args.repeat is not None:
        if args.repeat < 1:
            parser.error(f"--repeat must be >= 1, got {args.repeat}")
        sizes["repeat"] = args.repeat
    environment = {"python": platform.python_version(), "machine": platform.machine(), "sizes": sizes,
                   **{name: _version(name) for name in ("micrograd", "torch")}}
    print(f"dagrad benchmarks: Python {environment['python']} on {environment['machine']}; "
          f"micrograd {environment['micrograd'] or 'not installed'}; torch {environment['torch'] or 'not installed'}; "
          f"medians of {sizes['repeat']} interleaved runs", flush=True)
    if peer.micrograd is None:
        print("note: micrograd is not installed, so there are no ratios; pip install 'dagrad[bench]' (make bench does)")
    rows = suite.run(sizes, progress=lambda name: print(f"  running {name} ...", file=sys.stderr, flush=True))
    print(suite.table(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"environment": environment, "rows": suite.as_dicts(rows)}, f, indent=1)


def _version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
