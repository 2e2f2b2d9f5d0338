"""The documentation stays true: its Python blocks run, its source quotes match the code
(line numbers included), its links and pictures exist, and docs/api.md documents every
public name and equals what docs/gen_api.py generates."""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = ["index.md", "getting-started.md", "concepts.md", "bp-equations.md", "api.md",
         "examples.md", "testing.md"]
PAGES += ["optim.md", "data.md", "sklearn.md", "robustness.md",
              "coming-from-pytorch.md", "examples-table.md", "speed.md"]
#: Pages whose ```python blocks are executed, each block on its own.
RUN_PAGES = ["index.md", "getting-started.md", "concepts.md", "bp-equations.md", "testing.md"]
RUN_PAGES += ["optim.md", "data.md", "sklearn.md", "robustness.md",
              "coming-from-pytorch.md", "speed.md"]
#: Modules the API reference must cover (the issue's list).
REQUIRED_SECTIONS = [
    "tinygrad_mlp", "tinygrad_mlp.functional", "tinygrad_mlp.nn", "tinygrad_mlp.nn.init",
    "tinygrad_mlp.nn.utils", "tinygrad_mlp.optim", "tinygrad_mlp.data", "tinygrad_mlp.metrics",
    "tinygrad_mlp.io", "tinygrad_mlp.train", "tinygrad_mlp.gradcheck", "tinygrad_mlp.testing",
    "tinygrad_mlp.viz", "tinygrad_mlp.cli",
]
MAX_IMAGE_BYTES = 200_000
MAX_IMAGES_BYTES = 2_000_000


def _gen_api():
    """docs/gen_api.py as a module (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("gen_api", DOCS / "gen_api.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


gen_api = _gen_api()


def _read(page: str) -> str:
    """The page's text ('' if it is missing: test_every_page_exists... then fails)."""
    path = DOCS / page
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _python_blocks(page: str) -> list[tuple[int, str]]:
    """(line number, code) of the runnable ```python blocks of a page (not source quotes)."""
    return [(b["start"] + 1, "\n".join(b["body"])) for b in gen_api.fenced_blocks(_read(page))
            if b["lang"] == "python" and b["link"] is None]


RUNNABLE = [(page, line, code) for page in RUN_PAGES for line, code in _python_blocks(page)]
QUOTES = [(page, b) for page in PAGES for b in gen_api.fenced_blocks(_read(page))
          if b["link"] is not None]


def test_every_page_exists_and_mkdocs_lists_them():
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    for page in PAGES:
        assert (DOCS / page).is_file(), f"docs/{page} is missing"
        assert re.search(rf":\s*{re.escape(page)}\s*$", nav, re.M), f"mkdocs.yml nav lacks {page}"
    listed = re.findall(r":\s*([\w-]+\.md)\s*$", nav, re.M)
    assert sorted(listed) == sorted(PAGES), "mkdocs.yml lists pages that do not exist"


def test_pages_have_runnable_blocks():
    # guards the extraction itself: a broken fence parser would run nothing and pass
    for page in ("getting-started.md", "concepts.md"):
        assert len(_python_blocks(page)) >= 5, f"{page}: too few ```python blocks found"
    assert len(QUOTES) >= 10


@pytest.mark.parametrize("page, line, code", RUNNABLE,
                         ids=[f"{p}:{n}" for p, n, _ in RUNNABLE])
def test_python_block_runs(page, line, code, tmp_path, monkeypatch):
    """Each block on its own, in a fresh namespace, from an empty temporary folder."""
    if "load_digits" in code:
        pytest.importorskip("sklearn")
    if "viz" in code:
        pytest.importorskip("graphviz")
        pytest.importorskip("matplotlib")
    if "hypothesis" in code:
        pytest.importorskip("hypothesis")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")  # no window, ever
    namespace = {"__name__": f"docs_{Path(page).stem}_{line}"}
    exec(compile(code, f"docs/{page}:{line}", "exec"), namespace)
    assert not any(tmp_path.iterdir()), f"docs/{page}:{line} left files behind"


@pytest.mark.parametrize("page, block", QUOTES,
                         ids=[f"{p}:{b['start'] + 1}" for p, b in QUOTES])
def test_source_quote_matches_the_code(page, block):
    problem = gen_api.check_quote(block)
    assert problem is None, f"docs/{page}, line {block['start'] + 1}: {problem}"


def _slug(heading: str) -> str:
    """The anchor GitHub (and MkDocs' toc) give a heading."""
    text = re.sub(r"[`*_]{2,}|`", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    in_code = False
    out = set()
    for line in text.split("\n"):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            out.add(_slug(line.lstrip("#")))
    return out


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES)
def test_links_and_anchors_resolve(page):
    text = re.sub(r"^```.*?^```", "", _read(page), flags=re.S | re.M)  # code holds no links
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # external
        path, _, anchor = target.partition("#")
        dest = (DOCS / page).parent / path if path else DOCS / page
        assert dest.exists(), f"docs/{page}: link to {target} points nowhere"
        if anchor and dest.suffix == ".md" and dest.parent == DOCS:
            assert anchor in _anchors(dest), f"docs/{page}: no heading for #{anchor} in {path}"


