"""The dashboard's chart: clicks (bars) and posts (line) per day, as a PNG readable on a phone.

matplotlib is imported only here, on first use (about 1 s), headless (Agg). ``daily_chart``
returns the image and the series it plotted, so that a test can check the figures beside the
picture.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from shopping_bot import texts
from shopping_bot.stats import Dashboard

_LOCK = threading.Lock()  # pyplot's state is global: one chart at a time


def daily_chart(board: Dashboard) -> tuple[bytes, list[dict[str, Any]]]:
    """PNG bytes and the series: one point per day of the period (day, posts, clicks)."""
    series = [{"day": d.isoformat(), "posts": p, "clicks": c} for d, p, c in board.daily]
    with _LOCK:
        import matplotlib

        matplotlib.use("Agg", force=True)
        from matplotlib import pyplot as plt
        from matplotlib.ticker import MaxNLocator

        plt.rcParams.update({"font.size": 16, "axes.titlesize": 20, "axes.labelsize": 16})
        fig, ax = plt.subplots(figsize=(10, 6.5), dpi=120)
        try:
            days = [d for d, _, _ in board.daily]
            labels = [d.strftime("%d.%m") for d in days]
            positions = list(range(len(days)))
            ax.bar(positions, [c for _, _, c in board.daily], color="#2E86DE",
                   label=texts.CHART_CLICKS)
            ax.set_ylabel(texts.CHART_CLICKS)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax2 = ax.twinx()
            ax2.plot(positions, [p for _, p, _ in board.daily], color="#E67E22", marker="o",
                     linewidth=3, label=texts.CHART_POSTS)
            ax2.set_ylabel(texts.CHART_POSTS)
            ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax2.set_ylim(bottom=0)
            step = max(1, len(days) // 8)
            ax.set_xticks(positions[::step])
            ax.set_xticklabels(labels[::step], rotation=45, ha="right")
            ax.set_title(texts.CHART_TITLE.format(first=board.period.first.strftime("%d.%m.%Y"),
                                                  last=board.period.last.strftime("%d.%m.%Y")))
            handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
            fig.legend(handles, [texts.CHART_CLICKS, texts.CHART_POSTS], loc="lower center",
                       ncol=2, frameon=False)
            ax.grid(axis="y", alpha=0.3)
            fig.tight_layout(rect=(0, 0.07, 1, 1))
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
        finally:
            plt.close(fig)
    return buffer.getvalue(), series
