"""Defaults from a config file and the environment: flags win, then CYBERTYPE_* variables, then the file.

The file is `cybertype.toml` in the working folder, else `$XDG_CONFIG_HOME/cybertype/config.toml`
(`~/.config` when XDG_CONFIG_HOME is unset); only the first found is read. Its keys, and the
variables that override them:

    rules = ["my_rules/"]    CYBERTYPE_RULES   (folders separated by the OS path separator, ':' here)
    model = "model.npz"      CYBERTYPE_MODEL
    redact = "partial"       CYBERTYPE_REDACT  (none | partial | full)
    format = "jsonl"         CYBERTYPE_FORMAT  (classify: table | json | jsonl | csv)
    color = "never"          CYBERTYPE_COLOR   (auto | always | never)
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

KEYS = ("rules", "model", "redact", "format", "color")
DEFAULTS: dict[str, object] = {"rules": [], "model": None, "redact": "none", "format": None, "color": "auto"}
CHOICES = {"redact": ("none", "partial", "full"), "format": ("table", "json", "jsonl", "csv"),
           "color": ("auto", "always", "never")}


class SettingsError(ValueError):
    """A config file or variable that cannot be used (a usage error: exit 2)."""


@dataclass(frozen=True)
class Setting:
    """One effective setting and where it came from ('flag', 'env CYBERTYPE_X', a file path, 'default')."""

    value: object
    origin: str


def config_file(cwd: Path | None = None) -> Path | None:
    """The config file that applies: ./cybertype.toml, else $XDG_CONFIG_HOME/cybertype/config.toml."""
    local = (cwd or Path.cwd()) / "cybertype.toml"
    if local.is_file():
        return local
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    user = Path(base) / "cybertype" / "config.toml"
    return user if user.is_file() else None


def _check(key: str, value: object, origin: str) -> object:
    if key == "rules":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{origin}: 'rules' is a list of folders")
        return [Path(v) for v in value]
    if not isinstance(value, str):
        raise SettingsError(f"{origin}: '{key}' is a string")
    if key == "model":
        return Path(value)
    value = value.strip().lower()
    if value not in CHOICES[key]:
        raise SettingsError(f"{origin}: {key} = {value!r}: choose one of {', '.join(CHOICES[key])}")
    return value


def load(cwd: Path | None = None) -> dict[str, Setting]:
    """Every setting, from the environment, else the config file, else its default."""
    out = {key: Setting(DEFAULTS[key], "default") for key in KEYS}
    path = config_file(cwd)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read config file {path}: {exc}") from None
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise SettingsError(f"{path}: unknown setting(s) {', '.join(unknown)} (known: {', '.join(KEYS)})")
        for key, value in data.items():
            out[key] = Setting(_check(key, value, str(path)), str(path))
    for key in KEYS:
        var = f"CYBERTYPE_{key.upper()}"
        raw = os.environ.get(var)
        if raw:
            value: object = raw.split(os.pathsep) if key == "rules" else raw
            out[key] = Setting(_check(key, value, f"env {var}"), f"env {var}")
    return out


def resolve(key: str, flag: object, cwd: Path | None = None) -> object:
    """The value of `key`: the flag's when it was given (not None, not an empty list), else `load`'s."""
    if flag is not None and flag != []:
        return flag
    return load(cwd)[key].value
