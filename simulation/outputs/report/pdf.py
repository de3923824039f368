"""The report as an A4 PDF drawn with matplotlib alone (no browser, no LaTeX).

:func:`paginate` lays the report out — text wrapped by measured width, tables split by
rows with their header repeated, each figure kept whole — into pages of drawing
operations; :func:`render_pdf` draws them with ``PdfPages``. The page count is known
before anything is drawn (:func:`page_count`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.font_manager import FontProperties

from simulation.outputs.report.blocks import Block, Figure, Note, Paragraph, Preformatted, Report, Table
from simulation.outputs.report.i18n import t

PAGE_WIDTH, PAGE_HEIGHT = 8.27, 11.69  # A4, inches
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM = 0.85, 0.8, 0.9
WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
BOTTOM = PAGE_HEIGHT - MARGIN_BOTTOM  # the lowest y (from the top) content may reach
NEW_PAGE_SECTIONS = ("charts", "parameters", "provenance")
CELL_PAD = 0.06  # inches either side of a table cell
SHORT_TABLE = 0.5 * (BOTTOM - MARGIN_TOP)  # a table this short is never split across pages
WIDE = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"  # CJK characters and full-width punctuation
CLOSING = "，。；：、）》」』”！？"  # never starts a line: stays with the character before it
PIECE = re.compile(rf"(?P<gap> *)(?P<word>[{WIDE}][{CLOSING}]*|[^ {WIDE}]+|(?<= )$)")


@dataclass(frozen=True)
class Style:
    """A text style: size in points, weight, family, colour, line spacing."""

    size: float
    weight: str = "normal"
    family: str = "DejaVu Sans"
    colour: str = "#222222"
    style: str = "normal"
    spacing: float = 1.35

    @property
    def line(self) -> float:
        """Line height in inches."""
        return self.size * self.spacing / 72

    @property
    def font(self) -> FontProperties:
        """The matplotlib font; a glyph the family lacks (Chinese) comes from an installed CJK font."""
        family = [self.family, *cjk_fallback()]
        return FontProperties(family=family, size=self.size, weight=self.weight, style=self.style)


@cache
def cjk_fallback() -> tuple[str, ...]:
    """The installed CJK font family, if any, as a fallback for glyphs DejaVu Sans lacks."""
    from simulation.outputs.charts.text import find_cjk_font

    found = find_cjk_font()
    return (found,) if found else ()


TITLE = Style(17, "bold")
SUBTITLE = Style(9, colour="#555555")
HEADING = {1: Style(13, "bold"), 2: Style(10.5, "bold")}
BODY = Style(9)
NOTE = Style(9, style="italic", colour="#7a4a00")
CAPTION = Style(8, colour="#444444")
CELL = Style(7.5, spacing=1.3)
HEADER_CELL = Style(7.5, "bold", spacing=1.3)
MONO = Style(6.8, family="DejaVu Sans Mono", spacing=1.25)
FOOTER = Style(7.5, colour="#666666")


@dataclass
class Op:
    """One drawing operation: text, a rule, a shaded box or an image (inches from the top left)."""

    kind: str
    x: float
    y: float
    text: str = ""
    style: Style = BODY
    align: str = "left"
    width: float = 0.0
    height: float = 0.0
    png: bytes = b""
    colour: str = "#cccccc"


@dataclass
class Page:
    """The operations of one page."""

    ops: list[Op] = field(default_factory=list)


@cache
def _renderer() -> RendererAgg:
    return RendererAgg(100, 100, 72)


@cache
def text_width(text: str, style: Style) -> float:
    """The width of ``text`` in inches."""
    width, _, _ = _renderer().get_text_width_height_descent(text, style.font, ismath=False)
    return width / 72


def pieces(paragraph: str) -> Iterator[tuple[str, str]]:
    """``(gap, word)`` pairs of a paragraph: words between spaces, and each Chinese character a word of its own.

    Chinese is written without spaces and may break between any two characters; the gap is
    what stands before the word when it does not start a line ("" between characters).
    """
    for match in PIECE.finditer(paragraph):
        yield match["gap"], match["word"]


def wrap(text: str, style: Style, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (long words break after ``.``, ``_`` or ``-`` where they can)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for gap, word in pieces(paragraph):
            candidate = f"{current}{gap}{word}" if current else word
            if text_width(candidate, style) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while text_width(word, style) > width and len(word) > 1:
                cut = _cut(word, style, width)
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


def _cut(word: str, style: Style, width: float) -> int:
    """Where to break a word too long for its line: after a separator if one fits, else as late as fits."""
    fits = next((i for i in range(len(word), 0, -1) if text_width(word[:i], style) <= width), 1)
    separator = max((i + 1 for i, char in enumerate(word[:fits]) if char in "._-/"), default=0)
    return separator if separator > fits // 3 else max(fits, 1)


class Layout:
    """Places blocks top to bottom, starting a new page when one does not fit."""

    def __init__(self, footer: str, lang: str = "en") -> None:
        self.footer = footer
        self.lang = lang
        self.pages: list[Page] = []
        self.y = 0.0
        self.new_page()

    def new_page(self) -> None:
        """Start a page."""
        self.pages.append(Page())
        self.y = MARGIN_TOP

    def room(self) -> float:
        """Inches left on this page."""
        return BOTTOM - self.y

    def ensure(self, height: float) -> None:
        """A new page unless ``height`` fits on this one (a page that is still empty is kept)."""
        if height > self.room() and self.y > MARGIN_TOP + 1e-9:
            self.new_page()

    def add(self, op: Op) -> None:
        """Put an operation on the current page."""
        self.pages[-1].ops.append(op)

    def lines(self, lines: list[str], style: Style, indent: float = 0.0, after: float = 0.08) -> None:
        """Lines of text, split across pages where needed."""
        for line in lines:
            self.ensure(style.line)
            self.add(Op("text", MARGIN_SIDE + indent, self.y, line, style))
            self.y += style.line
        self.y += after

    def heading(self, text: str, level: int, following: float) -> None:
        """A heading kept on the same page as the first ``following`` inches of what follows it."""
        style = HEADING[level]
        before, after = (0.22 if level == 1 else 0.16), 0.06
        lines = wrap(text, style, WIDTH)
        self.ensure(before + len(lines) * style.line + after + following)
        if self.y > MARGIN_TOP + 1e-9:
            self.y += before
        self.lines(lines, style, after=after)
        if level == 1:
            self.add(Op("rule", MARGIN_SIDE, self.y - 0.04, width=WIDTH))

    def block(self, block: Block) -> None:
        """Lay out one block."""
        if isinstance(block, Paragraph):
            self.lines(wrap(block.text, BODY, WIDTH), BODY)
        elif isinstance(block, Note):
            lines = wrap(block.text, NOTE, WIDTH - 0.15)
            self.ensure(NOTE.line * min(len(lines), 2))
            self.add(Op("bar", MARGIN_SIDE, self.y, height=NOTE.line * len(lines), colour="#E69F00"))
            self.lines(lines, NOTE, indent=0.15)
        elif isinstance(block, Preformatted):
            self.columns(block.text.rstrip("\n").split("\n"), MONO)
        elif isinstance(block, Figure):
            self.figure(block)
        else:
            self.table(block)

    def figure(self, figure: Figure) -> None:
        """A chart kept whole, scaled to the text width (or to the page height if taller)."""
        width, height, caption = figure_size(figure)
        self.ensure(height + len(caption) * CAPTION.line + 0.1)
        self.add(Op("image", MARGIN_SIDE + (WIDTH - width) / 2, self.y, width=width, height=height, png=figure.png))
        self.y += height + 0.06
        self.lines(caption, CAPTION, after=0.16)

    def columns(self, lines: list[str], style: Style) -> None:
        """Monospaced lines in two columns per page (the resolved parameters)."""
        width = (WIDTH - 0.3) / 2
        lines = [piece for line in lines for piece in _indented_wrap(line, style, width)]
        style = self._tightest_needed(len(lines), style)
        while lines:
            rows = max(1, int(self.room() // style.line))
            for column, chunk in enumerate((lines[:rows], lines[rows : 2 * rows])):
                for k, line in enumerate(chunk):
                    x = MARGIN_SIDE + column * (width + 0.3)
                    self.add(Op("text", x, self.y + k * style.line, line, style))
            used = min(len(lines), rows)
            lines = lines[2 * rows :]
            if lines:
                self.new_page()
            else:
                self.y += used * style.line + 0.08

    def _tightest_needed(self, count: int, style: Style) -> Style:
        """``style``, or it with tighter lines when that saves a last page holding only a few lines."""
        for spacing in (style.spacing, 1.2, 1.15):
            tighter = replace(style, spacing=spacing)
            first = 2 * int(self.room() // tighter.line)
            full = 2 * int((BOTTOM - MARGIN_TOP) // tighter.line)
            last = (count - first) % full if count > first else count
            if count <= first or last == 0 or last > 12:
                return tighter
        return style

    def table(self, table: Table) -> None:
        """A table with measured columns; rows that do not fit go to the next page under a repeated header."""
        widths = column_widths(table)
        numeric = table.numeric or [False] * len(table.columns)
        header = [wrap(c, HEADER_CELL, w - 2 * CELL_PAD) for c, w in zip(table.columns, widths, strict=True)]
        rows = [[wrap(c, CELL, w - 2 * CELL_PAD) for c, w in zip(row, widths, strict=True)] for row in table.rows]
        header_height = max(len(c) for c in header) * HEADER_CELL.line + 0.05
        total = table_height(table)
        if total + 0.1 > self.room() and total <= SHORT_TABLE:
            self.new_page()  # a short table is kept whole rather than split
        if table.caption:
            caption = wrap(table.caption, HEADER_CELL, WIDTH)
            first = max((len(c) for c in rows[0]), default=1) * CELL.line if rows else 0
            self.ensure(len(caption) * HEADER_CELL.line + header_height + first)
            self.lines(caption, HEADER_CELL, after=0.02)
        self._table_header(header, widths, numeric, header_height)
        for row in rows:
            height = max(len(c) for c in row) * CELL.line + 0.03
            if height > self.room():
                self.new_page()
                self._table_header(header, widths, numeric, header_height)
            self._cells(row, widths, numeric, CELL)
            self.y += height
            self.add(Op("rule", MARGIN_SIDE, self.y - 0.015, width=sum(widths), colour="#dddddd"))
        self.y += 0.14

    def _table_header(self, header: list[list[str]], widths: list[float], numeric: list[bool], height: float) -> None:
        self.ensure(height + CELL.line)
        self.add(Op("box", MARGIN_SIDE, self.y - 0.02, width=sum(widths), height=height, colour="#eeeeee"))
        self._cells(header, widths, numeric, HEADER_CELL)
        self.y += height

    def _cells(self, cells: list[list[str]], widths: list[float], numeric: list[bool], style: Style) -> None:
        x = MARGIN_SIDE
        for lines, width, right in zip(cells, widths, numeric, strict=True):
            for k, line in enumerate(lines):
                at = x + width - CELL_PAD if right else x + CELL_PAD
                self.add(Op("text", at, self.y + k * style.line, line, style, "right" if right else "left"))
            x += width

    def finish(self) -> list[Page]:
        """The pages, each with its footer (page i of n)."""
        total = len(self.pages)
        for number, page in enumerate(self.pages, start=1):
            page.ops.append(Op("text", MARGIN_SIDE, PAGE_HEIGHT - 0.55, self.footer, FOOTER))
            page.ops.append(
                Op(
                    "text",
                    PAGE_WIDTH - MARGIN_SIDE,
                    PAGE_HEIGHT - 0.55,
                    t("page {number} of {total}", self.lang).format(number=number, total=total),
                    FOOTER,
                    "right",
                )
            )
        return self.pages


def column_widths(table: Table) -> list[float]:
    """Column widths that fit the text width: numbers keep theirs, text columns share the rest.

    Numeric columns are as wide as their widest cell (their header wraps at ``_``); text
    columns get their natural width when it is below a fair share of the room left, and
    the widest share the rest equally (water-filling).
    """
    numeric = table.numeric or [False] * len(table.columns)
    natural = []
    for i, column in enumerate(table.columns):
        cells = max((text_width(row[i], CELL) for row in table.rows), default=0.0)
        pieces = column.replace("_", "_ ").split() if numeric[i] else [column]
        header = max(text_width(piece, HEADER_CELL) for piece in pieces) if pieces else 0.0
        natural.append(max(cells, header) + 2 * CELL_PAD + 0.02)
    if sum(natural) <= WIDTH:
        return natural
    widths = list(natural)
    flexible = sorted((w, i) for i, w in enumerate(natural) if not numeric[i])
    room = WIDTH - sum(w for w, n in zip(natural, numeric, strict=True) if n)
    for k, (want, i) in enumerate(flexible):
        share = room / (len(flexible) - k)
        widths[i] = max(0.5, min(want, share))
        room -= widths[i]
    return widths


def paginate(report: Report) -> list[Page]:
    """The report laid out on A4 pages."""
    layout = Layout(report.footer, report.lang)
    layout.lines(wrap(report.title, TITLE, WIDTH), TITLE, after=0.02)
    layout.lines(wrap(report.subtitle, SUBTITLE, WIDTH), SUBTITLE, after=0.1)
    for section in report.sections:
        if section.level == 1 and section.key in NEW_PAGE_SECTIONS:
            layout.new_page()
        layout.heading(section.title, section.level, _kept_with_heading(section.blocks))
        for block, following in zip(section.blocks, [*section.blocks[1:], None], strict=True):
            if isinstance(block, Paragraph) and isinstance(following, Table):
                # the sentence that introduces a table stays on the table's page
                height = len(wrap(block.text, BODY, WIDTH)) * BODY.line + 0.08
                total = table_height(following)
                layout.ensure(height + (total + 0.1 if total <= SHORT_TABLE else 4 * CELL.line + 0.4))
            layout.block(block)
    return layout.finish()


def table_height(table: Table) -> float:
    """The height of a whole table with its caption, in inches."""
    widths = column_widths(table)
    header = max(len(wrap(c, HEADER_CELL, w - 2 * CELL_PAD)) for c, w in zip(table.columns, widths, strict=True))
    caption = len(wrap(table.caption, HEADER_CELL, WIDTH)) * HEADER_CELL.line if table.caption else 0.0
    rows = sum(
        max(len(wrap(c, CELL, w - 2 * CELL_PAD)) for c, w in zip(row, widths, strict=True)) * CELL.line + 0.03
        for row in table.rows
    )
    return caption + header * HEADER_CELL.line + 0.05 + rows


def figure_size(figure: Figure) -> tuple[float, float, list[str]]:
    """Width and height of a chart on the page, and its caption's lines.

    A chart taller than the page is scaled down so that it fits below its heading.
    """
    image = plt.imread(io.BytesIO(figure.png))
    aspect = image.shape[0] / image.shape[1]
    caption = wrap(figure.about, CAPTION, WIDTH)
    most = BOTTOM - MARGIN_TOP - len(caption) * CAPTION.line - 0.9  # leaves room for a heading
    width = min(WIDTH, most / aspect)
    return width, width * aspect, caption


def _indented_wrap(line: str, style: Style, width: float) -> list[str]:
    """A long monospaced line wrapped, its continuation indented under its start."""
    if text_width(line, style) <= width:
        return [line]
    indent = " " * (len(line) - len(line.lstrip()) + 2)
    first, *rest = wrap(line.strip(), style, width - text_width(indent, style))
    return [line[: len(line) - len(line.lstrip())] + first, *(indent + piece for piece in rest)]


def _kept_with_heading(blocks: list[Block]) -> float:
    """How much must follow a heading on its page: the first block, and a table a first paragraph introduces.

    A paragraph introducing a table is kept with the table's first rows (the whole table when
    short), so a heading is never left alone at the foot of a page above them (keep-with-next).
    """
    if not blocks:
        return 0.0
    first, *rest = blocks
    if isinstance(first, Paragraph) and rest and isinstance(rest[0], Table):
        total = table_height(rest[0])
        height = len(wrap(first.text, BODY, WIDTH)) * BODY.line + 0.08
        return height + (total + 0.1 if total <= SHORT_TABLE else 4 * CELL.line + 0.4)
    return _first_height(first)


def _first_height(block: Block) -> float:
    """How much of a block must follow its heading on the same page."""
    if isinstance(block, Figure):
        _, height, caption = figure_size(block)
        return height + len(caption) * CAPTION.line + 0.1
    if isinstance(block, Table):
        return 3 * CELL.line + 0.3
    return 2 * BODY.line


def page_count(report: Report) -> int:
    """How many pages the PDF of ``report`` has."""
    return len(paginate(report))


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes."""
    pages = paginate(report)
    buffer = io.BytesIO()
    metadata = {"Title": report.title, "Subject": report.subtitle, "Creator": "agrifin"}
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(buffer, metadata=metadata) as pdf:
        for page in pages:
            fig = plt.figure(figsize=(PAGE_WIDTH, PAGE_HEIGHT))
            for op in page.ops:
                _draw(fig, op)
            pdf.savefig(fig)
            plt.close(fig)
    return buffer.getvalue()


def _draw(fig: plt.Figure, op: Op) -> None:
    x, y = op.x / PAGE_WIDTH, 1 - op.y / PAGE_HEIGHT
    if op.kind == "text":
        fig.text(x, y, op.text, fontproperties=op.style.font, color=op.style.colour, ha=op.align, va="top")
    elif op.kind == "rule":
        fig.add_artist(plt.Line2D([x, (op.x + op.width) / PAGE_WIDTH], [y, y], color=op.colour, lw=0.6))
    elif op.kind in ("box", "bar"):
        width = op.width if op.kind == "box" else 0.04
        fig.add_artist(
            plt.Rectangle(
                (x, 1 - (op.y + op.height) / PAGE_HEIGHT),
                width / PAGE_WIDTH,
                op.height / PAGE_HEIGHT,
                color=op.colour,
                lw=0,
            )
        )
    elif op.kind == "image":
        ax = fig.add_axes((x, 1 - (op.y + op.height) / PAGE_HEIGHT, op.width / PAGE_WIDTH, op.height / PAGE_HEIGHT))
        ax.imshow(plt.imread(io.BytesIO(op.png)), interpolation="none", aspect="auto")
        ax.set_axis_off()
