"""botocore's data loader, minus the walk over every service's folder on each client's first creation.

Before loading a service model, botocore's ``Loader.load_service_model`` asks ``list_available_services`` whether
the service exists, and that lists all ~450 service folders of its data path and looks into each of them, once per
model type (``service-2``, ``endpoint-rule-set-1``, ``paginators-1``, ``waiters-2``): about 7 ms CPU each, on every
fink run. :class:`QuickLoader` answers the same question ("is ``cloudformation`` one of them?") by looking at that
one service's folder, and builds the full list only when someone iterates it (botocore's error message for an
unknown service, ``Session.get_available_services``). Search paths (``AWS_DATA_PATH``, ``~/.aws/models``) and
everything else stay botocore's own.

Only :mod:`fink.awsclient` uses it, for the sessions it creates itself.
"""
from __future__ import annotations

import os
from typing import Any, Iterator

from botocore.loaders import Loader

__all__ = ["QuickLoader", "KnownServices", "install"]


class KnownServices:
    """The services that have ``type_name`` data: ``in`` looks at one folder, anything else lists them all (as a
    sorted list, like ``Loader.list_available_services``)."""

    def __init__(self, loader: "QuickLoader", type_name: str):
        self._loader, self._type_name = loader, type_name
        self._all: list[str] | None = None

    def __contains__(self, name: object) -> bool:
        if self._all is not None:
            return name in self._all
        return isinstance(name, str) and any(self._has(location, name)
                                             for location in self._loader.locations())

    def _has(self, location: str, name: str) -> bool:
        """What the full listing would find for ``name`` in this search path (the exact folder name)."""
        try:
            if name not in os.listdir(location):
                return False
            folder = os.path.join(location, name)
            if not os.path.isdir(folder):
                return False
            return any(self._loader.file_loader.exists(os.path.join(folder, version, self._type_name))
                       for version in os.listdir(folder))
        except OSError:
            return False

    def _list(self) -> list[str]:
        if self._all is None:
            self._all = Loader.list_available_services(self._loader, self._type_name)
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._list())

    def __len__(self) -> int:
        return len(self._list())

    def __getitem__(self, index: Any) -> Any:
        return self._list()[index]

    def __eq__(self, other: object) -> bool:
        return self._list() == other

    def __repr__(self) -> str:
        return repr(self._list())


class QuickLoader(Loader):
    """``botocore.loaders.Loader`` whose ``list_available_services`` answers membership without the full walk."""

    def list_available_services(self, type_name: str) -> KnownServices:  # type: ignore[override]
        cache = self.__dict__.setdefault("_fink_known", {})
        if type_name not in cache:
            cache[type_name] = KnownServices(self, type_name)
        return cache[type_name]

    def locations(self) -> Iterator[str]:
        return self._potential_locations()


def _create(search_path_string: str | None) -> QuickLoader:
    """What ``botocore.loaders.create_loader`` builds, as a QuickLoader."""
    if search_path_string is None:
        return QuickLoader()
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in search_path_string.split(os.pathsep)]
    return QuickLoader(extra_search_paths=paths)


_WARM: dict[str | None, QuickLoader] = {}


def warm_loader(search_path_string: str | None) -> QuickLoader:
    """The process's shared loader for this data path: sessions created later with the same path use it, so models
    parsed into it once (a stack group's zygote does that before forking its members) are not parsed again."""
    if search_path_string not in _WARM:
        _WARM[search_path_string] = _create(search_path_string)
    return _WARM[search_path_string]


def install(session: Any) -> None:
    """Give ``session`` a QuickLoader built from its ``data_path`` setting (as botocore builds its own loader), or the
    warm one of :func:`warm_loader` for that path."""
    path = session.get_config_variable("data_path")
    session.register_component("data_loader", _WARM.get(path) or _create(path))
