"""Items per second of ``review zotero import`` through pyzotero and a local API server.

Builds a library of N synthetic items (copies of the recorded fixture items
with new keys), serves it with tests/zotero_server.py and times a full sync
(fetch pages of 100, map, one transaction), then an incremental sync after
changing 1% of the items.

    .venv/bin/python bench/zotero_import.py [N]
"""

from __future__ import annotations

import copy
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from review.core.project import init_project  # noqa: E402
from review.sync.zotero_client import ZoteroClient, parse_library  # noqa: E402
from review.sync.zotero_import import sync  # noqa: E402
from tests.zotero_server import ZoteroServer, load_fixture  # noqa: E402


def main(n: int = 2000) -> None:
    base = load_fixture("items_doc.json")
    items = []
    for i in range(n):
        item = copy.deepcopy(base[i % len(base)])
        key = f"B{i:07d}"
        item["key"] = item["data"]["key"] = key
        item["data"]["title"] = f"{item['data']['title']} ({i})"
        items.append(item)
    with (
        ZoteroServer(api_key="bench-key", items=items) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        project = init_project(Path(tmp) / "rev", "generic", None)
        with project.connect() as db:
            client = ZoteroClient(parse_library("user:475425"), "bench-key", endpoint=server.url)
            start = time.perf_counter()
            res = sync(db, project.root, client)
            secs = time.perf_counter() - start
            rate = res.added / secs
            print(f"zotero import: {res.added} items in {secs:.2f} s ({rate:.0f} items/s)")
            for item in items[: max(1, n // 100)]:
                server.update_item(item["key"], title=item["data"]["title"] + " v2")
            start = time.perf_counter()
            res = sync(db, project.root, client)
            secs = time.perf_counter() - start
            print(
                f"zotero incremental sync: {res.fetched} changed of {n} in {secs:.2f} s "
                f"({res.updated} updated)"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
