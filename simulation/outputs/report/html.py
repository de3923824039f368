"""The report as one self-contained HTML file: styles inline, figures embedded as PNG data URIs."""

from __future__ import annotations

import base64
import html

from simulation.outputs.report.blocks import Block, Figure, Note, Paragraph, Preformatted, Report, Section, Table

STYLE = """
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, "Noto Sans CJK SC", "Source Han Sans SC", sans-serif;
       color: #222; max-width: 52rem; margin: 2rem auto; padding: 0 1.2rem; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin-top: 1.8rem; }
h2, h3 { break-after: avoid; page-break-after: avoid; }  /* a heading stays with what follows it in print */
.subtitle { color: #555; margin-top: 0; }
nav ol { columns: 2; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1.2rem; font-size: 0.82rem; width: 100%; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.45rem; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td:first-child { min-width: 11rem; }
figure { margin: 0.8rem 0 1.4rem; }
figure img { width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #444; }
.note { background: #fff6e0; border-left: 4px solid #e69f00; padding: 0.5rem 0.8rem; }
pre { background: #f7f7f7; padding: 0.8rem; font-size: 0.75rem; overflow-x: auto; }
@media print { body { max-width: none; } figure, table { page-break-inside: avoid; } }
"""


def render_html(report: Report) -> str:
    """The report as an HTML document with everything embedded."""
    toc = "".join(f'<li><a href="#{s.key}">{html.escape(s.title)}</a></li>' for s in report.sections if s.level == 1)
    body = "\n".join(_section(section) for section in report.sections)
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if report.lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(report.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<h1>{html.escape(report.title)}</h1>\n<p class="subtitle">{html.escape(report.subtitle)}</p>\n'
        f"<nav><ol>{toc}</ol></nav>\n{body}\n</body>\n</html>\n"
    )


def _section(section: Section) -> str:
    tag = "h2" if section.level == 1 else "h3"
    blocks = "\n".join(_block(block) for block in section.blocks)
    return f'<section id="{section.key}">\n<{tag}>{html.escape(section.title)}</{tag}>\n{blocks}\n</section>'


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{html.escape(block.text)}</p>"
    if isinstance(block, Note):
        return f'<p class="note">{html.escape(block.text)}</p>'
    if isinstance(block, Preformatted):
        return f"<pre>{html.escape(block.text)}</pre>"
    if isinstance(block, Figure):
        data = base64.b64encode(block.png).decode("ascii")
        return (
            f'<figure id="figure-{block.name}"><img alt="{html.escape(block.name)}" '
            f'src="data:image/png;base64,{data}">\n<figcaption>{html.escape(block.about)}</figcaption></figure>'
        )
    return _table(block)


def _table(table: Table) -> str:
    numeric = table.numeric or [False] * len(table.columns)

    def cell(tag: str, text: str, i: int) -> str:
        css = ' class="num"' if i < len(numeric) and numeric[i] else ""
        return f"<{tag}{css}>{_breakable(text, 0 if tag == 'th' else 24)}</{tag}>"

    head = "".join(cell("th", c, i) for i, c in enumerate(table.columns))
    rows = "".join("<tr>" + "".join(cell("td", c, i) for i, c in enumerate(r)) + "</tr>" for r in table.rows)
    caption = f"<caption>{html.escape(table.caption)}</caption>" if table.caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _breakable(text: str, longer_than: int = 24) -> str:
    """Escaped text in which a long dotted key may break after its dots and underscores."""
    escaped = html.escape(text)
    if " " in text or len(text) < longer_than:
        return escaped
    return escaped.replace(".", ".<wbr>").replace("_", "_<wbr>")
