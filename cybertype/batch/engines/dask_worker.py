"""The worker side of Dask: the classifier shipped as content, built once per worker process and kept.

The rules and the model travel to the workers as bytes (`ClassifierSpec`): workers need cybertype
installed but none of the client's rule or model files. Each worker process builds its `Classifier`
(rules, jieba, model) once per spec, in a `WorkerPlugin` or on its first task.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cybertype.classifier import Classifier, classify_records
from cybertype.io.inputs import InputRecord
from cybertype.model import linear as model_module
from cybertype.result import Result
from cybertype.rules import load_rules
from cybertype.version import __version__


@dataclass(frozen=True)
class ClassifierSpec:
    """Rules and model of a `Classifier` as bytes, so that a worker on another machine builds the same one."""

    key: str  # sha256 of everything below and the cybertype version
    rule_files: tuple[bytes, ...]  # every rule file, in load order (built-in first)
    rules_sha256: str
    model: bytes | None  # the .npz model file, or None for rules alone

    def build(self):
        """A `Classifier` from this content (files written to a temporary folder, loaded, removed)."""
        with tempfile.TemporaryDirectory(prefix="cybertype-worker-") as tmp:
            rules_dir = Path(tmp, "rules")
            rules_dir.mkdir()
            for k, data in enumerate(self.rule_files):  # names keep the load order (sorted by name)
                (rules_dir / f"{k:05d}.toml").write_bytes(data)
            model = None
            if self.model is not None:
                model = Path(tmp, "model.npz")
                model.write_bytes(self.model)
            clf = Classifier(rules_dirs=[rules_dir], builtin_rules=False, model=model)
        if clf.ruleset.sha256 != self.rules_sha256:
            raise RuntimeError("rules rebuilt on the worker differ from the client's")
        return clf


def classifier_spec(rules_dirs: Iterable[str | Path] = (), builtin_rules: bool = True, model="default"):
    """Read the rules (built-in unless `builtin_rules=False`, plus `rules_dirs`) and the model
    ("default", a path, a loaded `Model`, or None) into a `ClassifierSpec`; validates both."""
    ruleset = load_rules([Path(p) for p in rules_dirs], builtin=builtin_rules)  # RuleSetError if broken
    rule_files = tuple(Path(f).read_bytes() for f in ruleset.files)
    if hashlib.sha256(b"".join(rule_files)).hexdigest() != ruleset.sha256:
        raise ValueError("rule files changed while they were being read; try again")
    if model is None:
        model_bytes = None
    elif isinstance(model, model_module.Model):
        with tempfile.TemporaryDirectory() as tmp:
            model_module.save(model, Path(tmp, "m.npz"))
            model_bytes = Path(tmp, "m.npz").read_bytes()
    else:
        path = model_module.default_model_path() if model == "default" else Path(model)
        model_module.load(path)  # ModelError (exit 2) for a file that is not a model
        model_bytes = path.read_bytes()
    h = hashlib.sha256(__version__.encode())
    for data in rule_files:
        h.update(len(data).to_bytes(8, "big") + data)
    h.update(b"model:" + (model_bytes if model_bytes is not None else b"none"))
    return ClassifierSpec(key=h.hexdigest(), rule_files=rule_files, rules_sha256=ruleset.sha256, model=model_bytes)


# --- worker side: one classifier per process and spec ----------------------------------------

_lock = threading.Lock()
_classifiers: OrderedDict[str, object] = OrderedDict()
_specs: dict[str, ClassifierSpec] = {}  # specs installed by the plugin; tasks name them by key
_loads: Counter = Counter()  # classifier builds in this process, per key
_tasks: Counter = Counter()  # tasks run in this process, per key
_CACHE_SIZE = 4


def _options_key(options: dict) -> str:
    return "options:" + json.dumps(options, sort_keys=True, default=str)


def worker_classifier(spec: ClassifierSpec | str | dict | None = None):
    """The `Classifier` of this process for `spec` (a `ClassifierSpec`, the key of one installed by
    the plugin, or `Classifier` keyword options), built on first use and then kept."""
    if spec is None:
        spec = {}
    if isinstance(spec, ClassifierSpec):
        key, build = spec.key, spec.build
    elif isinstance(spec, str):
        key = spec
        installed = _specs.get(key)
        if installed is None:
            raise LookupError(f"no cybertype classifier {key[:12]} on this worker (plugin not set up)")
        build = installed.build
    else:
        options = dict(spec)
        key, build = _options_key(options), (lambda: Classifier(**options))
    with _lock:
        clf = _classifiers.get(key)
        if clf is None:
            clf = build()
            clf.classify("预热：杀猪盘 warm-up")  # loads jieba now, not inside the first task
            _classifiers[key] = clf
            _loads[key] += 1
            while len(_classifiers) > _CACHE_SIZE:
                _classifiers.popitem(last=False)
        else:
            _classifiers.move_to_end(key)
        return clf


def worker_stats() -> dict:
    """Classifier builds and tasks run in this process, per key (read on workers with `client.run`)."""
    return {"loads": dict(_loads), "tasks": dict(_tasks), "pid": os.getpid(), "cybertype": __version__}


def _make_plugin_class():
    from distributed.diagnostics.plugin import WorkerPlugin

    class CybertypePlugin(WorkerPlugin):
        """Installs a `ClassifierSpec` on every worker (and on workers that join later) and builds the
        classifier there once, before any task runs."""

        idempotent = True  # registering the same spec again (a second run) sends nothing

        def __init__(self, spec: ClassifierSpec):
            self.spec = spec
            self.name = f"cybertype-{spec.key[:16]}"

        def setup(self, worker):
            _specs[self.spec.key] = self.spec
            worker_classifier(self.spec.key)

    CybertypePlugin.__module__ = __name__
    CybertypePlugin.__qualname__ = "CybertypePlugin"
    return CybertypePlugin


def __getattr__(name: str):
    # The plugin class subclasses distributed's WorkerPlugin: built on first use so that importing this
    # module never imports Dask, and found here again by name when a worker unpickles it.
    if name == "CybertypePlugin":
        if "CybertypePlugin" in globals():
            return globals()["CybertypePlugin"]
        cls = _make_plugin_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def plugin(spec: ClassifierSpec):
    """The worker plugin that installs `spec` on every worker (the class is made on first use)."""
    return __getattr__("CybertypePlugin")(spec)


def count_task(key: str) -> None:
    """Note one task run for `key` in this process (see `worker_stats`)."""
    _tasks[key] += 1


def classify_chunk(key: str, recs: list[InputRecord]) -> list[Result]:
    """A task: the results of `recs` with the classifier installed under `key`."""
    count_task(key)
    return list(classify_records(worker_classifier(key), recs))
