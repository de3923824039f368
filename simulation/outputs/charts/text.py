"""The words on charts in English and Chinese, and the CJK font Chinese labels need.

Chart code writes its labels in English through :func:`tr`; with ``lang="zh"`` each label
is looked up in :data:`ZH` (falling back to the English text, recorded in :data:`MISSING`
so a test can insist that every label is translated). Scenario names, parameter keys and
metric identifiers stay as they are: they are the names used in files and commands.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import matplotlib
from matplotlib import font_manager

LANGUAGES = ("en", "zh")
CJK_PACKAGE = "fonts-noto-cjk"
# families that cover simplified Chinese, best first
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)
CJK_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehan", "wqy", "uming", "ukai", "droidsansfallback", "simhei")
MISSING: set[str] = set()


def lookup(table: dict[str, str], missing: set[str], text: str, lang: str) -> str:
    """``text`` in ``lang`` from ``table``, keyed by the English; untranslated text is kept, added to ``missing``."""
    if lang == "en":
        return text
    found = table.get(text)
    if found is None:
        missing.add(text)
        return text
    return found


def tr(text: str, lang: str = "en") -> str:
    """A chart label in ``lang`` (English text is the key; untranslated text is kept and recorded)."""
    return lookup(ZH, MISSING, text, lang)


def find_cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None.

    Looks in matplotlib's font list first, then among the system's font files (fonts
    installed after matplotlib built its cache are added to it).
    """
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in font_manager.findSystemFonts():
        if any(hint in Path(path).name.lower() for hint in CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in known), None)


class MissingFontError(RuntimeError):
    """Chinese labels were asked for and no CJK font is installed."""

    def __init__(self) -> None:
        super().__init__(
            f"--lang zh: no font with Chinese glyphs was found (looked for Noto Sans CJK, Source Han Sans, "
            f"WenQuanYi and others); install one, e.g. on Debian/Ubuntu `apt-get install {CJK_PACKAGE}`, and retry"
        )


@contextlib.contextmanager
def chart_fonts(lang: str) -> Iterator[None]:
    """Fonts for drawing and saving charts in ``lang`` (Chinese falls back glyph by glyph to a CJK font).

    Raises:
        MissingFontError: ``lang`` is ``zh`` and no CJK font is installed.
    """
    settings = {"svg.fonttype": "path", "pdf.fonttype": 42}
    if lang == "zh":
        family = find_cjk_font()
        if family is None:
            raise MissingFontError()
        settings["font.family"] = ["DejaVu Sans", family]  # Latin from DejaVu, each missing glyph from the CJK font
    with matplotlib.rc_context(settings):
        yield


