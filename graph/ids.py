"""Identifiers made from text: the slugs of sources, facts and entities.

Shared by the importers (which name what they write) and the engine (which finds the
source graph of an imported file from its name).

Example
-------
>>> slugify("CONT_AWD_7200AA23M00003_7200_47QRAD20D1100_4732")
'cont-awd-7200aa23m00003-7200-47qrad20d1100-4732'
>>> slugify("")[:2]
'x-'
>>> norm_number("HQ0883-25-9-0012")
'HQ08832590012'
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["slugify", "norm_number"]


def slugify(text: str, max_len: int = 80) -> str:
    """Lowercase letters, digits and hyphens; long values keep a hash suffix (stable)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not slug:
        slug = "x-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    if len(slug) > max_len:
        slug = slug[: max_len - 11].rstrip("-") + "-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return slug


def norm_number(text: str) -> str:
    """A contract number without punctuation or spaces, uppercased (``HQ0883-25-9-0012`` is
    the PIID ``HQ08832590012``)."""
    return re.sub(r"[^0-9A-Z]", "", str(text).upper())
