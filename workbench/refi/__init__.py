"""REFI-QDA project exchange (QDPX): a zip with ``project.qde`` (QDA-XML 1.0, namespace
``urn:QDA-XML:project:1.0``) and the sources' plain texts under ``sources/``.

* :mod:`workbench.refi.common` - what export and import share: the namespace, the bundled
  ``Project-mrt2019.xsd`` and :func:`~workbench.refi.common.xsd_errors`, the stable GUID scheme.
* :mod:`workbench.refi.export` - :func:`~workbench.refi.export.export_qdpx` (``workbench export
  qdpx``): the whole project, pseudonymised and scrubbed unless a researcher asks ``reveal``.

The submodules are imported on first use, so ``import workbench.refi.common`` stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["export_qdpx"]


def __getattr__(name: str) -> Any:
    if name == "export_qdpx":
        from .export import export_qdpx

        return export_qdpx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
