"""One self-contained page, and the same view as a Jupyter widget: what the explorer and the training timeline share.

A page holds its style, its data (JSON in a ``<script type="application/json">``) and its one
ES module inline, under a Content-Security-Policy that allows no network request at all: it works
offline, alone, in any modern browser. In Jupyter the same module runs as an anywidget, fed the
same data through the widget's model. Only trusted markup (drawn by `autograd.svg`) goes into the
page as markup; user text goes in as JSON, which the scripts write with ``textContent``.

Example:
  >>> html = page("a <title>", "explorer", '<div id="root"></div>', "root-data", '{"x": "</script>"}')
  >>> "<title>a &lt;title&gt;</title>" in html, html.count("</script>")
  (True, 2)
"""

from __future__ import annotations

import functools
import math
import os
import pathlib
from collections.abc import Callable
from typing import Any

from autograd import svg
from autograd._files import file_name, write_atomic

__all__ = ["CSP", "json_number", "mimebundle", "page", "save", "script", "static", "widget_class"]

STATIC = pathlib.Path(__file__).with_name("static")
# No source but the page itself: inline script and style, data: images; nothing fetched, ever.
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="{csp}">
<title>{title}</title>
<style>{css}</style>
</head>
<body class="dagrad-page">
{body}
<script type="application/json" id="{data_id}">{data}</script>
<script type="module">{js}</script>
</body>
</html>
"""


# Scripts that start with others' text: one module, in the page and in the widget alike.
_PRELUDES = {"explorer": ("common.js",), "training": ("common.js",)}


@functools.cache
def script(name: str) -> str:
    """The ES module ``static/{name}.js``, after the shared script it uses (``common.js``: numbers as Python writes them, elements).

    Example:
      >>> "function num(" in script("training")
      True
    """
    return "".join(static(f) for f in (*_PRELUDES.get(name, ()), f"{name}.js"))


@functools.cache
def static(name: str) -> str:
    """The text of a file shipped in ``autograd/static/`` (a page's script or style).

    Example:
      >>> static("explorer.js").startswith("//")
      True
    """
    return (STATIC / name).read_text(encoding="utf-8")


def page(title: str, name: str, body: str, data_id: str, data: str, frames: bool = False) -> str:
    """A whole HTML page: `body` (trusted markup), `data` (JSON) and ``static/{name}.js`` and ``.css`` inline.

    Args:
      title: the page's title, as text (escaped here).
      name: the script and stylesheet's name in ``autograd/static/``.
      body: markup the page starts with; only markup drawn by this package, never user text.
      data_id: the id of the JSON script element the module reads.
      data: the JSON text; every ``<`` is escaped here, so no string in it can end the element.
      frames: let the page show ``blob:`` frames (pages it makes itself, such as a saved explorer).

    Example:
      >>> "<html" in page("t", "explorer", "", "d", "{}")
      True
    """
    # In a <script> element only "</" can end it early: escape every "<" (JSON allows \\u003c).
    csp = CSP + "; frame-src blob:" if frames else CSP
    return _PAGE.format(csp=csp, title=svg.text(title), css=static(f"{name}.css"), body=body, data_id=data_id,
                        data=data.replace("<", "\\u003c"), js=script(name))


def json_number(x: float) -> float | str:
    """`x` for a page's JSON, which has no inf or nan: those as the strings the scripts read back as numbers.

    Example:
      >>> json_number(1.5), json_number(float("-inf")), json_number(float("nan"))
      (1.5, '-inf', 'nan')
    """
    return x if math.isfinite(x) else repr(x)


def save(path: str | os.PathLike[str], html: str, who: str) -> str:
    """Write `html` to `path` whole (missing parent folders are created); returns `path` as a str.

    An error names `who` (``"Explorer.save"``) and `path`.

    Example:
      >>> import tempfile
      >>> save(os.path.join(tempfile.mkdtemp(), "a", "page.html"), "<p>hi</p>", "save").endswith("page.html")
      True
    """
    path = file_name(path, who)
    write_atomic(path, html, who, folders=True)
    return path


@functools.cache
def widget_class(who: str, name: str, *traits: str) -> Any:
    """An anywidget class running ``static/{name}.js`` with ``.css``, with a Unicode trait per name in `traits` and ``step``.

    Raises:
      ImportError: anywidget is not installed (the message names `who` and the extra to install).

    Example:
      >>> cls = widget_class("explore", "explorer", "svg", "data")
      >>> cls(svg="<svg/>", data="{}").step
      0
    """
    try:
        import anywidget
        import traitlets
    except ImportError:
        raise ImportError(f"{who}: the Jupyter widget needs anywidget: pip install 'dagrad[notebooks]' "
                          "(or pip install anywidget)") from None
    fields: dict[str, Any] = {t: traitlets.Unicode().tag(sync=True) for t in traits}
    cls = type(f"{name.title()}Widget", (anywidget.AnyWidget,), {
        "__doc__": f"The {name} view as a Jupyter widget: the page's script, fed the same data.",
        "__module__": __name__, "_esm": script(name), "_css": STATIC / f"{name}.css",
        "step": traitlets.Int(0).tag(sync=True), **fields})
    return cls


def mimebundle(static_html: str, text: str, widget: Callable[[], Any], fallback: str, include: Any = None,
               exclude: Any = None, **kwargs: Any) -> dict[str, Any] | tuple[dict[str, Any], dict[str, Any]]:
    """What Jupyter shows: the widget where a front end runs it, else `static_html` (nbconvert, GitHub).

    Args:
      static_html: a picture that needs no script.
      text: the plain-text form.
      widget: makes the widget; an ImportError (no anywidget) leaves the static picture, with
        `fallback` (markup: how to get the interactive view) after it.

    Example:
      >>> bundle = mimebundle("<p>x</p>", "x", lambda: (_ for _ in ()).throw(ImportError()), "<p>pip</p>")
      >>> bundle["text/html"]
      '<p>x</p><p>pip</p>'
    """
    static_bundle = {"text/html": static_html, "text/plain": text}
    try:
        bundle = widget()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
    except ImportError:
        static_bundle["text/html"] += fallback
        return static_bundle
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
    return {**static_bundle, **data}, metadata
