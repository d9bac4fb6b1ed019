# Worked solutions of notebook 02's exercises (see 01_value_and_backward.py for the format).

# %% 2.1
my_count = 2 * (2 + 1) + 1 * (2 + 1)   # per neuron: one weight per input, plus one bias

# %% 2.2
my_grad = delta * a1.data              # δ_i a_j: the chain rule through z[2]_1
