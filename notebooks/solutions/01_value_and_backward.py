# Worked solutions of notebook 01's exercises. Each block, headed by its exercise's name, replaces the
# answer lines of that exercise's cell (tests/test_exercises.py runs the notebook with them filled in).

# %% 1.1
my_grad = 3.0 + 3.0 + 1.0      # d(a·a)/da = a + a (one term per operand), d(+)/da = 1

# %% 1.2
my_grad_after_two = 7.0 + 7.0  # the second backward() adds the same 7 to what the first left
