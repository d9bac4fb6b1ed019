"""Browser tests: pytest fixtures that drive the SYSTEM Chromium headless through Playwright.

tests/conftest.py imports the fixtures, so any test file can ask for them:

    def test_explorer_steps(page, tmp_path):
        explorer.save(tmp_path / "backprop.html")
        page.open_file(tmp_path / "backprop.html")
        page.click("#next"); page.keyboard.press("ArrowRight")
        assert page.text_content("#step") == "step 2/36"

`page` is a `BrowserPage`: every Playwright `Page` method and attribute works on it (`click`,
`locator`, `keyboard`, `evaluate`, `text_content`, ...), and `page.pw` is the Playwright `Page`
itself (for `playwright.sync_api.expect(page.pw)`). At teardown the test fails (an error at
teardown) when the page logged a console error, threw an uncaught error, or made any request
other than loading the file it opened (or a `data:`/`blob:`/`about:` URL): the explorer's saved
page must work offline, alone. `page.allow_console_error(regex)` lets through the console and page
errors a test expects. A screenshot of every test's page goes to tests/screenshots/ (git-ignored).

Without Chromium or Playwright the fixtures skip saying how to install them; under CI (the `CI`
variable set, as .ci/run does) they fail instead, because CI runs `make test` as root and that
installs Chromium: a skipped browser test there would hide a broken setup.
"""
import json
import os
import re
from pathlib import Path

import pytest

from benchmarks.explorer import CHROMIUM_ARGS, chromium_path  # one launch, for tests and benchmarks

VIEWPORT = {"width": 1280, "height": 800}  # a laptop screen
TIMEOUT_MS = 10_000  # a broken page fails in seconds, not after Playwright's default 30 s
# URLs that are not network requests: inline data, object URLs, blank and srcdoc frames.
LOCAL_SCHEMES = ("data:", "blob:", "about:")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
INSTALL_CHROMIUM = "install it with `apt-get install chromium` (as root, `make test` installs it)"
INSTALL_PLAYWRIGHT = ("install the dev extras with `pip install -e '.[dev]'` (`make test` does); the tests use the "
                      "system Chromium, so never run `playwright install`")


def missing_browser(reason):
    """Skip the test saying how to install what is missing; under CI, fail it instead."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run under CI: {reason}. `make test` installs Chromium as root; "
                    "a skipped browser test in CI would hide a broken setup", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def browser():
    """One headless system Chromium (a Playwright `Browser`) for the whole test session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_browser(f"the Python package `playwright` is not installed; {INSTALL_PLAYWRIGHT}")
    executable = chromium_path()
    if executable is None:
        missing_browser(f"Chromium is not installed; {INSTALL_CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshot_dir():
    """Where `page` saves each test's screenshot (tests/screenshots/); override it to look elsewhere."""
    return SCREENSHOTS


@pytest.fixture
def page(browser, screenshot_dir, request):
    """A fresh `BrowserPage` (1280x800) per test, checked and photographed at teardown."""
    watched = BrowserPage(browser)
    try:
        yield watched
    finally:
        problems = watched.close(screenshot=screenshot_dir / screenshot_name(request.node))
    if problems:
        pytest.fail(f"{request.node.name}: the page had {len(problems)} problem(s):\n  " + "\n  ".join(problems),
                    pytrace=False)


def screenshot_name(item):
    """`test_file.test_name[param].png` with anything but letters, digits, `._-[]` turned into `_`."""
    return re.sub(r"[^\w.\-\[\]]", "_", f"{Path(str(item.path)).stem}.{item.name}") + ".png"


class BrowserPage:
    """A Playwright page in a context of its own that records what a test must not let pass.

    Args:
      browser: a Playwright `Browser` (the `browser` fixture).

    Attributes:
      pw: the Playwright `Page`; any attribute this class lacks is looked up there.
      console_errors: text of every console message of type error, in order.
      page_errors: every uncaught error thrown in the page, as text.
      requests: the URL of every request the page made, allowed or not.

    Example (with the `browser` fixture; `page` does all this for a test)::

        p = BrowserPage(browser)
        p.open_file("saved.html")
        problems = p.close(screenshot="saved.png")  # [] when the page was clean
    """

    def __init__(self, browser):
        self._context = browser.new_context(viewport=VIEWPORT)
        self._context.set_default_timeout(TIMEOUT_MS)
        self.pw = self._context.new_page()
        self.console_errors, self.page_errors, self.requests = [], [], []
        self._opened, self._allowed_errors, self._websockets = set(), [], []
        self.pw.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)
        self.pw.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.pw.on("websocket", lambda ws: self._websockets.append(ws.url))
        self._context.on("request", lambda req: self.requests.append(req.url))
        # Forbidden requests are aborted, not sent: a closed network would answer them slowly or
        # not at all, and the page must not depend on their outcome anyway.
        self._context.route("**/*", self._route)

    def __getattr__(self, name):  # only for names this class lacks: Playwright's
        if name == "pw":  # not set yet (copy, pickle): no endless lookup
            raise AttributeError(name)
        return getattr(self.pw, name)

    def open_file(self, path):
        """Load a local HTML file, waiting for its load event; returns Playwright's `Response`.

        Args:
          path: the file (str or Path); relative paths are taken from the current directory.
        """
        path = Path(path).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"open_file: no such file: {path}")
        url = path.as_uri()
        self._opened.add(url)
        return self.pw.goto(url)

    def open_widget(self, widget, state, folder, answer="null"):
        """Run an anywidget's module as Jupyter does, ``render({model, el})``, with a stand-in model; returns Playwright's `Response`.

        The page has a notebook cell's input (``#other``) beside the widget. In the page,
        ``globalThis.saved`` lists the steps the widget saved (``savedBy``: the granularity it saved
        last), ``globalThis.sent`` the messages it sent, and ``pythonSets(k)`` (``pythonSetsBy(by)``)
        sets the step (the granularity) as Python would.

        Args:
          widget: the widget (its ``_esm`` and ``_css``).
          state: the model's traits, e.g. ``{"data": widget.data, "step": 0}``.
          folder: where to write the page.
          answer: JavaScript, a function of a sent message returning the custom message Python
            sends back (or null: no answer); "</" in strings is escaped here, as in the state.
        """
        # Inside a <script>, "</" could end it: written "<\\/" (the same string to JavaScript).
        state_js, answer_js = json.dumps(state).replace("</", "<\\/"), answer.replace("</", "<\\/")
        html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>{widget._css}</style></head><body>