def test_images_exist_are_small_and_used():
    images = sorted(p for p in (DOCS / "images").iterdir() if p.suffix in (".png", ".svg"))
    assert images, "docs/images holds no pictures"
    used = "\n".join(_read(p) for p in PAGES)
    for img in images:
        size = img.stat().st_size
        assert 0 < size < MAX_IMAGE_BYTES, f"{img.name} is {size} bytes (limit {MAX_IMAGE_BYTES})"
        assert f"images/{img.name}" in used, f"docs/images/{img.name} is not used by any page"
    assert sum(p.stat().st_size for p in images) < MAX_IMAGES_BYTES
    for img in images:
        head = img.read_bytes()[:8]
        assert head.startswith(b"\x89PNG") if img.suffix == ".png" else b"<" in head


# ------------------------------------------------------------------ API reference
def test_api_covers_the_required_modules():
    sections = [m for m, _ in gen_api.SECTIONS]
    missing = [m for m in REQUIRED_SECTIONS if m not in sections]
    assert not missing, f"docs/gen_api.py SECTIONS lacks {missing}"


@pytest.mark.parametrize("module", [m for m, _ in gen_api.SECTIONS])
def test_every_public_name_is_in_api_md(module):
    if module == "tinygrad_mlp.testing":
        pytest.importorskip("hypothesis")
    api = _read("api.md")
    headings = set(re.findall(r"^#{2,4} (\S+)", api, re.M))
    mod = importlib.import_module(module)
    names = gen_api.public_names(mod)
    assert names, f"{module} has no public names"
    for name in names:
        obj = getattr(mod, name)
        own_section = isinstance(obj, ModuleType) and obj.__name__ in headings
        assert own_section or f"{module}.{name}" in headings, (
            f"docs/api.md has no entry for {module}.{name}: run python docs/gen_api.py")


def test_api_lists_every_cli_command():
    build_parser = importlib.import_module("tinygrad_mlp.cli").build_parser
    api = _read("api.md")
    sub = next(a for a in build_parser()._actions if hasattr(a, "choices") and a.choices
               and all(hasattr(p, "parse_args") for p in a.choices.values()))
    for command in sub.choices:
        assert f"#### tinygrad-mlp {command}" in api, f"api.md lacks the {command} command"


def test_api_md_is_up_to_date():
    pytest.importorskip("hypothesis")  # gen_api documents tinygrad_mlp.testing
    assert _read("api.md") == gen_api.generate(), (
        "docs/api.md is out of date: run python docs/gen_api.py")


# ------------------------------------------------------------------ examples gallery
def test_examples_gallery_covers_the_example_scripts():
    folder = REPO / "examples"
    gallery = _read("examples.md")
    for name in re.findall(r"examples/([\w-]+\.py)", gallery):
        assert (folder / name).is_file(), f"docs/examples.md names examples/{name}, not found"
    scripts = sorted(p.name for p in folder.glob("*.py") if not p.name.startswith("_")) \
        if folder.is_dir() else []
    for name in scripts:
        assert f"examples/{name}" in gallery, f"docs/examples.md does not show examples/{name}"


def test_gen_api_sees_stale_quotes(tmp_path):
    """The quote checker must be able to fail: a quote with shifted lines is caught."""
    good = next(b for _, b in QUOTES if b["link"].group("b"))
    m = good["link"]
    a, b = int(m.group("a")), int(m.group("b"))
    text = gen_api.quote_link(m.group("path"), a + 1, b + 1)
    shifted = gen_api.fenced_blocks(text + "\n\n```python\n" + "\n".join(good["body"]) + "\n```")
    assert "run python docs/gen_api.py --fix-quotes" in gen_api.check_quote(shifted[0])
    changed = gen_api.fenced_blocks(gen_api.quote_link(m.group("path"), a, b)
                                    + "\n\n```python\n# not in the file\n```")
    assert "no longer occurs" in gen_api.check_quote(changed[0])


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is needed")
def test_make_images_script_imports():
    spec = importlib.util.spec_from_file_location("make_images", DOCS / "make_images.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert set(mod.MAKERS) >= {"graphs", "curves", "activations", "examples"}


# ------------------------------------------------------------------ README
README = REPO / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    """The README's snippets run as a newcomer would paste them (in an empty folder)."""
    pytest.importorskip("sklearn")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"),
                        flags=re.S | re.M)
    assert blocks, "README.md has no python example"
    for i, code in enumerate(blocks):
        exec(compile(code, f"README.md block {i}", "exec"), {"__name__": f"readme_{i}"})


def test_readme_links_resolve_and_quick_start_has_two_commands():
    text = README.read_text(encoding="utf-8")
    body = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    for target in LINK.findall(body):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        assert (REPO / target.partition("#")[0]).exists(), f"README.md: {target} points nowhere"
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^```bash\n(.*?)^```", quick, flags=re.S | re.M)
    assert len(commands) == 2, "the Quick start must hold exactly two commands"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci, ".ci/run must run the README's test command verbatim"