# Chinese labels, keyed by the English text on the charts.
ZH: dict[str, str] = {
    # captions
    "Scenarios": "情景",
    "replications": "次重复",
    "seed": "随机种子",
    "households": "户",
    "years": "年",
    "design": "设计",
    "points": "个设计点",
    # time charts
    "Relapse into poverty: annual hazard of the ex-poor cohort": "返贫：脱贫户队列的年度返贫风险率",
    "Relapses / ex-poor above the line last year": "返贫户 / 上年核查时高于贫困线的脱贫户",
    "Poverty headcount: share of persons below the poverty line": "贫困发生率：收入低于贫困线的人口比例",
    "Share of persons below the poverty line": "低于贫困线的人口比例",
    "Mean per-capita net income (rolling 12 months)": "人均纯收入均值（滚动 12 个月）",
    "Yuan per person per year": "元/人/年",
    "Year (annual assessment)": "年份（年度核查）",
    "Years since start": "自起始以来的年数",
    "Calendar year (annual assessment)": "年份（年度核查）",
    "Calendar year (ticks at the end of December)": "年份（刻度位于 12 月底）",
    "Calendar year": "年份",
    "median, 10–90% band": "中位数，10–90% 区间",
    "median; shaded: its 10–90% band": "中位数；阴影：其 10–90% 区间",
    "lines: median over replications": "线：各次重复的中位数",
    "large-scale relapse threshold {value:.0%}": "规模性返贫阈值 {value:.0%}",
    # effects
    "Effects against {baseline}: paired differences with 95% intervals": (
        "相对于 {baseline} 的效果：配对差值及 95% 置信区间"
    ),
    "Effect on {metric} against {baseline} (policy − baseline)": "对 {metric} 的效果，相对于 {baseline}（政策 − 基准）",
    "Difference in {metric} (percentage points)": "{metric} 差值（百分点）",
    "Difference in {metric}": "{metric} 差值",
    "percentage points": "百分点",
    "paired 95% CI (common random numbers)": "配对 95% 置信区间（共同随机数）",
    "unpaired (Welch) 95% CI": "非配对（Welch）95% 置信区间",
    "policy − baseline; point: mean paired difference, line: 95% CI": "政策 − 基准；点：配对差值均值，线：95% 置信区间",
    # credit losses
    "Who bears credit losses: written-off loans by party": "信贷损失由谁承担：各方承担的核销损失",
    "Credit losses borne ({unit}, whole run, mean over replications)": (
        "承担的信贷损失（{unit}，全期合计，各次重复均值）"
    ),
    "Fiscal cost ({unit}, whole run, mean over replications)": "财政支出（{unit}，全期合计，各次重复均值）",
    "Change in fiscal cost ({unit}, whole run, mean over replications)": (
        "财政支出变化（{unit}，全期合计，各次重复均值）"
    ),
    "bank": "银行",
    "guarantor": "担保机构",
    "re-guarantor": "再担保机构",
    "government": "地方政府",
    "county risk compensation fund": "县风险补偿金",
    "insurer (claims net of premiums)": "保险公司（赔付减保费）",
    "No credit losses in any scenario": "各情景均无信贷损失",
    "total": "合计",
    "median": "中位数",
    # fiscal
    "Fiscal cost by budget line": "按预算科目的财政支出",
    "Total, whole run": "全期合计",
    "Change against {baseline}": "相对于 {baseline} 的变化",
    "net change": "净变化",
    "other lines": "其他科目",
    "Extra fiscal cost per relapse averted, against {baseline}": "每避免一户返贫的新增财政支出（相对于 {baseline}）",
    "Extra fiscal cost per relapse averted ({unit}); line: 95% CI": (
        "每避免一户返贫的新增财政支出（{unit}）；线：95% 置信区间"
    ),
    "n/a: averts no relapses on average": "不适用：平均未避免返贫",
    "relapses averted: {n} households": "避免返贫 {n} 户",
    "Extra fiscal cost per poverty person-year averted, against {baseline}": (
        "每减少一个贫困人年的新增财政支出（相对于 {baseline}）"
    ),
    "Extra fiscal cost per poverty person-year averted ({unit}); line: 95% CI": (
        "每减少一个贫困人年的新增财政支出（{unit}）；线：95% 置信区间"
    ),
    "n/a: averts no poverty person-years on average": "不适用：平均未减少贫困人年",
    "poverty person-years averted: {n}": "减少贫困人年 {n}",
    # causes of relapse and new poverty
    "Why households fell below the line: relapses and new poor by cause": "农户为何跌破贫困线：按致因的返贫与新致贫",
    "Households a year (mean of runs)": "每年户数（各次重复均值）",
    "illness": "因病",
    "disaster": "因灾",
    "job loss": "因失业",
    "price fall": "因农产品价格下跌",
    "contract or enterprise loss": "因订单或经营主体损失",
    "debt distress": "因债务困难",
    "other": "其他",
    "relapses (ex-poor cohort)": "返贫（脱贫户队列）",
    "new poor (other cohorts)": "新致贫（其他队列）",
    "left bar: relapses; right bar (hatched): new poor": "左柱：返贫；右柱（斜线）：新致贫",
    # groups
    "Relapse into poverty by region and household group": "分区域、分农户类型的返贫率",
    "Region": "区域",
    "Household group": "农户类型",
    "plain": "平原",
    "hill": "丘陵",
    "mountain": "山区",
    "ex_poor": "脱贫户",
    "fringe": "边缘易致贫户",
    "general": "一般农户",
    "Annual relapse rate (relapses / exited households)": "年度返贫率（返贫户 / 已脱贫户）",
    "Year": "年份",
    "no household had exited poverty": "无已脱贫户",
    # income distribution
    "Per-capita income distribution at the start and end": "期初与期末人均收入分布",
    "Start": "期初",
    "End (year {years})": "期末（第 {years} 年）",
    "Per-capita net income (yuan per person per year)": "人均纯收入（元/人/年）",
    "Share of persons per 500-yuan bin": "每 500 元区间的人口比例",
    "poverty line {value:,.0f}": "贫困线 {value:,.0f}",
    "monitoring line {value:,.0f}": "监测线 {value:,.0f}",
    "{below:.1%} below the poverty line": "{below:.1%} 低于贫困线",
    "x axis cut at the 0.5th and 97th percentiles": "横轴截取第 0.5 至第 97 百分位",
    # sweep and sensitivity
    "{metric} across {x} and {y}": "{metric} 随 {x} 与 {y} 的变化",
    "{metric}, mean over replicates": "{metric}，各次重复的均值",
    "Which parameters drive {outcome}: {what}": "哪些参数驱动 {outcome}：{what}",
    "Sobol indices": "Sobol 指数",
    "Morris elementary effects": "Morris 基本效应",
    "Index ({unit}); bars: 95% CI": "指数（{unit}）；误差线：95% 置信区间",
    "share of output variance": "输出方差的份额",
    "{metric} per unit range": "{metric}，每单位范围",
    "first-order S1": "一阶指数 S1",
    "total-order ST": "总效应指数 ST",
    "μ* (mean |elementary effect|)": "μ*（基本效应绝对值均值）",
    "σ (interactions, non-linearity)": "σ（交互作用与非线性）",
    # units and metrics
    "yuan": "元",
    "index points (0–1)": "指数点（0–1）",
    "share per year": "每年比例",
    "share of persons": "人口比例",
    "share": "比例",
    "thousand yuan": "千元",
    "million yuan": "百万元",
    "relapse rate": "返贫率",
    "person-years": "人年",
    "poverty person-years (whole run)": "贫困人年（全期）",
    "ex-poor cohort below the line": "脱贫户队列中低于贫困线的人口比例",
    "relapse rate (ex-poor cohort, per year)": "返贫率（脱贫户队列，每年）",
    "ex-poor cohort ever relapsed": "脱贫户队列中曾返贫的比例",
    "new poor rate (per year)": "新致贫率（每年）",
    "relapses (households, whole run)": "返贫户数（全期）",
    "relapses averted (households, whole run)": "避免返贫户数（全期）",
    "poverty headcount": "贫困发生率",
    "below monitoring line": "低于监测线的人口比例",
    "mean income per capita (yuan/yr)": "人均收入均值（元/年）",
    "Gini index": "基尼系数",
    "fiscal cost (million yuan, whole run)": "财政支出（百万元，全期）",
    "credit coverage (eligible households)": "信贷覆盖率（符合条件农户）",
    "NPL ratio": "不良贷款率",
    # risk sharing (charts_risk.py)
    "Outcomes by risk-sharing split": "按风险分担比例的结果",
    "split of a guaranteed loss (guarantor:re-guarantor:bank:government)": (
        "担保贷款损失分担比例（担保机构:再担保机构:银行:政府）"
    ),
    "mean over replicates with 95% interval": "重复运行均值及 95% 区间",
    "guaranteed credit coverage (%)": "担保贷款覆盖率（%）",
    "guaranteed volume (M yuan)": "担保贷款发放额（百万元）",
    "default rate, guaranteed (%)": "担保贷款违约率（%）",
    "losses: bank (k yuan)": "损失：银行（千元）",
    "losses: guarantor (k yuan)": "损失：担保机构（千元）",
    "losses: re-guarantor (k yuan)": "损失：再担保机构（千元）",
    "losses: government (k yuan)": "损失：政府（千元）",
    "losses: risk fund (k yuan)": "损失：风险补偿金（千元）",
    "guarantor equity, lowest (M yuan)": "担保机构净资产最低值（百万元）",
    "guarantor equity, last year (M yuan)": "担保机构净资产，末年（百万元）",
    "guarantor leverage, last year (x)": "担保机构放大倍数，末年（倍）",
    "probability of insolvency (%)": "资不抵债概率（%）",
    "fiscal cost (M yuan)": "财政支出（百万元）",
    "ex-poor cohort poverty (%)": "脱贫人口贫困率（%）",
    "relapse rate (% a year)": "返贫率（%/年）",
}


def _budget_line_labels() -> dict[str, str]:
    """The budget lines' Chinese labels, as each line's owner declares them (``engine.metrics.BUDGET_LINES``)."""
    from simulation.engine.metrics import BUDGET_LINES

    return {line.en: line.zh for line in BUDGET_LINES}


ZH.update(_budget_line_labels())
