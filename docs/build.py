"""Builds the documentation site: `make docs` (or `python docs/build.py`).

The site holds the README, every notebook executed with its outputs and
figures, the notebooks' README, BENCHMARKS.md, the data sets' README and an
API reference generated from the docstrings, as static HTML in `site/`
(mkdocs with the Material theme, mkdocs-jupyter for the notebooks,
mkdocstrings for the API). It builds offline: the notebooks read the data
mirror like the tests do, and the pages load nothing from the network
(MathJax is copied from nbclassic's bundle).

    python docs/build.py                     # quick mode (SEQKERAS_QUICK=1)
    python docs/build.py --full              # the notebooks' full mode
    python docs/build.py --notebooks 01 02   # only these (by number or name)

Executed notebooks are kept in `build/executed/`, named by a hash of the
notebook, its mode and the package's code, so a second build re-runs only
what changed. Notebooks run `--jobs` at a time (default 2).
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
SOURCE = BUILD / "site-src"
FIGURES = ROOT / "docs" / "figures"  # the README's PNGs
EXECUTED = BUILD / "executed"
CONFIG = ROOT / "docs" / "mkdocs.yml"
PAGES = {  # repository file -> its place in the site
    "README.md": "index.md",
    "BENCHMARKS.md": "BENCHMARKS.md",
    "notebooks/README.md": "notebooks/README.md",
    "notebooks/course_items.py": "notebooks/course_items.py",
    "datasets/README.md": "datasets/README.md",
}
# The API reference: one page per public module, in this order.
API_MODULES = [
    ("models", "Builders"),
    ("pipelines", "Pipelines"),
    ("layers", "Layers and cells"),
    ("decoding", "Decoding"),
    ("datasets", "Data sets"),
    ("text", "Text"),
    ("audio", "Audio"),
    ("metrics", "Metrics"),
    ("tags", "Tag schemes"),
    ("callbacks", "Callbacks"),
    ("gradients", "Gradients"),
    ("embeddings", "Embeddings"),
    ("plots", "Plots"),
    ("numpy_rnn", "The RNN in NumPy"),
    ("numpy_lstm", "The LSTM in NumPy"),
    ("numpy_ctc", "CTC in NumPy"),
    ("distribute", "Distributed training"),
    ("errors", "Errors"),
]


def notebooks(selection):
    """The notebooks to build: all, or those whose name starts with one of
    `selection` ("01", "07b", "08_translation")."""
    found = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not selection:
        return found
    chosen = [p for p in found if any(p.stem.startswith(s) for s in selection)]
    unknown = [s for s in selection if not any(p.stem.startswith(s) for p in found)]
    if unknown:
        names = ", ".join(p.stem for p in found)
        sys.exit(
            f"error: no notebook starts with {', '.join(unknown)}; there are {names}"
        )
    return chosen


def code_hash():
    """A hash of the package's Python files: an executed notebook is stale
    when the code it ran changes."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "seqkeras").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def execute(path, full, code, timeout):
    """`path` executed (or taken from the cache): the executed copy's path
    and the seconds it took (0 when cached)."""
    import nbformat
    from nbclient import NotebookClient

    mode = "full" if full else "quick"
    key = hashlib.sha256(path.read_bytes() + mode.encode() + code.encode())
    target = EXECUTED / f"{path.stem}.{mode}.{key.hexdigest()[:12]}.ipynb"
    if target.exists():
        return target, 0.0
    notebook = nbformat.read(path, as_version=4)
    # The kernel's own environment (os.environ is shared by the threads).
    environment = {
        **os.environ,
        "SEQKERAS_QUICK": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    if full:
        del environment["SEQKERAS_QUICK"]
    start = time.perf_counter()
    EXECUTED.mkdir(parents=True, exist_ok=True)
    # The kernel process's own stderr (TensorFlow's start-up log) to a file,
    # not to the terminal; what the cells print is in the notebook.
    with open(EXECUTED / f"{path.stem}.{mode}.kernel.log", "w") as log:
        NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute(env=environment, stderr=log)
    seconds = time.perf_counter() - start
    for stale in EXECUTED.glob(f"{path.stem}.{mode}.*.ipynb"):
        stale.unlink()
    partial = target.with_suffix(".tmp")
    nbformat.write(notebook, partial)
    partial.replace(target)
    return target, seconds


def stage(executed, full):
    """Fills build/site-src: the pages, the executed notebooks, the API pages
    and MathJax; returns the navigation."""
    shutil.rmtree(SOURCE, ignore_errors=True)
    for source, target in PAGES.items():
        (SOURCE / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / source, SOURCE / target)
    # The README's figures (bench/readme_figures.py), where its links point.
    if FIGURES.is_dir():
        shutil.copytree(FIGURES, SOURCE / FIGURES.relative_to(ROOT))
    for path in executed:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"] = _without_start_up_logs(cell["outputs"])
        target = SOURCE / "notebooks" / (path.name.split(".")[0] + ".ipynb")
        target.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    api = []
    (SOURCE / "api").mkdir()
    for module, title in API_MODULES:
        page = f"api/{module}.md"
        (SOURCE / page).write_text(f"# {title}\n\n::: seqkeras.{module}\n")
        api.append({title: page})
    (SOURCE / "api" / "index.md").write_text(
        "# API reference\n\nGenerated from the docstrings of the `seqkeras` "
        "package, one page per module:\n\n"
        + "".join(f"- [{title}]({module}.md)\n" for module, title in API_MODULES)
    )
    copy_mathjax(SOURCE / "assets" / "mathjax")
    mode = "full mode" if full else "quick mode (`SEQKERAS_QUICK=1`)"
    note = SOURCE / "notebooks" / "README.md"
    note.write_text(
        note.read_text(encoding="utf-8").replace(
            "# Notebooks\n",
            f"# Notebooks\n\n!!! note\n    The notebooks on this site were run in "
            f"{mode} when the site was built: their figures and numbers are "
            "those of that run.\n",
            1,
        ),
        encoding="utf-8",
    )
    notebook_pages = [{"Overview": "notebooks/README.md"}] + [
        {_title(path): f"notebooks/{path.name.split('.')[0]}.ipynb"}
        for path in executed
    ]
    return [
        {"Home": "index.md"},
        {"Notebooks": notebook_pages},
        {"Benchmarks": "BENCHMARKS.md"},
        {"Data sets": "datasets/README.md"},
        {"API reference": [{"Overview": "api/index.md"}, *api]},
    ]


# What TensorFlow's C++ side writes to stderr when it starts (absl log lines
# that TF_CPP_MIN_LOG_LEVEL does not silence): noise on a page, dropped there.
START_UP_LOG = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)"
    r"|[IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\]"
    r"|To enable the following instructions"
    r"|This TensorFlow binary is optimized)"
)


