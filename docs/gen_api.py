"""Generate docs/api.md, the API reference, from the package's signatures and docstrings,
and keep the source quotes in the other pages in step with the code.

    python docs/gen_api.py                # rewrite docs/api.md
    python docs/gen_api.py --check        # exit 1 if docs/api.md is out of date
    python docs/gen_api.py --fix-quotes   # update the line numbers of source quotes

Every name in each public module's ``__all__`` gets an entry: its signature and
the first paragraph of its docstring (classes also list their public methods).
``tests/test_docs.py`` regenerates the text and compares it with the file, so
the reference cannot drift from the code: after changing a docstring or a
signature, run this script and commit docs/api.md with the change.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pprint
import re
import sys
import types
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
API_MD = DOCS / "api.md"

#: (module, one-line description) in the order of the reference.
SECTIONS = [
    ("tinygrad_mlp", "Tensors, creation functions, gradients, grad mode, checkpoints."),
    ("tinygrad_mlp.linalg", "Vector norms, as in `torch.linalg` (`tm.linalg.vector_norm`)."),
    ("tinygrad_mlp.functional", "Activations and losses as functions "
                                "(`import tinygrad_mlp.functional as F`)."),
    ("tinygrad_mlp.nn", "Modules, parameters, layers, losses and penalties."),
    ("tinygrad_mlp.nn.init", "Weight initialisers (fill a tensor in place)."),
    ("tinygrad_mlp.nn.utils", "Parameters as one flat vector (for scipy.optimize), "
                              "gradient clipping."),
    ("tinygrad_mlp.optim", "Optimizers and learning-rate schedules."),
    ("tinygrad_mlp.data", "Mini-batches, splits, one-hot targets, dataset readers."),
    ("tinygrad_mlp.metrics", "Classification metrics."),
    ("tinygrad_mlp.io", "Checkpoints: `.npz` files, no pickle, atomic writes."),
    ("tinygrad_mlp.train", "`fit`, `evaluate`, `predict`: the training loop for the common "
                           "case."),
    ("tinygrad_mlp.gradcheck", "Numerical gradient checking."),
    ("tinygrad_mlp.blas", "The BLAS-thread policy for small matrix products (opt-in: "
                          "`TM_BLAS_THREADS=auto`)."),
    ("tinygrad_mlp.testing", "Hypothesis strategies to property-test ops (needs the `dev` "
                             "extra)."),
    ("tinygrad_mlp.viz", "Computation-graph drawings and training plots (needs the `viz` "
                         "extra)."),
    ("tinygrad_mlp.cli", "The `tinygrad-mlp` command."),
    ("tinygrad_mlp.sklearn", "scikit-learn estimators: MLP drop-ins and wrappers of any "
                             "Module (needs scikit-learn and SciPy)."),
    ("tinygrad_mlp.autograd", "Engine internals: op nodes, grad mode, the backward walk."),
    ("tinygrad_mlp.backend", "Engine internals: the one place the array module is chosen."),
    ("tinygrad_mlp.ops", "Engine internals: every differentiable op, one `Function` "
                         "subclass each."),
]

#: Hand-written notes shown under an entry, for what docstrings cannot say in one paragraph.
NOTES = {
    "tinygrad_mlp.Tensor": (
        "Operators `+ - * / ** @` and unary `-` record op nodes, with NumPy broadcasting "
        "(gradients are summed back to each input's shape); comparisons `< <= > >= == !=` "
        "give boolean tensors without gradient. Methods use NumPy's names and arguments "
        "(`axis`, `keepdims`); `x[index]` supports basic and integer-array indexing (the "
        "gradient scatter-adds). Attributes: `data` (the ndarray), `grad` (a Tensor or None), "
        "`requires_grad`, `name` (shown by `viz.draw_graph`)."),
    "tinygrad_mlp.Function": (
        "Subclasses define `forward(self, *arrays, **params)` and `backward(self, g, out, "
        "*inputs)`; see [Concepts: op nodes](concepts.md#op-nodes-function-subclasses) for "
        "the contract and an example."),
    "tinygrad_mlp.backend.xp": "The array module every op uses (NumPy).",
}

#: Public names of modules without ``__all__`` that are not functions or classes.
EXTRA_NAMES = {"tinygrad_mlp.backend": ["xp", "DEFAULT_FLOAT"]}


# ------------------------------------------------------------------ helpers
def module(name: str) -> types.ModuleType:
    """The module itself (``tinygrad_mlp.gradcheck`` the attribute is the function)."""
    return importlib.import_module(name)


def public_names(mod: types.ModuleType) -> list[str]:
    """``__all__``, or (for modules without one) the public functions and classes
    defined in the module itself, in source order."""
    if hasattr(mod, "__all__"):
        return list(mod.__all__)
    names = list(EXTRA_NAMES.get(mod.__name__, []))
    for name, obj in vars(mod).items():
        if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if getattr(obj, "__module__", None) == mod.__name__:
            names.append(name)
    return names


def first_paragraph(obj) -> str:
    """The docstring's first paragraph on one line ('' without a docstring).

    A namedtuple's generated docstring ("Name(a, b)") says nothing: the ``#:``
    comment above its definition is used instead.
    """
    doc = inspect.getdoc(obj) if obj.__doc__ else None
    if not doc:
        return ""
    paras = doc.strip().split("\n\n")
    para = " ".join(line.strip() for line in paras[0].splitlines())
    name = getattr(obj, "__name__", "")
    if inspect.isclass(obj) and para.startswith(f"{name}("):  # namedtuple, dataclass
        return constant_comment(sys.modules[obj.__module__], name)
    if para.endswith("::") and len(paras) > 1:  # reST literal block: keep it
        block = inspect.cleandoc(paras[1])
        return f"{para[:-1]}\n\n```text\n{block}\n```"
    return para


def _default(value) -> str:
    if isinstance(value, type):
        mod = value.__module__
        mod = "np" if mod == "numpy" else mod
        return f"{mod}.{value.__qualname__}"
    if isinstance(value, float) and value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:g}"
    return repr(value)


def signature(obj, name: str) -> str:
    """``name(a, b=1, *args, c=None)`` without annotations (docstrings give the shapes)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return name
    parts, star_done = [], False
    for p in sig.parameters.values():
        if p.name == "self":
            continue
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            star_done = True
            continue
        if p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
            continue
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        text = p.name if p.default is p.empty else f"{p.name}={_default(p.default)}"
        parts.append(text)
    return f"{name}({', '.join(parts)})"


