"""The ``lettergen.french`` functions the template stage uses, found wherever they live.

``lettergen.french`` re-exports its API; while a function is only in one of its
submodules it is found there. Each name is resolved once.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = (
    "lettergen.french",
    "lettergen.french.agreement",
    "lettergen.french.formats",
    "lettergen.french.typography",
    "lettergen.french.offices",
    "lettergen.french.territories",
    "lettergen.french.address",
    "lettergen.french.addresses",
)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    for module_name in _MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            value = getattr(module, name)
            globals()[name] = value
            return value
    raise AttributeError(f"lettergen.french has no {name!r}")
