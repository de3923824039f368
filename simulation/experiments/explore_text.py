# ruff: noqa: E501  (translation tables: a Chinese sentence is one string; wide characters count double)
"""The words of the explore, discover and optimize charts and reports in English and Chinese.

English text is the key (``te("Pareto front", lang)``); untranslated text is kept in
English and recorded in :data:`MISSING`, so a test can insist that a Chinese report is
fully translated. Names of uncertainties, levers, outcomes and files stay as they are.
"""

from __future__ import annotations

from simulation.outputs.charts.text import lookup

MISSING: set[str] = set()


def te(text: str, lang: str = "en") -> str:
    """``text`` in ``lang`` (untranslated text is kept and recorded)."""
    return lookup(ZH, MISSING, text, lang)


ZH: dict[str, str] = {
    # charts
    "PRIM trade-off: coverage against density, box {box}": "PRIM 权衡：覆盖率与密度，第 {box} 个盒子",
    "box kept": "选定的盒子",
    "Restricted inputs": "受限输入个数",
    "Coverage (share of bad experiments inside the box)": "覆盖率（盒内不利实验占全部不利实验的比例）",
    "Density (share bad inside the box)": "密度（盒内不利实验的比例）",
    "(no restriction)": "（无限制）",
    "PRIM box {box}: limits on the inputs": "PRIM 第 {box} 个盒子：各输入的界限",
    "coverage {coverage:.0%}, density {density:.0%}": "覆盖率 {coverage:.0%}，密度 {density:.0%}",
    "Position within the range explored (0 = lowest, 1 = highest)": "在探索范围内的位置（0 = 最低，1 = 最高）",
    "Pareto front: fiscal cost against robustness": "帕累托前沿：财政成本与稳健性",
    "policy evaluated (meets the constraint)": "已评估的政策（满足约束）",
    "policy evaluated (breaks the constraint)": "已评估的政策（违反约束）",
    "Pareto front": "帕累托前沿",
    "Pareto policies: levers and objectives (colour: cheap to costly)": "帕累托政策：政策杠杆与目标（颜色：由省到贵）",
    "0 = lowest, 1 = highest on the front": "0 = 前沿上最低，1 = 最高",
    "{outcome} > {threshold} in {bad} of {n} experiments | {base}, {households} households, {years} years, {replications} replicates, seed {seed}": "{outcome} > {threshold}：{n} 个实验中有 {bad} 个 | {base}，{households} 户，{years} 年，{replications} 次重复，种子 {seed}",
    "{base} | {households} households, {years} years | {futures} stress futures x {replications} replicates, seed {seed} | NSGA-II, population {population}, {generations} generations": "{base} | {households} 户，{years} 年 | {futures} 个压力情景 × {replications} 次重复，种子 {seed} | NSGA-II，种群 {population}，{generations} 代",
    "{cost} (million yuan, mean over futures)": "{cost}（百万元，各情景平均）",
    "{cost} (mean over futures)": "{cost}（各情景平均）",
    "{robust}: {percentile}th percentile over {futures} stress futures": "{robust}：{futures} 个压力情景中的第 {percentile} 百分位数",
    "share of futures with {constraint} > {bad_above}": "{constraint} > {bad_above} 的情景比例",
    # report: titles
    "Exploratory modelling": "探索性建模",
    "Scenario discovery": "情景发现",
    "Robust policy search": "稳健政策搜索",
    "agrifin report on {folder} — generated {time} UTC": "agrifin 报告：{folder}（生成于 {time} UTC）",
    "agrifin report — {folder}": "agrifin 报告 — {folder}",
    "Method": "方法",
    "Uncertainties": "不确定性",
    "Levers": "政策杠杆",
    "Outcomes over the experiments": "各实验的结果",
    "Boxes": "盒子",
    "Cross-check: CART and feature scores": "交叉检验：CART 与特征得分",
    "Pareto set": "帕累托集",
    "Stress futures": "压力情景",
    "Charts": "图表",
    # report: text
    "Futures were sampled from the uncertainties ({method}, {futures} futures) and crossed with {policies}; every experiment (future x policy) ran on the same {replications} replicate seeds from root seed {seed} (common random numbers), at {households} households over {years} years, base scenario {base}. experiments.parquet holds each experiment's inputs; outcomes.parquet each run's summary.": "从不确定性中抽取未来情景（{method}，{futures} 个），并与{policies}交叉组合；每个实验（情景 × 政策）都使用根种子 {seed} 生成的相同 {replications} 个重复种子（共同随机数），县规模 {households} 户，模拟 {years} 年，基准情景 {base}。experiments.parquet 记录每个实验的输入，outcomes.parquet 记录每次运行的汇总。",
    "the base scenario's own levers": "基准情景本身的政策杠杆",
    "{policies} policies sampled from the levers (Latin hypercube)": "从政策杠杆中抽取的 {policies} 个政策（拉丁超立方）",
    "An experiment is bad when {outcome}, averaged over its replicates, is above {threshold}: {bad} of {n} experiments. PRIM (patient rule induction, EMA Workbench) peels the space of inputs down to boxes where bad experiments are dense. Coverage is the share of all bad experiments inside a box, density the share of the box's experiments that are bad, mass the share of all experiments inside it. From each peeling trajectory the box kept is the one of largest coverage whose density reaches {min_density:.0%}. CART and extra-trees feature scores are a cross-check.": "当 {outcome} 在各次重复中的平均值高于 {threshold} 时，该实验为不利实验：{n} 个实验中有 {bad} 个。PRIM（耐心规则归纳，EMA Workbench）将输入空间逐步剥离为不利实验密集的盒子。覆盖率是盒内不利实验占全部不利实验的比例，密度是盒内实验中不利实验的比例，质量是盒内实验占全部实验的比例。每条剥离轨迹中选取密度达到 {min_density:.0%} 且覆盖率最大的盒子。CART 与极端随机树特征得分用于交叉检验。",
    "No box was found.": "未找到盒子。",
    "Box {box}: {outcome} exceeds {threshold} in {density:.0%} of the experiments where {where}; they hold {coverage:.0%} of all experiments where it does ({mass:.0%} of the experiments explored).": "第 {box} 个盒子：在 {where} 的实验中，{density:.0%} 的实验 {outcome} 超过 {threshold}；这些实验占全部此类实验的 {coverage:.0%}（占所有探索实验的 {mass:.0%}）。",
    " and ": " 且 ",
    "anywhere in the space explored": "探索空间中的任何位置",
    "{name} is {choices}": "{name} 为 {choices}",
    " or ": " 或 ",
    "{name} is between {low} and {high}{unit}": "{name} 介于 {low} 与 {high} 之间{unit}",
    "Each policy (one value of every lever) faced the same {futures} stress futures (a Latin hypercube of the uncertainties), each on {replications} replicate seeds. NSGA-II (platypus-opt, the optimiser of EMA Workbench) minimised two objectives: {cost} and {robust}. A policy meets the constraint when the {constraint} is at most {max_share:.0%}. {evaluated} policies were scored over {population} x {generations} proposals (population x generations, seed {seed}); the Pareto set holds the policies that meet the constraint and that no other such policy beats on both objectives. Each is a runnable scenario file in policies/.": "每个政策（各政策杠杆的一组取值）面对相同的 {futures} 个压力情景（不确定性的拉丁超立方抽样），每个情景使用 {replications} 个重复种子。NSGA-II（platypus-opt，EMA Workbench 所用的优化器）最小化两个目标：{cost} 与 {robust}。当{constraint}不超过 {max_share:.0%} 时，政策满足约束。在 {population} × {generations} 次提议（种群 × 代数，种子 {seed}）中共评估了 {evaluated} 个政策；帕累托集包含满足约束、且没有其他满足约束的政策在两个目标上都更优的政策。每个政策都是 policies/ 中可运行的情景文件。",
    "The cheapest policy meeting the constraint is {file}: {cost} {value}. verify.txt holds one agrifin compare per stress future to check it afresh against the base.": "满足约束的最省政策是 {file}：{cost} {value}。verify.txt 列出每个压力情景下的一条 agrifin compare 命令，用于重新与基准情景比较验证。",
    "No policy met the constraint.": "没有政策满足约束。",
    "The search was interrupted; continue it with --resume.": "搜索被中断；可用 --resume 继续。",
    "Discovered in this folder: {names}.": "本文件夹中的情景发现：{names}。",
    # table heads and captions
    "name": "名称",
    "scenario keys": "情景参数",
    "range or choices": "范围或选项",
    "unit": "单位",
    "description": "说明",
    "outcome": "结果",
    "mean": "均值",
    "10th percentile": "第 10 百分位数",
    "median": "中位数",
    "90th percentile": "第 90 百分位数",
    "box": "盒子",
    "coverage": "覆盖率",
    "density": "密度",
    "mass": "质量",
    "input": "输入",
    "limits": "界限",
    "leaf": "叶节点",
    "restrictions": "限制条件",
    "score": "得分",
    "policy": "政策",
    "cost": "成本",
    "robustness": "稳健性",
    "constraint": "约束",
    "file": "文件",
    "future": "情景",
    "Mean over replicates of each experiment, then its distribution over the experiments.": "先对每个实验的各次重复取平均，再给出其在各实验间的分布。",
    "CART leaves, bad-rich first": "CART 叶节点（不利实验密集者在前）",
    "Extra-trees feature scores": "极端随机树特征得分",
    "Every policy scored, the Pareto front numbered": "所有已评估政策，帕累托前沿已编号",
    "Levers and objectives of the Pareto policies": "帕累托政策的政策杠杆与目标",
}
