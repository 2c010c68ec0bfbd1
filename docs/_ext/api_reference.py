"""The API reference, written from the package's public lists at build time.

Every package of `keras_mlpmix` that declares `__all__` gets a page,
`api/<package>.rst`, found by walking the package tree, so a new public
subpackage appears in the reference as soon as it exists. A page holds the
package's docstring, a summary table of its names and the full documentation
of every name it is the home of. A name exported by several packages (the
top-level package re-exports the layers and models) is documented once, in
the deepest package that exports it, and listed with a link everywhere else.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import pkgutil
from types import ModuleType

from generated_files import write_generated

ROOT_PACKAGE = "keras_mlpmix"


def public_packages(root: str = ROOT_PACKAGE) -> list[ModuleType]:
    """The root package and every public subpackage below it with an `__all__`."""
    found = []

    def visit(package):
        if hasattr(package, "__all__"):
            found.append(package)
        for info in pkgutil.iter_modules(package.__path__):
            if info.ispkg and not info.name.startswith("_"):
                visit(importlib.import_module(f"{package.__name__}.{info.name}"))

    visit(importlib.import_module(root))
    return found


def home_packages(packages: list[ModuleType]) -> dict[int, str]:
    """Maps `id(obj)` of each public object to the deepest package exporting it."""
    homes = {}
    for package in sorted(packages, key=lambda p: p.__name__.count(".")):
        for name in package.__all__:
            homes[id(getattr(package, name))] = package.__name__
    return homes


# What a public constant is; constants have no docstring of their own.
DATA_DESCRIPTIONS = {"__version__": "The version of the installed keras-mlpmix."}


def _relative(target: str, current: str) -> str:
    """`target` relative to the package `current` when inside it (autosummary's rule)."""
    return target.removeprefix(f"{current}.")


def _heading(text: str, underline: str) -> str:
    return f"{text}\n{underline * len(text)}\n"


def package_page(package: ModuleType, homes: dict[int, str]) -> str:
    """The reStructuredText of one package's page."""
    name = package.__name__
    objects = {member: getattr(package, member) for member in package.__all__}
    subpackages = [m for m, obj in objects.items() if inspect.ismodule(obj)]
    documented = [
        m
        for m, obj in objects.items()
        if not inspect.ismodule(obj) and homes[id(obj)] == name
    ]
    reexported = [
        m
        for m, obj in objects.items()
        if not inspect.ismodule(obj) and homes[id(obj)] != name
    ]

    lines = [_heading(name, "="), f".. automodule:: {name}\n"]
    if subpackages:
        lines.append(_heading("Subpackages", "-"))
        lines += [f"- :doc:`{name}.{m}`" for m in subpackages]
        lines.append("")
    if reexported:
        lines.append(_heading("Names importable from here", "-"))
        lines.append(
            f"These names are defined in a subpackage and can also be imported "
            f"from ``{name}`` directly.\n"
        )
        lines.append(".. summary-table::\n   :nosignatures:\n")
        lines += [
            f"   ~{_relative(homes[id(objects[m])], name)}.{m}" for m in reexported
        ]
        lines.append("")
    callables = [m for m in documented if callable(objects[m])]
    constants = [m for m in documented if not callable(objects[m])]
    if callables:
        lines.append(_heading("Summary", "-"))
        lines.append(".. summary-table::\n   :nosignatures:\n")
        lines += [f"   {m}" for m in callables]
        lines.append("")
        for member in callables:
            lines.append(_heading(member, "-"))
            if inspect.isclass(objects[member]):
                lines.append(
                    f".. autoclass:: {member}\n   :members:\n   :show-inheritance:\n"
                )
            else:
                lines.append(f".. autofunction:: {member}\n")
    if constants:
        lines.append(_heading("Constants", "-"))
        for member in constants:
            value = objects[member]
            lines.append(
                f".. py:data:: {member}\n   :type: {type(value).__name__}\n"
                f"   :value: {value!r}\n\n   {DATA_DESCRIPTIONS.get(member, '')}\n"
            )
    return "\n".join(lines)


def index_page(packages: list[ModuleType]) -> str:
    """The reStructuredText of the API reference's front page."""
    lines = [
        _heading("API reference", "="),
        "Every public name of keras-mlpmix, by package. Each class and function "
        "comes with a runnable example; the examples are run by the test suite.\n",
    ]
    for package in packages:
        summary = (inspect.getdoc(package) or "").split("\n", 1)[0]
        lines.append(f":doc:`{package.__name__}`\n   {summary}\n")
    lines.append(".. toctree::\n   :hidden:\n")
    lines += [f"   {package.__name__}" for package in packages]
    return "\n".join(lines) + "\n"


def write_api_pages(out_dir: pathlib.Path) -> list[pathlib.Path]:
    """Writes the API reference sources into `out_dir`; removes stale pages."""
    packages = public_packages()
    homes = home_packages(packages)
    pages = {out_dir / "index.rst": index_page(packages)}
    for package in packages:
        pages[out_dir / f"{package.__name__}.rst"] = package_page(package, homes)
    return write_generated(pages, out_dir, "*.rst")


def _public_bases(app, name, obj, options, bases):
    """Names Keras base classes by their public path, e.g. `keras.layers.Layer`."""
    for index, base in enumerate(bases):
        if not base.__module__.startswith("keras.src"):
            continue
        for namespace in ("keras.layers", "keras.models", "keras"):
            module = importlib.import_module(namespace)
            if getattr(module, base.__name__, None) is base:
                bases[index] = f":py:class:`{namespace}.{base.__name__}`"
                break


def _constructor_signature(app, what, name, obj, options, signature, annotation):
    """Shows a Keras class's constructor arguments instead of `(*args, **kwargs)`.

    Keras layers and models define `__new__(cls, *args, **kwargs)`, which
    autodoc prefers to `__init__` when it builds a class signature.
    """
    if what != "class" or signature != "(*args, **kwargs)":
        return None
    from sphinx.ext.autodoc.preserve_defaults import update_defvalue

    update_defvalue(app, obj.__init__, bound_method=False)
    parameters = list(inspect.signature(obj.__init__).parameters.values())[1:]
    unannotated = [p.replace(annotation=inspect.Parameter.empty) for p in parameters]
    return str(inspect.Signature(unannotated)), annotation


def _generate(app):
    write_api_pages(pathlib.Path(app.srcdir) / "api")


def setup(app):
    app.connect("builder-inited", _generate)
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("autodoc-process-signature", _constructor_signature)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
