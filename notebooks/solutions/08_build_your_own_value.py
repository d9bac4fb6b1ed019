# Worked solutions of notebook 08's exercises (see 01_value_and_backward.py for the format).

# %% 8.1
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "*")

    def tanh(self):
        return Value(math.tanh(self.data), (self,), "tanh")

    def exp(self):
        return Value(math.exp(self.data), (self,), "exp")

# %% 8.2
LOCAL_GRADS = {
    "+": lambda x, y, out: (1.0, 1.0),
    "*": lambda x, y, out: (y, x),               # each operand's derivative is the other operand
    "tanh": lambda x, out: (1 - out * out,),     # 1 − tanh²x, from the output
    "exp": lambda x, out: (out,),                # eˣ is its own derivative
}

# %% 8.3
def topological_order(root):
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        v, parents_done = stack.pop()
        if parents_done:                         # its parents are all in order: now the node
            order.append(v)
        elif id(v) not in seen:
            seen.add(id(v))
            stack.append((v, True))              # comes back once the parents below are done
            stack.extend((p, False) for p in v.parents)
    return order

# %% 8.4
def backward(self):
    self.grad = 1.0
    for v in reversed(topological_order(self)):  # the root first, every node before its parents
        if v.parents:
            partials = LOCAL_GRADS[v.op](*(p.data for p in v.parents), v.data)
            for p, d in zip(v.parents, partials):
                p.grad += d * v.grad             # +=: a node used twice gets both contributions

# %% 8.5
def neuron(ws, b, xs):
    return (sum(w * x for w, x in zip(ws, xs)) + b).tanh()
