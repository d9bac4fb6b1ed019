"""dagrad's benchmarks, side by side with micrograd (and PyTorch, as the ceiling) in one process.

``make bench`` (or ``python -m benchmarks``) prints one table:

- W1: a 200,000-op chain ``x = exp(tanh(x * a + b))``, repeated, with leaves ``a`` and ``b``: the
  graph build and the backward pass separately (ns per op), and end to end; then the compiled
  replay (forward and backward) per op, and its one-off trace + compile time.
- W2: the chain as user code writes it, constant operands included: ``x * 1.0001``, ``+ 0.5``,
  tanh, exp, ``* w``, ``+ b``, ``/ 1.5``, relu, repeated to 200,000 ops (each number a fresh
  constant leaf in both engines): build, backward and end to end (ns per op), and bytes per op.
- W4: a wide graph: 448 leaves, each in 447 products (every pair), summed as a balanced tree
  (200,255 ops): build, backward and end to end (ns per op).
- W3: one training step of micrograd's demo network, ``MLP(2, [16, 16, 1])`` with ReLU, on 100
  two-moons points with the hinge loss plus L2 (ms per step): micrograd, dagrad, dagrad's
  compiled step (`nn.compile_step`, with its one-off trace + compile time), and the same step
  vectorized in PyTorch when it is installed.
- W5: bytes per node of the 200,000-op chain (tracemalloc), and a 1,000,000-op chain built and
  backpropagated at Python's default recursion limit.

Ratios are to micrograd's time on the same workload; targets: dagrad ≤ 0.125× end to end on W1,
W3 and W4, ≤ 0.10× on W2, the compiled W3 step ≤ 0.01×, ≤ 200 bytes per node (W5) and per op
(W2). ``--quick`` runs tiny sizes (a smoke test, not a measurement); ``--repeat N`` sets the
repetitions (default 5); ``--json PATH`` also writes the rows.
"""
