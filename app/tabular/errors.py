"""The one error of the reading layer."""

from __future__ import annotations


class FileFormatError(ValueError):
    """A file that cannot be read as a table; the message is fit to show to the person who uploaded it."""
