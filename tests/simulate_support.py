"""A labelled CSV for the simulation tests: relevant records share a vocabulary."""

from __future__ import annotations

import csv
import random
from pathlib import Path


def synthetic_csv(path: Path, label_column: str = "label_included") -> Path:
    """Relevant records share a topical vocabulary; irrelevant ones draw from another."""
    rng = random.Random(3)
    topic = "nudge default option behavioural choice architecture reminder uptake".split()
    other = (
        "protein kinase enzyme soil erosion galaxy orbit sediment lattice "
        "polymer catalyst neuron plasma glacier ozone turbine alloy"
    ).split()
    rows = []
    for i in range(120):
        relevant = i % 12 == 5
        words = rng.sample(topic if relevant else other, 5) + rng.sample(other, 2)
        rows.append(
            {
                "title": f"Study {i} " + " ".join(words[:3]),
                "abstract": " ".join(words),
                label_column: int(relevant),
            }
        )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["title", "abstract", label_column])
        writer.writeheader()
        writer.writerows(rows)
    return path
