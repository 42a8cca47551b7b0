"""PNG figures beside the result JSON: recall per part (memrag and dense), forgetting, update-following."""

from __future__ import annotations

from pathlib import Path
from typing import Any

COLOURS = {"memrag": "tab:blue", "dense": "tab:orange"}


def _pyplot() -> Any:
    """matplotlib on the Agg backend (no display), imported only when a figure is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_stream(result: dict[str, Any], path: Path) -> Path:
    """Left: R@5 and R@10 on the questions answerable after each part. Right: each part's questions' R@10
    over the parts that follow (backward transfer), memrag solid, dense dashed."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    parts = [p["part"] for p in result["parts"]]
    for system, colour in COLOURS.items():
        for k, marker in ((5, "o"), (10, "s")):
            values = [100 * p[system][f"recall@{k}"] for p in result["parts"]]
            left.plot(parts, values, marker=marker, color=colour, label=f"{system} R@{k}", ls="-" if k == 10 else ":")
    left.set(xlabel="parts added (questions answerable)", ylabel="recall (%)", title="questions answerable so far")
    left.set_xticks(parts, [f"{p['part']} ({p['questions']})" for p in result["parts"]])
    left.legend(fontsize=8)
    for j in parts:
        for system, style in (("memrag", "-"), ("dense", "--")):
            xs = [p["part"] for p in result["parts"] if p["part"] >= j]
            ys = [100 * p["by_part"][j - 1][system]["recall@10"] for p in result["parts"] if p["part"] >= j]
            right.plot(xs, ys, ls=style, marker="o", color=f"C{j - 1}", label=f"part {j} {system}")
    right.set(
        xlabel="parts added", ylabel="R@10 (%)", xticks=parts, title="each part's new questions (backward transfer)"
    )
    right.legend(fontsize=7, ncol=2)
    same = result["questions"] - len(result["batch_check"]["differing_questions"])
    fig.suptitle(
        f"{result['dataset']}: stream by {result['stream_by']}; equals batch: {result['equals_batch']} "
        f"({same}/{result['questions']} questions ranked identically)"
    )
    return _save(fig, plt, path)


def plot_forget(forget: dict[str, Any], path: Path) -> Path:
    """R@10 of each part's questions before and after forgetting, memrag and dense."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    parts = [s["part"] for s in forget["recall_before"]]
    width = 0.2
    for n, (system, when) in enumerate(
        (("memrag", "before"), ("memrag", "after"), ("dense", "before"), ("dense", "after"))
    ):
        values = [100 * s[system]["recall@10"] for s in forget[f"recall_{when}"]]
        ax.bar(
            [p + (n - 1.5) * width for p in parts],
            values,
            width,
            color=COLOURS[system],
            alpha=1.0 if when == "before" else 0.45,
            label=f"{system} {when}",
        )
    title = (
        f"forget part {forget['part']}: gold left in top 10 {forget['gold_in_top10']}, orphans left "
        f"{forget['orphans_left']}, others identical {forget['other_identical']}/{forget['other_questions']}"
    )
    ax.set(xlabel="part whose questions are asked", ylabel="R@10 (%)", xticks=parts, title=title)
    ax.title.set_fontsize(9)
    ax.set_ylim(0, 118)
    ax.legend(fontsize=8, ncol=4, loc="upper center")
    return _save(fig, plt, path)


def plot_counterfactual(result: dict[str, Any], path: Path) -> Path:
    """The update-following shares of one reader as bars."""
    plt = _pyplot()
    s = result["shares"]
    labels = {
        "before_old_named_and_cited": "before: old\nnamed+cited",
        "follows_update": "after: follows\nupdate",
        "old_name_gone": "after: old\nname gone",
        "follows_and_old_gone": "after:\nboth",
        "follows_when_answered_before": "follows, of\nanswered before",
        "old_passage_shown_before": "before: old\npassage read",
        "updated_passage_shown": "after: updated\npassage read",
        "updated_passage_in_top10": "after: updated\nin top 10",
    }
    fig, ax = plt.subplots(figsize=(10, 4))
    colours = ["grey"] + ["tab:blue"] * 4 + ["silver"] + ["tab:green"] * 2  # before; answers after; retrieval
    ax.bar(list(labels.values()), [100 * s[key] for key in labels], color=colours)
    title = f"{result['updates']} updates, reader {result['reader']}"
    ax.set(ylabel="share of questions (%)", ylim=(0, 100), title=title)
    ax.tick_params(axis="x", labelsize=8)
    return _save(fig, plt, path)


def _save(fig: Any, plt: Any, path: Path) -> Path:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
