# Worked solutions of notebook 06's exercises (see 01_value_and_backward.py for the format).

# %% 6.1
my_sweeps = (3, 1000)     # one forward sweep per input, one reverse sweep per output

# %% 6.2
t = math.tanh(0.5)
my_do_dx = (1 - t * t) * math.exp(0.5) + t * math.exp(0.5)   # x → a → o, plus x → b → o
