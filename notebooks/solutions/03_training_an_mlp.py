# Worked solutions of notebook 03's exercises (see 01_value_and_backward.py for the format).

# %% 3.1
my_slopes = (-1.0, 0.0)   # 1 − ȳ > 0 at 0.4: slope −y = −1; 1 − ȳ < 0 at 1.6: the loss is flat, 0

# %% 3.2
my_steps = 5 * 100 // 10  # 10 steps an epoch