<div id="cell"><input id="other" value="a notebook cell"></div><div id="out"></div>
<script type="module">
{widget._esm}
const state = {state_js};
const listeners = {{}};
const answer = {answer_js};
globalThis.saved = [];
globalThis.sent = [];
const model = {{
  get: (k) => state[k],
  set: (k, v) => {{ state[k] = v; }},
  save_changes: () => {{ globalThis.saved.push(state.step); globalThis.savedBy = state.by; }},
  on: (name, fn) => {{ listeners[name] = fn; }},
  off: () => {{}},
  send: (msg) => {{ globalThis.sent.push(msg); if (answer) listeners["msg:custom"](answer(msg)); }},
}};
globalThis.pythonSets = (k) => {{ state.step = k; listeners["change:step"](); }};
globalThis.pythonSetsBy = (by) => {{ state.by = by; listeners["change:by"](); }};
render({{ model, el: document.getElementById("out") }});
</script></body></html>"""
        path = Path(folder) / "widget.html"
        path.write_text(html, encoding="utf-8")
        return self.open_file(path)

    def allow_console_error(self, pattern):
        """Let through console and page errors that `re.search(pattern, text)` finds: ones a test expects."""
        self._allowed_errors.append(re.compile(pattern))

    def forbidden_requests(self):
        """The URLs requested other than the opened files and `data:`/`blob:`/`about:` URLs, plus websockets."""
        return [url for url in self.requests if not self._is_local(url)] + [f"websocket {url}" for url in self._websockets]

    def problems(self):
        """Every unexpected console error, page error and forbidden request, one sentence each."""
        unexpected = lambda texts: [t for t in texts if not any(p.search(t) for p in self._allowed_errors)]
        return ([f"console error: {t}" for t in unexpected(self.console_errors)]
                + [f"uncaught error: {t}" for t in unexpected(self.page_errors)]
                + [f"network request: {url}" for url in self.forbidden_requests()])

    def close(self, screenshot=None):
        """Save a screenshot (when given a path), close the page and return `problems()`."""
        problems = self.problems()
        if screenshot is not None:
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            try:
                self.pw.screenshot(path=str(screenshot))
            except Exception as error:  # a crashed page has no picture; say so rather than hide the test's own result
                problems.append(f"screenshot failed: {error}")
        self._context.close()
        return problems

    def _is_local(self, url):
        return url in self._opened or url.startswith(LOCAL_SCHEMES)

    def _route(self, route):
        if self._is_local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")
