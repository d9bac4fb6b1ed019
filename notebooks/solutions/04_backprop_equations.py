# Worked solutions of notebook 04's exercises (see 01_value_and_backward.py for the format).

# %% 4.1
my_delta = sigma_prime(z[3][0]) * math.copysign(1.0, a[3][0] - targets[0][0])   # σ'(z) · sign(y − ŷ)

# %% 4.2
my_shape = (2, 29)        # one row per output, one column per parameter
