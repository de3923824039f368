"""The parts of a report — sections of paragraphs, notes, tables, figures — that renderers draw."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Paragraph:
    """Running text."""

    text: str


@dataclass
class Note:
    """A notice to the reader, e.g. that the data for a section are missing."""

    text: str


@dataclass
class Table:
    """A table of text cells; ``numeric`` marks right-aligned columns."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    numeric: list[bool] = field(default_factory=list)


@dataclass
class Figure:
    """A chart as PNG bytes, with what it shows."""

    name: str
    png: bytes
    about: str


@dataclass
class Preformatted:
    """Monospaced text (the resolved parameters)."""

    text: str


Block = Paragraph | Note | Table | Figure | Preformatted


@dataclass
class Section:
    """A titled part of the report; ``level`` 2 for the parts of a section."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 1


@dataclass
class Report:
    """The whole document."""

    title: str
    subtitle: str
    sections: list[Section]
    footer: str = "agrifin report"
    lang: str = "en"  # en or zh: the HTML's lang attribute, the PDF's fonts

    def section(self, key: str) -> Section:
        """The section with ``key``."""
        return next(s for s in self.sections if s.key == key)
