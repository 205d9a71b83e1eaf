"""The report as a PNG bar chart (matplotlib, imported only when a chart is drawn)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.funnel import MILESTONES
from bot.report.funnel import STEP_NAMES, FunnelReport, protect
from bot.report.query import MIN_PEOPLE, Report, rank, totals
from bot.report.render import SMALL, date_text, people

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_IN, HEIGHT_IN, DPI = 8, 10, 100


def short_name(name: str, size: int = 30) -> str:
    return name if len(name) <= size else name[: size - 1].rstrip() + "…"


def render_png(report: Report, path: Path, top: int = 12, funnel: FunnelReport | None = None) -> None:
    """Horizontal bars of the ``top`` occupations: open places and wishes side by side, 800×1000 px; with
    ``funnel``, the funnel's steps under them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chosen = sorted(totals(report), key=lambda t: (-(t.places + rank(t.wishes)), -rank(t.wishes), t.name))[
        :top
    ]
    chosen.reverse()  # barh draws from the bottom: the biggest ends up at the top
    if funnel is None:
        fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    else:
        fig, (ax, funnel_ax) = plt.subplots(
            2, 1, figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, gridspec_kw={"height_ratios": (3, 2)}
        )
        top = min(top, 8)
        chosen = chosen[-top:]
    try:
        ax.set_title(
            f"Ausbildung: Plätze und Wünsche\n{report.city or 'alle Orte'}, Stand {date_text(report.generated)}"
            + (f" (seit {date_text(report.since)})" if report.since else ""),
            fontsize=17,
            fontweight="bold",
        )
        if not chosen:
            ax.text(0.5, 0.5, "Keine Daten", ha="center", va="center", fontsize=20, transform=ax.transAxes)
            ax.set_axis_off()
        else:
            height = 0.4
            ys = list(range(len(chosen)))
            places = [t.places for t in chosen]
            wishes = [t.wishes if t.wishes >= MIN_PEOPLE else 0 for t in chosen]
            bars_p = ax.barh(
                [y + height / 2 for y in ys], places, height, label="Offene Plätze", color="#1f77b4"
            )
            bars_w = ax.barh([y - height / 2 for y in ys], wishes, height, label="Wünsche", color="#ff7f0e")
            ax.bar_label(bars_p, labels=[str(p) for p in places], padding=3, fontsize=13)
            ax.bar_label(bars_w, labels=[people(t.wishes) for t in chosen], padding=3, fontsize=13)
            ax.set_yticks(ys, [short_name(t.name) for t in chosen], fontsize=13)
            ax.tick_params(axis="x", labelsize=12)
            ax.set_xlim(0, max([*places, *wishes, 1]) * 1.18)
            ax.set_xlabel("Anzahl", fontsize=14)
            ax.spines[["top", "right"]].set_visible(False)
            ax.legend(loc="lower right", fontsize=14, frameon=False)
            fig.text(
                0.01, 0.005, f"Datenschutz: unter {MIN_PEOPLE} Personen „{SMALL}“ (Balken bei 0)", fontsize=11
            )
        if funnel is not None:
            draw_funnel(funnel_ax, funnel)
        fig.tight_layout(rect=(0, 0.02, 1, 1))
        fig.savefig(path, dpi=DPI, format="png")
    finally:
        plt.close(fig)


def draw_funnel(ax: Axes, funnel: FunnelReport) -> None:
    """The funnel's steps as bars from the top, each labelled with its count (``<5`` rule)."""
    steps = [STEP_NAMES[m] for m in MILESTONES][::-1]
    cells = protect(funnel).total[::-1]  # as the tables show them: "<5", and "x" where a total is hidden
    shown = [int(cell) if cell.isdigit() else 0 for cell in cells]
    bars = ax.barh(range(len(steps)), shown, 0.7, color="#2ca02c")
    ax.bar_label(bars, labels=cells, padding=3, fontsize=11)
    ax.set_yticks(range(len(steps)), steps, fontsize=11)
    ax.set_xlim(0, max([*shown, 1]) * 1.18)
    ax.set_title("Funnel: wie weit junge Menschen kommen", fontsize=14, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
