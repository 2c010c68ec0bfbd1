"""Imports run one way, and no cycle is dodged with an import inside a function.

The package is built in floors: the foundation (`errors`, `version`,
`backend_choice`) -> `layers` -> `weights` (checkpoint files and layouts,
knowing no model) -> `models` -> `datasets`, `training` -> `cli`. This test
reads every module's imports with `ast` and fails on an import from a higher
floor, on a cycle, and on an import inside a function that is not one of
the listed, deliberate ones. It also checks that the command line parses
without Keras.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).parents[1] / "src" / "keras_mlpmix"
FLOORS = {
    "keras_mlpmix": 0,
    "keras_mlpmix.errors": 0,
    "keras_mlpmix.version": 0,
    "keras_mlpmix.backend_choice": 0,
    "keras_mlpmix.layers": 1,
    "keras_mlpmix.weights": 2,
    "keras_mlpmix.models": 3,
    "keras_mlpmix.datasets": 4,
    "keras_mlpmix.training": 4,
    "keras_mlpmix.cli": 5,
    "keras_mlpmix.__main__": 5,
}
# Imports inside functions, each for a reason other than a cycle: an
# optional dependency loaded only when its feature is used, or Keras loaded
# only once the command line has chosen the backend.
COMMANDS = ("bench", "convert", "evaluate", "presets", "train")
DELIBERATE = {
    ("keras_mlpmix.weights.checkpoint_files", "torch"): "optional: .pth files",
    ("keras_mlpmix.models.preset_sources", "huggingface_hub"): "optional: hf://",
    ("keras_mlpmix.cli.work", "matplotlib.backends.backend_agg"): "optional",
    ("keras_mlpmix.cli.work", "matplotlib.figure"): "optional: plots",
    ("keras_mlpmix.cli.work", "matplotlib.ticker"): "optional: plots",
    ("keras_mlpmix.cli.main", "keras_mlpmix.cli.work"): "backend first",
}
# Modules that must import without Keras: the command line's parsing.
KERAS_FREE = (
    "keras_mlpmix",
    "keras_mlpmix.cli.main",
    *(f"keras_mlpmix.cli.commands.{name}" for name in COMMANDS),
)


def _modules() -> dict[str, pathlib.Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _floor(module: str) -> int:
    while module not in FLOORS:
        module = module.rpartition(".")[0]
    return FLOORS[module]


def _imports(module: str):
    """`(imported module, at module level, line)` for every import of `module`."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    top = set(tree.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [
                        *package.split(".")[: len(package.split(".")) - node.level + 1],
                        base,
                    ]
                ).strip(".")
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            yield name, node in top, node.lineno


def _internal(name: str) -> str | None:
    """The keras_mlpmix module `name` is, or is inside, or None."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def test_every_module_is_on_a_floor():
    for module in MODULES:
        assert _floor(module) is not None


def test_imports_run_down_to_up_only():
    upward = []
    for module in MODULES:
        for name, _, line in _imports(module):
            target = _internal(name)
            if target is None or target == "keras_mlpmix":
                continue
            if _floor(target) > _floor(module):
                upward.append(f"{module}:{line} imports {target}")
    assert upward == []


def test_no_import_inside_a_function_but_the_deliberate_ones():
    hidden = []
    for module in MODULES:
        for name, at_top, line in _imports(module):
            if at_top:
                continue
            allowed = any(
                module == owner and (name == target or name.startswith(target + "."))
                for owner, target in DELIBERATE
            )
            if not allowed:
                hidden.append(f"{module}:{line} imports {name} inside a function")
    assert hidden == []


def test_there_is_no_import_cycle():
    graph = {
        module: {
            target
            for name, at_top, _ in _imports(module)
            if at_top and (target := _internal(name)) and target != module
        }
        for module in MODULES
    }
    # A package's own __init__ importing its modules, and those importing a
    # sibling through the package, is how Python packages work, not a cycle.
    for module, targets in graph.items():
        graph[module] = {t for t in targets if not module.startswith(t + ".")}
    state, cycles = {}, []

    def visit(module, trail):
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", KERAS_FREE)
def test_the_command_line_parses_without_keras(module):
    # Every module these import at their top level, transitively, is Keras-free.
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, at_top, line in _imports(current):
            if not at_top:
                continue
            assert name.split(".")[0] != "keras", f"{current}:{line} imports {name}"
            target = _internal(name)
            while target:  # a module's parent packages run first
                todo.append(target)
                target = target.rpartition(".")[0]


def test_the_top_level_names_are_every_layer_and_the_models_it_names():
    # `keras_mlpmix` lists them itself: reading `layers.__all__` would import
    # Keras before `backend_choice` picks a backend.
    import keras_mlpmix
    from keras_mlpmix import layers, models

    assert set(layers.__all__) <= set(keras_mlpmix.__all__)
    for name in keras_mlpmix.__all__:
        if name[0].isupper() or name == "list_presets":
            source = layers if name in layers.__all__ else models
            assert getattr(keras_mlpmix, name) is getattr(source, name), name
