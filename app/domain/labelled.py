"""String enums that carry the plain-English words the service shows for them."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members have a ``label`` (and optional ``hint``) for people."""

    label: str
    hint: str

    def __new__(cls, value: str, label: str = "", hint: str = "") -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        member.hint = hint
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs in declaration order, for forms."""
        return [(m.value, m.label) for m in cls]
