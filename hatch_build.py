"""Hatchling's build hook for dagrad's metadata: the README as the package index shows it.

The README shows a picture by a relative link (``.github/explorer.png``): right on the
repository's page, a broken image on the package index, which has no files beside the README.
No repository URL is known to make the link absolute, so the long description is the README
without its relative pictures (text and code unchanged). Hatchling runs this when it builds the
wheel or the sdist (pyproject: ``dynamic = ["readme"]`` and ``[tool.hatch.metadata.hooks.custom]``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

# A Markdown image whose target has no scheme (https:, data:): a path into the repository.
RELATIVE_PICTURE = re.compile(r"!\[[^\]\n]*\]\((?![A-Za-z][A-Za-z0-9+.-]*:)[^)\n]*\)\n?")


def long_description(readme: str) -> str:
    """The README without its relative pictures, for the package index."""
    return RELATIVE_PICTURE.sub("", readme)


class CustomMetadataHook(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        readme = Path(self.root, "README.md").read_text(encoding="utf-8")
        metadata["readme"] = {"content-type": "text/markdown", "text": long_description(readme)}
