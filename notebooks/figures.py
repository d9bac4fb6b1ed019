"""`show(picture, alt)`: a plot or a graph drawing in a notebook, with alt text, never wider than the page.

Jupyter shows a matplotlib figure as a PNG and a drawing as an SVG, and neither output can carry alt
text (the description a screen reader reads, and a reader sees where the picture cannot be shown).
`show` hands the same picture over as HTML instead: an ``<img alt=...>`` for a figure, the SVG in a
``<figure aria-label=...>`` for a drawing, both scaled down to the page's width when wider.

Example:
  >>> from autograd import Value, draw_dot
  >>> html = picture_html(draw_dot(Value(2.0, label="x") * 3), "x times 3")
  >>> html.startswith('<figure role="img" aria-label="x times 3"'), "<svg" in html
  (True, True)
"""

import base64
import html
import io

__all__ = ["picture_html", "show"]


def show(picture, alt):
    """Display `picture` (a matplotlib Figure, or a drawing such as `draw_dot`'s) with the alt text `alt`.

    Example:
      >>> from matplotlib.figure import Figure
      >>> show(Figure(figsize=(2, 1)), "an empty plot")   # doctest: +ELLIPSIS
      <IPython.core.display.HTML object>
    """
    from IPython.display import HTML, display

    display(HTML(picture_html(picture, alt)))


def picture_html(picture, alt):
    """The HTML `show` displays: the picture with its alt text, at most as wide as the page.

    Example:
      >>> from matplotlib.figure import Figure
      >>> picture_html(Figure(figsize=(2, 1)), "an empty plot")[:40]
      '<img alt="an empty plot" src="data:image'
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"show: alt must be a sentence describing the picture, got {alt!r}")
    label = html.escape(alt, quote=True)
    if hasattr(picture, "savefig"):                            # a matplotlib Figure
        png = io.BytesIO()
        picture.savefig(png, format="png", dpi=100)
        data = base64.b64encode(png.getvalue()).decode("ascii")
        return f'<img alt="{label}" src="data:image/png;base64,{data}" style="max-width:100%;height:auto">'
    # What Jupyter would show: Graphviz's SVG, or the one laid out in Python when `dot` is missing.
    svg = picture._repr_mimebundle_()["image/svg+xml"]
    svg = svg[svg.index("<svg"):]                              # without the XML prolog and doctype
    head = svg[:svg.index(">")]
    if "style=" not in head:                                   # Graphviz gives a fixed width in points
        svg = svg.replace("<svg", '<svg style="max-width:100%;height:auto"', 1)
    return f'<figure role="img" aria-label="{label}" style="margin:0">{svg}</figure>'
