"""Packaging: the public API, lazy imports, and declared dependencies."""

import ast
import importlib.metadata
import pathlib
import re
import subprocess
import sys
import tomllib

import seqkeras

ROOT = pathlib.Path(__file__).parents[1]


def test_public_names_resolve():
    for name in seqkeras.__all__:
        assert getattr(seqkeras, name) is not None, name
    assert seqkeras.SentimentPipeline.task == "sentiment"


def test_importing_the_package_does_not_start_tensorflow():
    code = "import sys, seqkeras; print('tensorflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert result.stdout.strip() == "False"


def _normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(requirements):
    return {
        _normalise(re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0]) for r in requirements
    }


def _third_party_imports(folder):
    """Top-level modules imported under `folder`, minus the standard library,
    seqkeras and the folder's own modules (bench scripts import `common`)."""
    local = {p.stem for p in folder.glob("*.py")}
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {
        n
        for n in names
        if n not in sys.stdlib_module_names and n != "seqkeras" and n not in local
    }


def test_every_import_is_a_declared_dependency():
    """A green run here must not hide a missing install step."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _declared(project["dependencies"])
    extras = project["optional-dependencies"]
    dev = runtime | _declared(extras["dev"])
    providers = importlib.metadata.packages_distributions()
    for folder, declared in [
        # seqkeras imports jax only when Keras runs on JAX, which needs it.
        (ROOT / "seqkeras", runtime | _declared(extras["jax"])),
        (ROOT / "tests", dev),
        (ROOT / "bench", runtime | _declared(extras["jax"])),
    ]:
        for module in _third_party_imports(folder) - {"tests"}:
            distributions = {_normalise(d) for d in providers.get(module, [module])}
            assert distributions & declared, (
                f"{folder.name} imports {module}, undeclared"
            )