def _without_start_up_logs(outputs):
    kept = []
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = output["text"]
            lines = (text if isinstance(text, str) else "".join(text)).splitlines(True)
            lines = [line for line in lines if not START_UP_LOG.match(line)]
            if not lines:
                continue
            output = {**output, "text": "".join(lines)}
        kept.append(output)
    return kept


def _title(path):
    """A notebook's title: its first heading without the number."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first = "".join(cells[0]["source"]).splitlines()[0]
    return re.sub(r"^#\s*", "", first)


def copy_mathjax(target):
    """MathJax 2 from nbclassic's bundle: the version and configuration
    mkdocs-jupyter's pages expect, served by the site itself."""
    import nbclassic

    bundle = (
        pathlib.Path(nbclassic.__file__).parent / "static" / "components" / "MathJax"
    )
    if not (bundle / "MathJax.js").exists():
        sys.exit(f"error: no MathJax in {bundle}: reinstall the docs extra (nbclassic)")
    shutil.copytree(
        bundle,
        target,
        ignore=shutil.ignore_patterns("*.md", "test", "unpacked", "docs"),
    )
    # The bundle has the STIX-Web fonts only, and HTML-CSS output probes
    # fonts with a request the browser logs as an error: SVG output with
    # STIX-Web glyphs instead (docs/mkdocs.yml loads `local/seqkeras`).
    (target / "config" / "local").mkdir(exist_ok=True)
    (target / "config" / "local" / "seqkeras.js").write_text(MATHJAX_CONFIG)


MATHJAX_CONFIG = """MathJax.Hub.Config({
  jax: ["input/TeX", "output/SVG"],
  extensions: ["tex2jax.js", "Safe.js"],
  TeX: {extensions: ["AMSmath.js", "AMSsymbols.js", "noErrors.js", "noUndefined.js"]},
  SVG: {font: "STIX-Web"}
});
MathJax.Ajax.loadComplete("[MathJax]/config/local/seqkeras.js");
"""


def build(args):
    chosen = notebooks(args.notebooks)
    code = code_hash()
    start = time.perf_counter()
    mode = "full" if args.full else "quick"
    print(f"== executing {len(chosen)} notebooks ({mode} mode)")
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {
            pool.submit(execute, path, args.full, code, args.timeout): path
            for path in chosen
        }
        executed = {}
        for future in concurrent.futures.as_completed(futures):
            path = futures[future]
            executed[path], seconds = future.result()
            print(f"   {path.name}: {'cached' if not seconds else f'{seconds:.0f} s'}")
    executed = [executed[path] for path in chosen]
    nav = stage(executed, args.full)
    import yaml

    config = yaml.safe_load(CONFIG.read_text())
    for plugin in config["plugins"]:  # mkdocstrings reads the package from here
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:
            plugin["mkdocstrings"]["handlers"]["python"]["paths"] = [str(ROOT)]
    config.update(docs_dir=str(SOURCE), site_dir=str(args.site.resolve()), nav=nav)
    generated = BUILD / "mkdocs.yml"
    generated.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    print("== mkdocs build")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--clean",
            "-q",
            "-f",
            str(generated),
        ],
        check=True,
        cwd=BUILD,  # mkdocs-jupyter keeps its cache in ./.cache
    )
    size = sum(p.stat().st_size for p in args.site.rglob("*") if p.is_file())
    print(
        f"== {args.site} ({size / 1e6:.1f} MB, {len(list(args.site.rglob('*.html')))} "
        f"pages) in {time.perf_counter() - start:.0f} s: open {args.site}/index.html, "
        f"or serve it for the search: python -m http.server -d {args.site}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="the notebooks' full mode")
    parser.add_argument("--notebooks", nargs="+", metavar="NAME", help="only these")
    parser.add_argument("--site", type=pathlib.Path, default=ROOT / "site")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    build(parser.parse_args(argv))


if __name__ == "__main__":
    main()
