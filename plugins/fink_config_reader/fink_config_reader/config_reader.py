"""Reads fink_<env>.json from the working folder (first cut; YAML, Python, baseconfig and ignores follow)."""
import json
import os

from fink import fink_signals
from fink.errors import ConfigError


def read_config(params):
    context, config = params
    env = context.get("env")
    if not env:
        return
    path = f"fink_{env}.json"
    context["_config_files_tried"] = [path]
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as fh:
                config.update(json.load(fh))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}, line {exc.lineno}: {exc.msg}") from exc


def register():
    fink_signals.config_read_init.connect(read_config)


def deregister():
    fink_signals.config_read_init.disconnect(read_config)
