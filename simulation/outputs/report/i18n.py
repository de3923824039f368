# ruff: noqa: E501  (translation tables: a Chinese sentence is one string; wide characters count double)
"""The review report's own words in English and Chinese (``agrifin report --lang zh``).

Like :mod:`simulation.outputs.charts.text`, English text is the key: report code writes
``t("Overview", lang)`` and, for text with values, ``t("... {n} ...", lang).format(n=...)``.
Untranslated text is kept in English and recorded in :data:`MISSING` so a test can insist
that every sentence of a report is translated. Scenario names, parameter keys, metric
identifiers, file names and the schema's parameter descriptions stay as they are: they are
the names used in files and commands.
"""

from __future__ import annotations

from simulation.outputs.charts.text import lookup

MISSING: set[str] = set()


def t(text: str, lang: str = "en") -> str:
    """The report's ``text`` in ``lang`` (untranslated text is kept and recorded)."""
    return lookup(ZH, MISSING, text, lang)


ZH: dict[str, str] = {
    # title and sections
    "Run": "单情景运行",
    "Policy comparison": "政策比较",
    "Parameter sweep": "参数扫描",
    "Sensitivity": "敏感性分析",
    "agrifin report on {folder} — generated {time} UTC": "agrifin 报告：{folder}（生成于 {time} UTC）",
    "agrifin report — {folder}": "agrifin 报告 — {folder}",
    "Overview": "概述",
    "Scenarios compared": "比较的情景",
    "Headline results": "主要结果",
    "Charts": "图表",
    "Design: the parameters varied": "实验设计：变动的参数",
    "Appendix A. Resolved parameters": "附录 A. 解析后的参数",
    "Appendix B. Provenance": "附录 B. 来源与可复现信息",
    # overview
    "one scenario was run": "运行了一个情景",
    "{n} policy scenario(s) were compared with the baseline scenario, {baseline}, each run on the same replicate "
    "seeds (common random numbers)": "将 {n} 个政策情景与基准情景 {baseline} 进行比较，各情景使用相同的重复随机种子（共同随机数）",
    "the scenario {baseline} was run over a design of parameter values (a sweep)": "情景 {baseline} 在一组参数取值的设计上运行（参数扫描）",
    "the global sensitivity of outcomes to parameters of {baseline} was estimated": "估计了各结果对 {baseline} 参数的全局敏感性",
    "an experiment of kind {kind} was run": "运行了 {kind} 类型的实验",
    "In this experiment {what}.": "本实验中，{what}。",
    "The county actually run has {households} households over {years} years; every scenario was replicated "
    "{replications} times from root seed {seed}.": "实际模拟的县有 {households} 户农户，模拟 {years} 年；每个情景从根随机种子 {seed} "
    "重复运行 {replications} 次。",
    "The county's size was not recorded; every scenario was replicated {replications} times from root seed "
    "{seed}.": "未记录县的规模；每个情景从根随机种子 {seed} 重复运行 {replications} 次。",
    "Outcomes follow the definitions in docs/metrics.md: poverty person-years count persons below the poverty line, "
    "year by year, over the whole county; the relapse rate is the annual hazard of the ex-poor cohort (households "
    "that had exited poverty by the end of 2020): those above the line at the last annual assessment and below it "
    "at this one, over those above it; the poverty headcount is the share of persons below the line.": (
        "各结果的定义见 docs/metrics.md：贫困人年数按年统计全县贫困线以下的人数；返贫率是脱贫人口队列（2020 年底前已脱贫的农户）"
        "的年度风险：上次年度评估时在贫困线以上、本次评估时落到线下的农户占上次在线上农户的比例；贫困发生率是贫困线以下人口的比例。"
    ),
    "Overridden for this run (the scenario files say otherwise): {changes}.": "本次运行覆盖了情景文件中的设定：{changes}。",
    "Scenario descriptions quoted below are the scenario files' own words and may name another county size.": (
        "下文引用的情景描述来自情景文件原文，其中的县规模可能与本次运行不同。"
    ),
    "Differences are policy minus baseline, computed replicate by replicate (the same weather, illness and price "
    "luck in both), with 95% Student t intervals over the pairs. An interval that includes zero means the "
    "simulation cannot distinguish the policy's effect from none at this number of replications.": (
        "差值为政策减基准，逐次重复配对计算（两者遭遇相同的天气、疾病和价格冲击），并给出配对样本的 95% 学生 t 区间。"
        "区间包含零表示在当前重复次数下无法将政策效应与零效应区分开。"
    ),
    "This folder has no {files} (results from an older agrifin, or an interrupted run): the sections that need "
    "them say so below. Re-running the experiment with this agrifin version produces them.": (
        "此结果文件夹缺少 {files}（由较早版本的 agrifin 生成，或运行被中断）：需要这些数据的章节会在下文说明。"
        "用当前版本的 agrifin 重新运行实验即可生成。"
    ),
    "{n} run(s) failed and are left out; see manifest.json for their errors.": "{n} 次运行失败并被剔除；错误信息见 manifest.json。",
    "Only {n} replicates per scenario: the 95% intervals are wide; raise -r to at least {minimum}.": (
        "每个情景只有 {n} 次重复：95% 区间很宽；请将 -r 提高到至少 {minimum}。"
    ),
    # scenarios
    "One scenario was run, {baseline}; its parameters are listed in full in Appendix A.": "运行了一个情景 {baseline}；其全部参数列于附录 A。",
    "{n} scenarios: {baseline} is the baseline, and each other scenario is described by the parameters it changes "
    "— what each sets, in the words of the scenario schema with its unit in brackets, and its value in the baseline "
    "and in the scenario.": (
        "共 {n} 个情景：{baseline} 为基准，其他情景按其改变的参数描述——每个参数设定的内容（情景模式中的说明，括号内为单位），"
        "以及它在基准和该情景中的取值。"
    ),
    "(no description recorded)": "（未记录描述）",
    "The baseline: the reference every other scenario is compared with.": "基准情景：其他所有情景都与之比较。",
    "The manifest does not record this scenario's parameters; its changes are unknown.": "清单未记录该情景的参数，其改动未知。",
    "It sets every parameter as the baseline does.": "该情景的所有参数与基准相同。",
    "It changes {n} parameter(s) of {baseline}:": "该情景改变了 {baseline} 的 {n} 个参数：",
    "Parameter": "参数",
    "What it sets": "设定内容",
    "Low": "下限",
    "High": "上限",
    "Levels": "水平",
    "Values": "取值",
    # design
    "Base scenario {baseline}: {description}": "基础情景 {baseline}：{description}",
    "Design: a full grid over {points} points, each replicated {replications} times; the keys below vary, every "
    "other parameter is the base scenario's.": "设计：{points} 个点的全因子网格，每点重复 {replications} 次；下列参数变动，其余参数取基础情景的值。",
    "Design: a Latin hypercube of {points} points, each replicated {replications} times, drawn between each key's "
    "low and high; every other parameter is the base scenario's.": (
        "设计：{points} 个点的拉丁超立方抽样，每点重复 {replications} 次，在各参数的下限与上限之间抽取；其余参数取基础情景的值。"
    ),
    "Design: Sobol (Saltelli) sampling with {samples} base samples, {points} points, each replicated {replications} "
    "times, between each key's low and high; every other parameter is the base scenario's.": (
        "设计：Sobol（Saltelli）抽样，基础样本数 {samples}，共 {points} 个点，每点重复 {replications} 次，"
        "在各参数的下限与上限之间抽取；其余参数取基础情景的值。"
    ),
    "Design: Morris elementary effects, {samples} trajectories, {points} points, each replicated {replications} "
    "times, between each key's low and high; every other parameter is the base scenario's.": (
        "设计：Morris 基本效应法，{samples} 条轨迹，共 {points} 个点，每点重复 {replications} 次，"
        "在各参数的下限与上限之间抽取；其余参数取基础情景的值。"
    ),
    "The manifest does not record the design's factors.": "清单未记录实验设计的因子。",
    # headline
    "The headline metrics of each scenario, mean over replications.": "各情景的主要指标（重复运行的均值）。",
    "No paired comparison: {reason}.": "无配对比较：{reason}。",
    "Paired differences against the baseline (policy − baseline, per replicate) with 95% intervals and paired "
    "t-test p-values. Shares are in percentage points (pp).": (
        "相对基准的配对差值（政策 − 基准，逐次重复），附 95% 区间和配对 t 检验 p 值。比例的差值以百分点（pp）表示。"
    ),
    "sensitivity.csv lacks the columns outcome, parameter, index, value, conf.": "sensitivity.csv 缺少 outcome、parameter、index、value、conf 列。",
    "Sensitivity indices with 95% bootstrap intervals (SALib).": "敏感性指数及其 95% 自助法区间（SALib）。",
    "Outcome": "结果",
    "Index": "指数",
    "Value": "数值",
    "95% CI": "95% 置信区间",
    "The summary has no design points with a {metric} column.": "汇总表中没有带 {metric} 列的设计点。",
    "Mean {metric} per design point over replicates (range across replicates in brackets).": (
        "各设计点 {metric} 的重复均值（括号内为各次重复的取值范围）。"
    ),
    "Point": "设计点",
    "Range": "范围",
    "The first 30 of {n} points are shown; every point is in summary.csv.": "仅显示 {n} 个设计点中的前 30 个；全部设计点见 summary.csv。",
    # charts
    "Each scenario keeps one colour in every chart ({colours}, in that order). Every chart is also available as "
    "PNG and SVG with `agrifin plot RESULTS_DIR --chart NAME`.": (
        "每个情景在所有图表中使用同一种颜色（依次为 {colours}）。每张图也可用 `agrifin plot RESULTS_DIR --chart NAME --lang zh` "
        "导出为 PNG 和 SVG。"
    ),
    "Not applicable to this folder: {reason}.": "不适用于此结果文件夹：{reason}。",
    "No data for this chart: {reason}.": "此图表没有数据：{reason}。",
    # appendix A
    "The parameters of {baseline} as run (after extends and overrides).": "{baseline} 实际运行时的参数（已合并 extends 和覆盖设定）。",
    "The other scenarios ({others}) differ only as listed under Scenarios compared.": "其他情景（{others}）仅在“比较的情景”中所列参数上不同。",
    "Each design point sets the varied keys as listed in design.csv.": "每个设计点按 design.csv 所列设定变动的参数。",
    "scenario parameters": "情景参数",
    # appendix B
    "Everything needed to reproduce this folder: the same command with this agrifin version and seed gives "
    "identical numbers.": "复现此结果所需的全部信息：用相同的 agrifin 版本、命令和随机种子可得到完全相同的数值。",
    "Item": "项目",
    "agrifin version": "agrifin 版本",
    "git commit": "git 提交",
    "not a git checkout": "非 git 检出",
    "command": "命令",
    "not recorded": "未记录",
    "experiment": "实验",
    "{kind}, {runs} runs planned": "{kind}，计划运行 {runs} 次",
    "runs finished / failed": "完成 / 失败的运行",
    "replications": "重复次数",
    "root seed": "根随机种子",
    "replicate spawn keys": "重复运行的派生键",
    "{n} spawn keys, {span}, shared by every scenario": "{n} 个派生键，{span}，所有情景共用",
    "started": "开始时间",
    "finished": "结束时间",
    "not finished": "未完成",
    "executor": "执行器",
    "Python": "Python",
    "{python} on {platform}": "{python}，平台 {platform}",
    "scenario {name}": "情景 {name}",
    "content hash {hash}": "内容哈希 {hash}",
    "package {name}": "软件包 {name}",
    "overrides": "覆盖设定",
    "{what} is unreadable ({why})": "{what} 无法读取（{why}）",
    "This folder has no {what} (results from an older agrifin?)": "此结果文件夹没有 {what}（可能由较早版本的 agrifin 生成）",
    "page {number} of {total}": "第 {number} 页，共 {total} 页",
    # tables (simulation/outputs/report/tables.py)
    "Metric": "指标",
    "Mean over replications": "重复运行的均值",
    "Difference": "差值",
    "p": "p 值",
    "{policy} against {baseline}: {pairs} paired replicates": "{policy} 对比 {baseline}：{pairs} 对配对重复",
    "Poverty person-years (whole run)": "贫困人年数（全期）",
    "Poverty person-years averted (whole run)": "避免的贫困人年数（全期）",
    "Ex-poor cohort below the line (last year)": "脱贫人口队列中低于贫困线的比例（最后一年）",
    "Relapse rate, ex-poor cohort (mean per year)": "脱贫人口队列返贫率（年均）",
    "Ex-poor cohort ever relapsed (last year)": "脱贫人口队列中曾经返贫的比例（最后一年）",
    "New poor rate (mean per year)": "新致贫率（年均）",
    "Relapses (households, whole run)": "返贫户数（全期）",
    "Relapses averted (households, whole run)": "避免的返贫户数（全期）",
    "Newly poor (households, whole run)": "新致贫户数（全期）",
    "Poverty headcount (last year)": "贫困发生率（最后一年）",
    "Below monitoring line (last year)": "低于监测线的比例（最后一年）",
    "Mean income per capita (yuan/yr)": "人均收入（元/年）",
    "Gini index (last year)": "基尼系数（最后一年）",
    "Credit coverage, eligible households": "信贷覆盖率（符合条件的农户）",
    "NPL ratio (last year)": "不良贷款率（最后一年）",
    "Large-scale relapse alarm (share of runs)": "规模性返贫预警（运行占比）",
    "Fiscal cost (million yuan, whole run)": "财政成本（百万元，全期）",
    "Extra fiscal cost per poverty-year averted (yuan)": "每避免一个贫困人年的额外财政成本（元）",
    "Extra fiscal cost per relapse averted (yuan)": "每避免一户返贫的额外财政成本（元）",
    "cost per {unit} averted {note}": "每避免一个{unit}的成本：{note}",
    "poverty-year": "贫困人年",
    "relapse": "返贫",
    "n/a: the policy averts no poverty person-years on average (poverty person-years averted <= 0)": "无定义：该政策平均未避免贫困人年（避免的贫困人年数 <= 0）",
    "n/a: the policy averts no relapses on average (relapses averted <= 0)": "无定义：该政策平均未避免返贫（避免的返贫户数 <= 0）",
    "negative: the policy saves fiscal cost while averting poverty person-years": "为负：该政策在避免贫困人年的同时节省财政支出",
    "negative: the policy saves fiscal cost while averting relapses": "为负：该政策在避免返贫的同时节省财政支出",
    # chart sections (simulation/outputs/charts/catalogue.py titles and what each shows)
    "Relapse into poverty over time": "返贫率随时间变化",
    "Annual relapse hazard of the ex-poor cohort (households above the line at the last assessment and below it "
    "at this one, over those above it), per scenario: median over replications and the 10–90% band.": (
        "各情景脱贫人口队列的年度返贫风险（上次评估在线上、本次评估落到线下的农户占上次在线上农户的比例）：重复运行的中位数及 10–90% 区间带。"
    ),
    "Poverty headcount over time": "贫困发生率随时间变化",
    "Share of persons below the poverty line (rolling 12-month income), median and 10–90% band.": (
        "贫困线以下人口的比例（滚动 12 个月收入），中位数及 10–90% 区间带。"
    ),
    "Mean per-capita income over time": "人均收入随时间变化",
    "Mean rolling 12-month per-capita net income, median and 10–90% band.": "滚动 12 个月人均纯收入的均值，中位数及 10–90% 区间带。",
    "Effects against the baseline": "相对基准的效应",
    "Each policy's paired difference from the baseline (same replicate seeds) on the headline metrics, poverty "
    "person-years and the ex-poor cohort's poverty and relapse first, with 95% t intervals. An interval that "
    "crosses zero is not distinguishable from no effect.": (
        "各政策在主要指标上相对基准的配对差值（相同的重复随机种子），贫困人年数和脱贫人口队列的贫困与返贫在前，附 95% t 区间。"
        "跨越零的区间无法与无效应区分。"
    ),
    "Paired against unpaired intervals": "配对区间与非配对区间",
    "The headline effect with the paired interval beside the unpaired (Welch) one that ignores common random "
    "numbers: how much precision the pairing buys.": "主要效应的配对区间与忽略共同随机数的非配对（Welch）区间并列：显示配对带来的精度提升。",
    "Who bears credit losses": "信贷损失由谁承担",
    "Written-off loan losses over the run by the party that bore them (the loss waterfall), mean per run; the "
    "insurer's share is its claims net of premiums when positive.": (
        "全期核销的贷款损失按承担方划分（损失分担顺序），为每次运行的均值；保险公司的份额为赔付减保费（为正时）。"
    ),
    "Fiscal cost by budget line": "按预算科目划分的财政成本",
    "Government outlays over the run by budget line, and each policy's change against the baseline line by line "
    "(the diamond is the net change).": "全期政府支出按预算科目划分，以及各政策相对基准的逐项变化（菱形为净变化）。",
    "Fiscal cost per poverty person-year averted": "每避免一个贫困人年的财政成本",
    "Extra fiscal cost of each policy divided by the poverty person-years it averts (persons × years below the "
    "line, whole county, paired by replicate), with a delta-method 95% interval; undefined when a policy averts "
    "none on average.": (
        "各政策的额外财政成本除以其避免的贫困人年数（全县线下人数 × 年数，按重复配对），附 delta 法 95% 区间；平均未避免任何贫困人年时无定义。"
    ),
    "Fiscal cost per relapse averted": "每避免一户返贫的财政成本",
    "Extra fiscal cost of each policy divided by the relapses it averts (paired by replicate), with a delta-method "
    "95% interval; undefined when a policy averts none on average.": (
        "各政策的额外财政成本除以其避免的返贫户数（按重复配对），附 delta 法 95% 区间；平均未避免任何返贫时无定义。"
    ),
    "Why households fell below the line": "农户落到贫困线以下的原因",
    "Relapses of the ex-poor cohort (left bar) and new poor households of the other cohorts (right bar, hatched) "
    "per calendar year, stacked by the monitoring system's risk type of the shock that moved them below the line; "
    "mean over replications, one panel per scenario.": (
        "每个日历年脱贫人口队列的返贫（左柱）与其他队列的新致贫农户（右柱，斜线），按使其落到线下的冲击的监测风险类型堆叠；"
        "重复运行均值，每个情景一幅小图。"
    ),
    "Relapse by region and household group": "分地区和农户类别的返贫",
    "Annual relapse rate in each region and household group (small multiples), median over replications with the "
    "baseline's 10–90% band, against the large-scale relapse threshold: where a large-scale relapse would start.": (
        "各地区和农户类别的年度返贫率（小多图），重复运行中位数及基准的 10–90% 区间带，并标出规模性返贫阈值：显示规模性返贫可能从何处开始。"
    ),
    "Income distribution at the start and end": "期初与期末的收入分布",
    "Distribution of per-capita net income over persons at the start and at the end of the run, with the poverty "
    "and monitoring lines.": "期初和期末按人口计的人均纯收入分布，并标出贫困线和监测线。",
    "Sweep heatmap": "参数扫描热力图",
    "Mean of the metric over replicates at each design point of the sweep, across the first two varied keys.": (
        "参数扫描中各设计点指标的重复均值，按前两个变动参数展开。"
    ),
    "Outcomes by risk-sharing split": "不同风险分担比例下的结果",
    "For each split of a guaranteed loss (guarantor:re-guarantor:bank:government) and each stress scenario, the "
    "guaranteed loans' default rate, the guarantor's losses, lowest equity and probability of insolvency (share of "
    "runs), the bank's losses, the fiscal cost and the ex-poor cohort's poverty and relapse: mean over replicates "
    "with its 95% interval (agrifin sweep --vary guarantee.risk_shares=... --stress FILE).": (
        "对担保损失的每种分担比例（担保机构:再担保:银行:政府）和每个压力情景，给出担保贷款违约率、担保机构损失、最低净资产和资不抵债概率"
        "（运行占比）、银行损失、财政成本以及脱贫人口队列的贫困与返贫：重复均值及其 95% 区间"
        "（agrifin sweep --vary guarantee.risk_shares=... --stress FILE）。"
    ),
    "Sensitivity indices": "敏感性指数",
    "Global sensitivity of each outcome to the varied parameters (Sobol S1/ST or Morris μ*/σ) with 95% bootstrap "
    "intervals.": "各结果对变动参数的全局敏感性（Sobol S1/ST 或 Morris μ*/σ），附 95% 自助法区间。",
}
