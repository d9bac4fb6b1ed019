"""dagrad's engine: scalar reverse-mode automatic differentiation you can see and trust.

Example:
  >>> from autograd import Value
  >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
  >>> o = (x * w).tanh()
  >>> o.backward()
"""

from autograd import functional
from autograd.engine import OPS, Op, Value, grad, is_grad_enabled, jvp, no_grad, register_op, topological_order
from autograd.explain import explain
from autograd.explorer import Explorer, explore
from autograd.gradcheck import GradcheckError, check_modes, gradcheck, gradgradcheck, taylor_test
from autograd.replay import CompiledFunction, TraceMismatchError, compile, compile_graph
from autograd.viz import BackwardStep, backward_steps, draw_dot, render_graph

__all__ = ["OPS", "Op", "Value", "grad", "is_grad_enabled", "jvp", "no_grad", "register_op", "topological_order",
           "Explorer", "explore", "BackwardStep", "backward_steps", "draw_dot", "render_graph", "explain", "functional",
           "GradcheckError", "check_modes", "gradcheck", "gradgradcheck", "taylor_test",
           "CompiledFunction", "TraceMismatchError", "compile", "compile_graph"]
