import os

import autograd
import nn

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_autograd_is_this_repo_not_hips_autograd():
    # HIPS autograd installs a package of the same import name; pip overwrites one with the other.
    assert os.path.abspath(autograd.__file__).startswith(REPO + os.sep), autograd.__file__
    assert os.path.abspath(nn.__file__).startswith(REPO + os.sep), nn.__file__
