"""The ini file pytest would have read, had it known the gate's options when it looked for one.

pytest settles its rootdir and ini file from the command line's path-like arguments before any plugin adds its
options, so in `pytest --scenarios /abs/staging.toml` the file is taken for a test path: pytest then looks for an ini
file beside it, finds none (or another project's), and the repository's pytest.ini, which switches the gate on, goes
unread. The gate is loaded as a `pytest11` entry point, so its options are known once entry points load; here, before
the initial conftests, the setup is determined again from the arguments that are really paths, and where that finds
another ini file, the run takes it instead, with its addopts, as pytest would have from the start.

This reaches into pytest's configuration (`determine_setup`, the config's ini attributes); where they are not as
expected (another pytest), nothing is changed and pytest's own behaviour stands: write `--scenarios=FILE` there."""

from __future__ import annotations

import copy
import inspect
from pathlib import Path
from typing import Any

import pytest
from _pytest.config.findpaths import determine_setup


def settle(config: pytest.Config, args: list[str]) -> None:
    """Take the ini file the real paths among `args` lead to, if pytest took another (or none) from an option's value."""
    known = config.known_args_namespace
    if getattr(known, "inifilename", None):
        return  # `-c FILE`: pytest read that one, whatever the arguments
    try:
        rootpath, inipath, inicfg = _setup(config, known)
        if inipath is None or inipath == config.inipath:
            return
        _take(config, args, rootpath, inipath, inicfg)
    except (AttributeError, TypeError):  # pytest's internals are not the ones this was written for
        return


def _setup(config: pytest.Config, known: Any) -> tuple[Path, Path | None, Any]:
    wanted: dict[str, Any] = {
        "inifile": None,
        "override_ini": getattr(known, "override_ini", None),
        "args": list(getattr(known, "file_or_dir", [])),
        "rootdir_cmd_arg": getattr(known, "rootdir", None) or None,
        "invocation_dir": config.invocation_params.dir,
    }
    accepted = inspect.signature(determine_setup).parameters
    found = determine_setup(**{name: value for name, value in wanted.items() if name in accepted})
    return found[0], found[1], found[2]


def _take(config: pytest.Config, args: list[str], rootpath: Path, inipath: Path, inicfg: Any) -> None:
    """The ini file's values and addopts in place of the other's, and the arguments read again with them."""
    earlier_addopts = _addopts(config)
    config._rootpath, config._inipath = rootpath, inipath  # type: ignore[attr-defined]
    config._inicfg = inicfg
    config._inicache.clear()  # type: ignore[attr-defined]
    config._parser.extra_info.update(rootdir=str(rootpath), inifile=str(inipath))  # type: ignore[attr-defined]
    if earlier_addopts and args[: len(earlier_addopts)] == earlier_addopts:
        del args[: len(earlier_addopts)]  # the other ini file's addopts, which pytest put in front
    addopts = _addopts(config)
    args[:0] = addopts
    config.pluginmanager.consider_preparse(addopts, exclude_only=False)  # its `-p` plugins
    config.known_args_namespace = config._parser.parse_known_args(args, namespace=copy.copy(config.option))  # type: ignore[attr-defined]
    if config.known_args_namespace.confcutdir is None:  # as pytest sets it when no --confcutdir is given
        config.known_args_namespace.confcutdir = str(inipath.parent)


def _addopts(config: pytest.Config) -> list[str]:
    return [str(option) for option in config.getini("addopts")]
