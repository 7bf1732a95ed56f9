"""The installed review command and a clean environment to run it in as a subprocess."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


REVIEW = Path(sys.executable).parent / "review"


ENV = {k: v for k, v in os.environ.items() if k != "REVIEW_PROJECT"} | {
    "HF_HUB_OFFLINE": "1",
    "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
}
