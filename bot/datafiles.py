"""Reading the project's YAML data files with clear errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


def read_mapping(path: Path, error: type[ValueError]) -> Mapping[str, Any]:
    """Read a YAML file that must hold a mapping at the top level.

    Raises:
        error: naming the file, when it cannot be read, is not valid YAML or is no mapping.

    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise error(f"{path}: invalid YAML ({exc})") from exc
    if not isinstance(data, Mapping):
        raise error(f"{path}: the file must hold a mapping at the top level")
    return data