def anchor(title: str) -> str:
    """The id GitHub and MkDocs give a heading made of plain words, dots and underscores."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _is_override(cls, attr: str) -> bool:
    return any(attr in vars(base) for base in cls.__mro__[1:])


def members(cls) -> list[tuple[str, str, str]]:
    """(kind, text, summary) for the public methods and properties a class defines itself."""
    out = []
    for attr, raw in vars(cls).items():
        if attr.startswith("_"):
            continue
        # getattr binds classmethods, so their signature leaves out ``cls``
        obj = getattr(cls, attr) if isinstance(raw, (classmethod, staticmethod)) else raw
        if isinstance(raw, property):
            doc = first_paragraph(raw.fget) if raw.fget else ""
            out.append(("property", f"{attr}", doc))
            continue
        if not callable(obj):
            continue
        if getattr(obj, "__name__", attr) != attr:  # an alias, e.g. expand = broadcast_to
            out.append(("method", attr, f"Alias of `{obj.__name__}`."))
            continue
        doc = first_paragraph(obj)
        if not doc and _is_override(cls, attr):  # e.g. a layer's forward: the base documents it
            continue
        out.append(("method", signature(obj, attr), doc))
    return out


def _constant(obj) -> str:
    """A constant as it reads in the source; a table of functions (the op registry, whose
    reprs hold memory addresses) as a one-line summary."""
    if isinstance(obj, dict) and obj and all(callable(v) or isinstance(v, property)
                                             for v in obj.values()):
        return f"{{...}}  # {len(obj)} names -> functions, filled by the op modules"
    return pprint.pformat(obj, width=90)


def constant_comment(mod: types.ModuleType, name: str) -> str:
    """The ``#:`` comment above ``NAME =`` where the name is defined: in ``mod`` or in
    one of its submodules that holds the same object (a package re-exports it)."""
    obj = getattr(mod, name, None)
    candidates = [mod] + [m for key, m in sorted(sys.modules.items())
                          if key.startswith(mod.__name__ + ".") and m is not None
                          and getattr(m, name, None) is obj]
    for m in candidates:
        try:
            lines = inspect.getsource(m).splitlines()
        except (OSError, TypeError):
            continue
        for i, line in enumerate(lines):
            if re.match(rf"{re.escape(name)}\s*(:[^=]*)?=", line):
                comment = []
                j = i - 1
                while j >= 0 and lines[j].lstrip().startswith("#:"):
                    comment.insert(0, lines[j].lstrip()[2:].strip())
                    j -= 1
                if comment:
                    return " ".join(comment)
    return ""


# ------------------------------------------------------------------ rendering
class Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.seen: dict[int, str] = {}  # id(object) -> the heading that documents it
        self.sections = {m for m, _ in SECTIONS}
        self.titles: dict[str, str] = {}  # full name -> heading (unique anchors)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def title(self, full: str, obj) -> str:
        """The heading for ``full``; names that differ only in case (``Tensor`` and
        ``tensor``) get their kind added, since anchors are lower-case."""
        if full not in self.titles:
            taken = {anchor(t) for t in self.titles.values()} | {anchor(m) for m in self.sections}
            text = full
            if anchor(text) in taken:
                text += " (class)" if inspect.isclass(obj) else " (function)"
            self.titles[full] = text
        return self.titles[full]

    def link(self, full: str, obj=None) -> str:
        return f"[{full}](#{anchor(self.title(full, obj))})"

    def entry(self, mod: types.ModuleType, name: str) -> None:
        obj = getattr(mod, name)
        if isinstance(obj, types.ModuleType) and obj.__name__ in self.sections:
            return  # it has a section of its own, linked from the names line
        title = self.title(f"{mod.__name__}.{name}", obj)
        self.add(f"### {title}", "")
        note = NOTES.get(f"{mod.__name__}.{name}")
        if isinstance(obj, types.ModuleType):
            self.module_entry(obj)
            if note:
                self.add(note, "")
            return
        real = getattr(obj, "__name__", name)
        if callable(obj) and real != name and real in public_names(mod):
            self.add(f"Alias of {self.link(f'{mod.__name__}.{real}', obj)}.", "")
            return
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and id(obj) in self.seen:
            self.add(f"Same object as {self.link(self.seen[id(obj)], obj)}.", "")
            return
        if inspect.isclass(obj) or inspect.isfunction(obj):
            self.seen[id(obj)] = f"{mod.__name__}.{name}"
        foreign = not getattr(obj, "__module__", "").startswith("tinygrad_mlp")
        if not callable(obj) or (inspect.isclass(obj) and foreign):
            value = _default(obj) if inspect.isclass(obj) else _constant(obj)
            self.add("```python", f"{name} = {value}", "```", "")
            comment = constant_comment(mod, name)
            if comment:
                self.add(comment, "")
        elif inspect.isclass(obj):
            self.class_entry(obj, name)
        else:
            self.add("```python", signature(obj, name), "```", "")
            if real != name:
                self.add(f"Alias of `{real}`.", "")
            doc = first_paragraph(obj)
            if doc:
                self.add(doc, "")
        if note:
            self.add(note, "")

    def module_entry(self, obj: types.ModuleType) -> None:
        if not obj.__name__.startswith("tinygrad_mlp"):
            self.add(f"The module `{obj.__name__}`.", "")
            return
        doc = first_paragraph(obj)
        names = ", ".join(f"`{n}`" for n in public_names(obj))
        self.add(f"Module. {doc}".rstrip(), "", f"Public names: {names}.", "")

    def class_entry(self, cls, name: str) -> None:
        # Only a constructor written in Python has a signature that every Python version
        # reports alike (builtin ones, e.g. of exceptions, differ between versions).
        python_made = inspect.isfunction(cls.__init__) or inspect.isfunction(cls.__new__)
        self.add("```python", "class " + (signature(cls, name) if python_made else name),
                 "```", "")
        base = next((b for b in cls.__mro__[1:] if not b.__name__.startswith("_")), object)
        if base is not object:
            self.add(f"Subclass of `{base.__qualname__}`.", "")
        doc = first_paragraph(cls)
        if doc:
            self.add(doc, "")
        rows = members(cls)
        for kind, text, summary in rows:
            label = f"`{text}`" + (" (property)" if kind == "property" else "")
            self.add(f"- {label}" + (f": {summary}" if summary else ""))
        if rows:
            self.add("")

    def cli_commands(self) -> None:
        """One subsection per ``tinygrad-mlp`` subcommand: its options and examples."""
        from tinygrad_mlp.cli import build_parser

        parser = build_parser()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        self.add("### tinygrad-mlp commands", "",
                 "`tinygrad-mlp COMMAND [options]`, or `python -m tinygrad_mlp COMMAND`. "
                 "Exit status: 0 success, 1 runtime error (or a gradient check that is not "
                 "OK), 2 bad arguments, 130 interrupted.", "")
        for cmd, p in sub.choices.items():
            self.add(f"#### tinygrad-mlp {cmd}", "", (p.description or "").strip() + ".", "",
                     "| option | meaning |", "| --- | --- |")
            for a in p._actions:
                if a.help == argparse.SUPPRESS or isinstance(a, argparse._HelpAction):
                    continue
                self.add(f"| {_option_text(a)} | {_help_text(a, p.prog)} |")
            self.add("")
            if p.epilog:
                self.add("```text", p.epilog.strip(), "```", "")


def _option_text(action) -> str:
    if action.choices is not None:
        meta = "{" + ",".join(map(str, action.choices)) + "}"
    else:
        meta = action.metavar or (action.dest.upper() if action.option_strings else action.dest)
    optional = " (optional)" if not action.option_strings and action.nargs == "?" else ""
    if not action.option_strings:
        text = meta
    elif action.nargs == 0:
        text = ", ".join(action.option_strings)
    elif action.nargs == "*":
        text = f"{', '.join(action.option_strings)} [{meta} ...]"
    else:
        text = f"{', '.join(action.option_strings)} {meta}"
    if "|" in text:  # a pipe splits table cells, even in a code span: use HTML instead
        return "<code>" + text.replace("|", "&#124;") + "</code>" + optional
    return f"`{text}`" + optional


def _help_text(action, prog: str) -> str:
    text = action.help or ""
    if "%(" in text:
        params = dict(vars(action), prog=prog)
        params = {k: (v.__name__ if hasattr(v, "__name__") else v) for k, v in params.items()}
        text = text % params
    # a table cell: escape pipes, and angle brackets that would read as HTML tags
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def generate() -> str:
    w = Writer()
    w.add("# API reference", "",
          "<!-- Generated by docs/gen_api.py from the package's docstrings and signatures; "
          "do not edit by hand: run `python docs/gen_api.py`. -->", "",
          "Every public name, with its signature and the first paragraph of its docstring. "
          "For the ideas behind them see [Concepts](concepts.md); for a tour, "
          "[Getting started](getting-started.md). Names re-exported in several places are "
          "described once and linked from the others.", "")
    for mod_name, blurb in SECTIONS:
        w.add(f"- [{mod_name}](#{anchor(mod_name)}): {blurb}")
    w.add("")
    for mod_name, blurb in SECTIONS:
        mod = module(mod_name)
        w.add(f"## {mod_name}", "", blurb, "")
        names = public_names(mod)
        links = []
        for n in names:
            obj = getattr(mod, n)
            if isinstance(obj, types.ModuleType) and obj.__name__ in w.sections:
                links.append(f"[{n}](#{anchor(obj.__name__)}) (module)")
            else:
                links.append(f"[{n}](#{anchor(w.title(f'{mod_name}.{n}', obj))})")
        w.add("Names: " + ", ".join(links) + ".", "")
        for name in names:
            w.entry(mod, name)
        if mod_name == "tinygrad_mlp.cli":
            w.cli_commands()
    text = "\n".join(w.lines).rstrip() + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)


# ------------------------------------------------------------------ source quotes
#: A source quote is a fenced block right after a line holding a link of this form:
#: [`tinygrad_mlp/ops/linalg.py`, lines 70–76](../tinygrad_mlp/ops/linalg.py#L70-L76)
QUOTE_LINK = re.compile(r"\[`(?P<path>[^`]+)`, lines? (?P<a>\d+)(?:–(?P<b>\d+))?\]"
                        r"\(\.\./(?P<target>[^)#]+)#L(?P<la>\d+)(?:-L(?P<lb>\d+))?\)")
FENCE = re.compile(r"^(`{3,})(\w*)\s*$")


def quote_link(path: str, a: int, b: int) -> str:
    """The link line of a quote of lines a..b of ``path`` (a file relative to the repo)."""
    if a == b:
        return f"[`{path}`, line {a}](../{path}#L{a})"
    return f"[`{path}`, lines {a}–{b}](../{path}#L{a}-L{b})"


def fenced_blocks(text: str) -> list[dict]:
    """Every fenced block of a Markdown page: language, body lines, the line index of
    the opening fence, and the source-quote link just before it (or None)."""
    lines = text.split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != m.group(1):
            end += 1
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        link = QUOTE_LINK.search(lines[j]) if j >= 0 and i - j <= 2 else None
        blocks.append({"lang": m.group(2), "body": lines[i + 1:end], "start": i,
                       "link": link, "link_line": j})
        i = end + 1
    return blocks


def locate(body: list[str], path: str, near: int) -> int | None:
    """The 1-based line where ``body`` occurs in the file ``path`` (nearest ``near``)."""
    file_lines = (REPO / path).read_text(encoding="utf-8").split("\n")
    n = len(body)
    hits = [k + 1 for k in range(len(file_lines) - n + 1) if file_lines[k:k + n] == body]
    return min(hits, key=lambda k: abs(k - near)) if hits else None


def check_quote(block: dict) -> str | None:
    """None if the quote matches its file at the lines it names, else what is wrong."""
    m = block["link"]
    path, a = m.group("path"), int(m.group("a"))
    if not (REPO / path).is_file():
        return f"{path} does not exist"
    found = locate(block["body"], path, a)
    if found is None:
        return f"the quote of {path} (from line {a}) no longer occurs in the file"
    want = quote_link(path, found, found + len(block["body"]) - 1)
    if m.group(0) != want:
        return (f"the quote should be introduced by {want}: "
                f"run python docs/gen_api.py --fix-quotes")
    return None


def fix_quotes(page: Path) -> list[str]:
    """Rewrite the line numbers of ``page``'s source quotes; returns the problems left."""
    lines = page.read_text(encoding="utf-8").split("\n")
    problems = []
    for block in fenced_blocks("\n".join(lines)):
        m = block["link"]
        if m is None:
            continue
        path = m.group("path")
        found = locate(block["body"], path, int(m.group("a")))
        if found is None:
            problems.append(f"{page.name}: the quote of {path} no longer occurs in the file")
            continue
        new = quote_link(path, found, found + len(block["body"]) - 1)
        k = block["link_line"]
        lines[k] = lines[k][:m.start()] + new + lines[k][m.end():]
    page.write_text("\n".join(lines), encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    if "--fix-quotes" in argv:
        problems = [p for page in sorted(DOCS.glob("*.md")) for p in fix_quotes(page)]
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    check = "--check" in argv
    text = generate()
    if check:
        current = API_MD.read_text(encoding="utf-8") if API_MD.exists() else ""
        if current != text:
            print("docs/api.md is out of date: run python docs/gen_api.py", file=sys.stderr)
            return 1
        return 0
    API_MD.write_text(text, encoding="utf-8")
    print(f"wrote {API_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
