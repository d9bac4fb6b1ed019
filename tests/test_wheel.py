"""The wheel, installed where the repo is out of reach, has every file the repo ships and works;
the wheel and the sdist carry the license, and a description that the package index shows whole.

Offline by construction: the wheel is built with the dev venv's own hatchling (no build
isolation, so pip fetches no backend) and installed with `--no-deps --no-index` into a venv
without pip in tmp_path. The one runtime library drawing needs, the `graphviz` Python package
(pure Python), is copied in from the dev venv: the new venv's site-packages then holds dagrad
and graphviz and nothing else, so an import that works there cannot come from the repo.
"""
import email
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import graphviz
import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")


def run(*args, cwd):
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def shipped_files():
    """Every file of autograd/ and nn/ that git tracks (code, and package data such as static/), relative to the repo."""
    out = run("git", "ls-files", "-z", "--", *PACKAGES, cwd=REPO)
    return sorted(p for p in out.split("\0") if p)


# A small graph, drawn both by the installed package and by the repo's.
GRAPH = """
from autograd import Value, draw_dot
a = Value(2.0, label="a"); b = Value(-3.0, label="b")
y = (a * b + a).tanh(); y.label = "y"
y.backward()
dot = draw_dot(y).source
svg = draw_dot(y)._picture.svg()  # the drawing laid out in Python, as Jupyter shows it without `dot`
import os, tempfile
from autograd import explore
saved = explore(y).save(os.path.join(tempfile.mkdtemp(), "backprop.html"))  # script and style: package data
page = open(saved, encoding="utf-8").read()
"""
# The training timeline's page: its script and style (static/training.*, common.js) are package data too.
TRAINING = """
from nn import MLP, SGD, hinge_loss
from nn.recorder import Recorder
model = MLP(2, [2, 1], seed=0); opt = SGD(model.parameters(), lr=0.1)
X, Y = [[1.0, 0.5], [-1.0, 0.2]], [1, -1]
rec = Recorder(model, X, Y, optimizer=opt, loss_fn=hinge_loss)
for _ in range(2):
    opt.zero_grad(); loss = hinge_loss([model(x) for x in X], Y); loss.backward(); rec.record(loss); opt.step()
training = open(rec.save(os.path.join(tempfile.mkdtemp(), "training.html")), encoding="utf-8").read()
"""
# Runs inside the installed venv, isolated (-I: no PYTHONPATH, no script directory) from tmp_path.
PROBE = GRAPH + TRAINING + """
import json, autograd, nn
print(json.dumps({"autograd": autograd.__file__, "nn": nn.__file__, "dot": dot, "svg": svg, "page": page,
                  "training": training}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel built from this repo, as pip builds it (offline, with the dev venv's hatchling)."""
    root = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
        "-w", root, REPO, cwd=root)
    (built,) = root.glob("dagrad-*.whl")
    return built


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    """The source distribution built from this repo, by hatchling's PEP 517 hook (as `python -m build --sdist`)."""
    root = tmp_path_factory.mktemp("sdist")
    name = run(sys.executable, "-c", f"import hatchling.build as b; print(b.build_sdist({str(root)!r}))", cwd=REPO).strip()
    return root / name


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheel):
    """(python, site-packages) of a fresh venv with the wheel built from this repo installed."""
    root = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "venv", "--without-pip", root / "venv", cwd=root)
    python = root / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel, cwd=root)
    site = Path(run(python, "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=root).strip())
    shutil.copytree(Path(graphviz.__file__).parent, site / "graphviz")
    return python, site


def test_wheel_ships_every_tracked_file_of_both_packages(installed):
    # The explorer's script and stylesheet (autograd/static/) are package data: a wheel without
    # them would install fine and fail only when a user opens the explorer.
    _, site = installed
    files = shipped_files()
    assert "autograd/engine.py" in files and "nn/module.py" in files, files
    missing = [f for f in files if not (site / f).is_file()]
    assert not missing, f"the wheel lacks {len(missing)} tracked file(s): {missing}"
    differ = [f for f in files if (site / f).read_bytes() != (REPO / f).read_bytes()]
    assert not differ, f"installed files differ from the repo's: {differ}"


def test_wheel_ships_py_typed_in_both_packages(installed):
    # PEP 561: without the marker, a user's type checker ignores the annotations of the installed
    # packages (mypy reports "missing library stubs or py.typed marker" and types them as Any).
    _, site = installed
    for package in PACKAGES:
        marker = site / package / "py.typed"
        assert marker.is_file(), f"the wheel has no {package}/py.typed: its types would be invisible to checkers"
    # Installed where mypy looks for them: the dist-info lists both markers.
    (record,) = site.glob("dagrad-*.dist-info/RECORD")
    listed = {line.split(",")[0] for line in record.read_text(encoding="utf-8").splitlines()}
    assert {"autograd/py.typed", "nn/py.typed"} <= listed, sorted(listed)


def test_installed_packages_import_from_the_venv_and_draw(installed, tmp_path):
    python, site = installed
    probe = json.loads(run(python, "-I", "-c", PROBE, cwd=tmp_path))
    for name in PACKAGES:
        assert Path(probe[name]).resolve().is_relative_to(site.resolve()), (name, probe[name])
        assert not Path(probe[name]).resolve().is_relative_to(REPO), (name, probe[name])
    here = {}
    exec(GRAPH, here)
    assert probe["dot"] == here["dot"]  # the installed draw_dot draws what the repo's does
    assert probe["svg"] == here["svg"]
    assert probe["page"] == here["page"]  # the explorer's page: the same script, style and drawing
    assert "export default { render }" in probe["page"] and ".dx-side" in probe["page"]
    assert "tanh" in probe["dot"]
    # The training page from the wheel (no NumPy there: the boundary replayed point by point, on its coarser grid).
    from autograd.page import script, static
    assert script("training") in probe["training"] and static("training.css") in probe["training"]
    data = json.loads(re.search(r'id="dagrad-training-data">(.*?)</script>', probe["training"], re.S)[1])
    assert data["steps"] == [0, 1] and data["boundary"]["side"] == 20 and len(data["explorers"]) == 2


# --- what the package index and a user's copy get: the license, the metadata, the description ------

def wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as z:
        (name,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(z.read(name)), z.namelist()


def test_the_license_ships_in_the_wheel_and_the_sdist(wheel, sdist):
    # Regression: pyproject said MIT, but no LICENSE file shipped, and MIT requires the notice with every copy.
    license_text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License\n") and "the dagrad authors" in license_text
    meta, names = wheel_metadata(wheel)
    assert meta["License-Expression"] == "MIT" and meta.get_all("License-File") == ["LICENSE"]
    (shipped,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    with zipfile.ZipFile(wheel) as z:
        assert z.read(shipped).decode("utf-8") == license_text
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        assert tar.extractfile(f"{top}/LICENSE").read().decode("utf-8") == license_text
        assert "License-Expression: MIT" in tar.extractfile(f"{top}/PKG-INFO").read().decode("utf-8")


def link_targets(markdown):
    """The targets of the Markdown links and images in `markdown`, outside code blocks."""
    prose = re.sub(r"```.*?```", "", markdown, flags=re.S)
    return re.findall(r"\]\(([^)\s]*)", prose)


def test_the_package_index_description_has_no_link_that_breaks_there(wheel, sdist):
    # Regression: the README's picture is a relative link (.github/explorer.png), a broken image on the
    # package index; no repository URL is known to make it absolute, so the description leaves it out.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert ".github/explorer.png" in link_targets(readme)  # the repository's page shows it
    meta, _ = wheel_metadata(wheel)
    description = meta.get_payload(decode=True).decode("utf-8")  # the body is UTF-8 (× and → in the README)
    assert meta["Description-Content-Type"] == "text/markdown"
    targets = link_targets(description)
    assert targets and all(re.match(r"https?://", t) for t in targets), [t for t in targets if not t.startswith("http")]
    # Nothing else is lost: the README less its relative pictures, line for line.
    assert description.splitlines() == [line for line in readme.splitlines() if not re.fullmatch(r"!\[[^\]]*\]\([^:)]*\)", line)]
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        pkg_info = email.message_from_bytes(tar.extractfile(f"{top}/PKG-INFO").read())
    assert pkg_info.get_payload(decode=True).decode("utf-8") == description

