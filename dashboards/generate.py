#!/usr/bin/env python3
"""Renders the dashboards in dashboards/src/ to dashboards/*.json (what Grafana provisions
and what users import). The JSON is committed; tests/dashboards/check.sh runs this with
--check, which fails when a committed file differs from what the source renders.
  dashboards/generate.py            write dashboards/*.json
  dashboards/generate.py --check    compare, write nothing
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "src"))

import ceph  # noqa: E402
import keepalived  # noqa: E402
import nodes  # noqa: E402
import overview  # noqa: E402
import services  # noqa: E402
import swarmscope  # noqa: E402

# file name -> the module whose build() renders it
DASHBOARDS = {
    "swarm-overview.json": overview,
    "swarm-nodes.json": nodes,
    "swarm-services.json": services,
    "ceph.json": ceph,
    "keepalived.json": keepalived,
    "swarmscope.json": swarmscope,
}


def render(module):
    return json.dumps(module.build(), indent=2, ensure_ascii=False) + "\n"


def main(argv):
    check = "--check" in argv
    out_dir = HERE
    for arg in argv:
        if arg.startswith("--out="):
            out_dir = pathlib.Path(arg[len("--out="):])
    stale = []
    for name, module in DASHBOARDS.items():
        text = render(module)
        path = out_dir / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print("dashboards differ from dashboards/src (run dashboards/generate.py): " + ", ".join(stale))
        return 1
    if check:
        print(f"{len(DASHBOARDS)} dashboards match dashboards/src")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
