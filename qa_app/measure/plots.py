"""The risk-coverage plot of calibrate runs: answers attempted against the share of them right."""

from __future__ import annotations

from pathlib import Path


def risk_coverage(rows: list[dict], key: str = "confidence_held_out") -> tuple[list[float], list[float]]:
    """Coverage (share of questions answered) and the share right among them, answering the most confident first."""
    ordered = sorted(rows, key=lambda r: -r[key])
    coverage, accuracy, right = [], [], 0
    for n, row in enumerate(ordered, 1):
        right += row["right"]
        coverage.append(n / len(ordered))
        accuracy.append(right / n)
    return coverage, accuracy


def risk_coverage_plot(runs: list[dict], out: Path) -> Path:
    """One line per run (its model named in the legend), from held-out confidences; writes a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the plot is a file
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for run in runs:
        coverage, accuracy = risk_coverage(run["rows"])
        axes.plot(coverage, accuracy, label=run.get("label") or Path(run["model"]).name)
    for promise, name in ((0.9, "High promise"), (0.7, "Medium promise")):
        axes.axhline(promise, color="grey", linestyle=":", linewidth=1)
        axes.text(0.01, promise + 0.01, name, color="grey", fontsize=8)
    axes.set_xlabel("questions answered (share of all gold questions, most confident first)")
    axes.set_ylabel("share of those answers right")
    axes.set_ylim(0, 1.02)
    axes.set_xlim(0, 1)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left")
    axes.set_title("Risk–coverage on the gold questions (held out, 10-fold)")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out)
    plt.close(figure)
    return out
