# Worked solutions of notebook 05's exercises (see 01_value_and_backward.py for the format).

# %% 5.1
my_factor = 10 ** 2       # truncation error O(h²)

# %% 5.2
def my_softplus_grad(x):
    return math.exp(x) / (1 + math.exp(x))   # d log(u)/du · du/dx with u = 1 + eˣ: σ(x)
