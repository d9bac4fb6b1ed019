"""The browser harness (tests/browser.py) catches what it promises to, on tiny pages in tmp_path."""
import pytest
from browser import BrowserPage


def write(tmp_path, body, name="page.html"):
    path = tmp_path / name
    path.write_text(f"<!doctype html><meta charset=utf-8><title>t</title><body>{body}</body>")
    return path


def problems_of(browser, path, allow=()):
    """Open `path` in a BrowserPage of its own (not the `page` fixture, which would fail this test)."""
    watched = BrowserPage(browser)
    for pattern in allow:
        watched.allow_console_error(pattern)
    watched.open_file(path)
    watched.wait_for_function("window.done === true")
    return watched.close()


def test_console_errors_and_uncaught_errors_are_problems(browser, tmp_path):
    path = write(tmp_path, "<script>console.error('boom', 42); console.warn('only a warning');"
                           "window.done = true; throw new Error('kaput');</script>")
    assert problems_of(browser, path) == ["console error: boom 42", "uncaught error: kaput"]


def test_allow_console_error_lets_through_only_the_expected_ones(browser, tmp_path):
    path = write(tmp_path, "<script>console.error('expected: no data'); console.error('unexpected');"
                           "window.done = true;</script>")
    assert problems_of(browser, path, allow=[r"^expected: "]) == ["console error: unexpected"]


def test_a_fetch_is_caught_as_a_network_request_and_never_sent(browser, tmp_path):
    path = write(tmp_path, "<img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='>"
                           "<script>fetch('http://127.0.0.1:9/x').catch(e => { window.done = true; });</script>")
    problems = problems_of(browser, path)
    assert "network request: http://127.0.0.1:9/x" in problems
    assert not any(path.as_uri() in p or "data:" in p for p in problems), problems


def test_a_sibling_file_is_a_network_request_too(browser, tmp_path):
    # The saved explorer is one file: a script it loads from beside itself would not travel with it.
    (tmp_path / "extra.js").write_text("window.done = true;")
    path = write(tmp_path, "<script src='extra.js'></script><script>window.done = true;</script>")
    console, request = problems_of(browser, path)
    assert console.startswith("console error: Failed to load resource: net::ERR_BLOCKED_BY_CLIENT"), console
    assert request == f"network request: {(tmp_path / 'extra.js').as_uri()}"


def test_page_clicks_and_arrow_keys_change_what_the_test_reads(page, tmp_path):
    page.open_file(write(tmp_path, "<button id=next>next</button> <span id=step>0</span><script>"
                                   "const step = document.getElementById('step');"
                                   "const advance = () => { step.textContent = Number(step.textContent) + 1; };"
                                   "document.getElementById('next').addEventListener('click', advance);"
                                   "document.addEventListener('keydown', e => { if (e.key === 'ArrowRight') advance(); });"
                                   "</script>"))
    page.click("#next")
    assert page.text_content("#step") == "1"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")  # not handled: no change
    assert page.text_content("#step") == "2"
    assert page.viewport_size == {"width": 1280, "height": 800}


def test_open_file_names_a_missing_file(page, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"open_file: no such file: .*nowhere\.html"):
        page.open_file(tmp_path / "nowhere.html")


INNER_TESTS = '''
def test_clean(page, tmp_path):
    (tmp_path / "a.html").write_text("<p>fine</p>")
    page.open_file(tmp_path / "a.html")

def test_logs_an_error(page, tmp_path):
    (tmp_path / "b.html").write_text("<script>console.error('boom from the page')</script>")
    page.open_file(tmp_path / "b.html")

def test_expects_its_error(page, tmp_path):
    page.allow_console_error("boom")
    (tmp_path / "c.html").write_text("<script>console.error('boom, expected')</script>")
    page.open_file(tmp_path / "c.html")
'''


def test_page_fixture_fails_a_test_at_teardown_and_saves_a_screenshot_each(pytester, browser, monkeypatch):
    # The inner pytest runs in this process, where a second Playwright cannot start: it borrows
    # this session's browser (the `browser` fixture's own launch is what every other test uses).
    monkeypatch.setattr("browser.borrowed", browser, raising=False)
    shots = pytester.path / "shots"
    pytester.makeconftest(f"""
import pathlib, pytest
import browser as harness
from browser import page

@pytest.fixture(scope="session")
def browser():
    return harness.borrowed

@pytest.fixture(scope="session")
def screenshot_dir():
    return pathlib.Path({str(shots)!r})
""")
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_logs_an_error*",
                                 "*the page had 1 problem(s):*", "*console error: boom from the page*"])
    names = sorted(p.name for p in shots.iterdir())
    assert names == ["test_inner.test_clean.png", "test_inner.test_expects_its_error.png", "test_inner.test_logs_an_error.png"]
    assert all((shots / n).read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for n in names)


def test_missing_chromium_skips_saying_how_to_install_but_fails_under_ci(pytester, monkeypatch):
    pytester.makeconftest("from browser import browser, page\n")
    pytester.makepyfile(test_inner="def test_needs_it(page):\n    pass\n")
    monkeypatch.setattr("browser.chromium_path", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*Chromium is not installed; install it with `apt-get install chromium`*"])
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*browser tests cannot run under CI: Chromium is not installed*"])
