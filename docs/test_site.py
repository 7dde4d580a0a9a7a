"""The documentation site in a real browser: `make docs-check`.

Builds the site with two notebooks (quick mode), serves it on 127.0.0.1 and
opens its pages in headless Chromium (Debian's `chromium` and
`chromium-driver`, which `make docs-check` installs when they are missing):
the notebooks' figures load, their code and output cells are there, the
formulas are typeset by the site's own MathJax, the search finds a
notebook, and the browser's console shows no error on any page visited.
A screenshot of a notebook page is kept in build/site-check/.

Not part of `make test` (it needs a browser); `.ci/run` runs it after.
"""

import functools
import http.server
import json
import pathlib
import re
import shutil
import subprocess
import sys
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "build" / "site-check"
NOTEBOOKS = ["01_the_sequential_problem", "02_rnn_from_scratch"]
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site") / "site"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "docs" / "build.py"),
            "--notebooks",
            *NOTEBOOKS,
            "--site",
            str(folder),
        ],
        check=True,
        timeout=1800,
    )
    return folder


@pytest.fixture(scope="module")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (pathlib.Path(CHROMIUM).exists() and pathlib.Path(DRIVER).exists()):
        pytest.fail(
            f"needs {CHROMIUM} and {DRIVER}: `make docs-check` installs Debian's "
            "chromium and chromium-driver (apt-get)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,2000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def open_page(browser, url):
    """Loads `url`, waits for MathJax when the page has it, and returns the
    console's errors on that page."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(url)
    WebDriverWait(browser, 60).until(
        lambda b: b.execute_script("return document.readyState") == "complete"
    )
    WebDriverWait(browser, 60).until(
        lambda b: b.execute_script(
            "return !window.MathJax || !MathJax.Hub || "
            "MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0"
        )
    )
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def executed(name):
    """The executed notebook the site shows."""
    for path in (ROOT / "build" / "executed").glob(f"{name}.quick.*.ipynb"):
        return json.loads(path.read_text(encoding="utf-8"))
    raise AssertionError(f"no executed copy of {name} in build/executed")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_notebook_page_shows_its_cells_outputs_figures_and_formulas(
    name, server, browser
):
    errors = open_page(browser, f"{server}/notebooks/{name}/")
    assert not errors, errors
    notebook = executed(name)
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    images = sum(
        "image/png" in output.get("data", {})
        for cell in code_cells
        for output in cell["outputs"]
    )
    page = browser.execute_script(
        """
        const wrapper = document.querySelector('.jupyter-wrapper');
        const images = [...wrapper.querySelectorAll('.jp-OutputArea-output img')];
        return {
          code: wrapper.querySelectorAll('.jp-CodeCell[id^="cell-id="]').length,
          inputs: wrapper.querySelectorAll('.jp-CodeCell .jp-InputArea-editor').length,
          outputs: wrapper.querySelectorAll('.jp-OutputArea-output').length,
          images: images.length,
          loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
          math: wrapper.querySelectorAll('.MathJax_SVG, .MathJax_SVG_Display').length,
          unrendered: wrapper.innerText.includes('$$'),
          text: wrapper.innerText,
        };
        """
    )
    assert page["code"] == len(code_cells)
    assert page["inputs"] == len(code_cells)
    assert page["outputs"] >= sum(bool(c["outputs"]) for c in code_cells) > 0
    assert page["images"] == images > 0
    assert page["loaded"] == images, "a figure did not load"
    assert page["math"] > 0 and not page["unrendered"], "the formulas were not typeset"
    # An output the notebook printed, on the page.
    printed = next(
        line
        for cell in code_cells
        for output in cell["outputs"]
        if output["output_type"] == "stream" and output["name"] == "stdout"
        for line in "".join(output["text"]).splitlines()
        if len(line) > 20
    )
    assert printed.strip() in page["text"]
    assert (
        "absl::InitializeLog" not in page["text"]
    )  # the build drops TF's start-up log
    if name == NOTEBOOKS[-1]:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        screenshot = ARTEFACTS / f"{name}.png"
        assert browser.save_screenshot(str(screenshot))
        print(f"screenshot: {screenshot}")


@pytest.mark.parametrize(
    "page", ["", "BENCHMARKS/", "notebooks/", "datasets/", "api/", "api/models/"]
)
def test_the_other_pages_load_without_console_errors(page, server, browser):
    errors = open_page(browser, f"{server}/{page}")
    assert not errors, errors
    title = browser.execute_script("return document.querySelector('h1').innerText")
    assert title


def test_the_home_page_shows_the_readme_figures(server, browser):
    """Every PNG the README links (docs/figures/, drawn by
    bench/readme_figures.py) is in the site and loads on its home page."""
    linked = re.findall(
        r"\]\(docs/figures/([\w.-]+\.png)\)", (ROOT / "README.md").read_text()
    )
    assert linked, "the README links no figure of docs/figures/"
    errors = open_page(browser, f"{server}/")
    assert not errors, errors
    images = browser.execute_script(
        """
        return [...document.querySelectorAll('.md-content img')].map(
          i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0]);
        """
    )
    loaded = {src.rsplit("/", 1)[-1]: ok for src, ok in images}
    for name in linked:
        assert loaded.get(name), f"{name} is not on the home page or did not load"


def test_the_api_reference_shows_the_docstrings(server, browser):
    open_page(browser, f"{server}/api/models/")
    text = browser.execute_script("return document.body.innerText")
    assert "build_sentiment_classifier" in text
    assert "Args" in text or "Parameters" in text


def test_the_search_finds_a_notebook(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert not open_page(browser, f"{server}/")
    browser.find_element(By.TAG_NAME, "body").send_keys("/")  # the search's key
    box = browser.switch_to.active_element
    assert "md-search__input" in box.get_attribute("class")
    box.send_keys("backpropagation")
    WebDriverWait(browser, 30).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, ".md-search-result__item")
    )
    links = [
        a.get_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, ".md-search-result__item a")
    ]
    assert any("02_rnn_from_scratch" in link for link in links), links
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_chromium_is_debians():
    """The browser the project installs, not one downloaded at test time."""
    assert shutil.which("chromium") == CHROMIUM


def test_an_unknown_notebook_is_refused_with_the_names_there_are(capsys):
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import build
    finally:
        sys.path.pop(0)
    with pytest.raises(SystemExit, match="no notebook starts with 99_nothing") as error:
        build.notebooks(["01", "99_nothing"])
    assert "02_rnn_from_scratch" in str(error.value)  # the ones there are
    assert [p.stem for p in build.notebooks(["02"])] == ["02_rnn_from_scratch"]
