#!/usr/bin/env python3
"""Every panel query of the given dashboards, evaluated on a live Prometheus (real data): the
variables are resolved as Grafana resolves them (label_values() through Prometheus' API;
"All" is the variable's allValue, a variable without "All" takes its first value), and each
target is run as a range query over the last minutes. Fails when a variable has no value or
a query returns nothing, unless the panel is listed in the --empty file as showing data only
during a failure (with the reason); a listed panel that does answer is reported, not failed.

  evaluate.py --prometheus http://127.0.0.1:9090 --empty tests/dashboards/e2e_empty.yml \
      dashboards/swarm-overview.json ...
"""
import argparse
import json
import pathlib
import sys
import time
import urllib.parse
import urllib.request

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import promql  # noqa: E402


def api(base, path, params):
    url = f"{base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
    with urllib.request.urlopen(url, timeout=30) as r:
        doc = json.load(r)
    if doc.get("status") != "success":
        raise RuntimeError(f"{path}: {doc}")
    return doc["data"]


def resolve_variables(base, dash, problems):
    values = {}
    for v in dash["templating"]["list"]:
        if v["type"] == "datasource":
            continue
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        selector, label = promql.label_values_parts(q)
        params = {}
        if selector:
            params["match[]"] = promql.substitute(selector, values)
        found = api(base, f"/api/v1/label/{label}/values", params)
        if not found:
            problems.append(f"{dash['title']}: variable {v['name']} ({q}) has no value")
            values[v["name"]] = v.get("allValue") or ".*"
            continue
        values[v["name"]] = v["allValue"] if v.get("includeAll") else found[0]
    return values


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--empty", type=pathlib.Path, required=True)
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("dashboards", nargs="+", type=pathlib.Path)
    args = ap.parse_args()
    allowed = yaml.safe_load(args.empty.read_text()) or {}
    problems, answered, listed = [], 0, []
    end = time.time()
    start = end - 60 * args.minutes
    for path in args.dashboards:
        dash = json.loads(path.read_text())
        may_be_empty = allowed.get(path.name, {}) or {}
        values = resolve_variables(args.prometheus, dash, problems)
        for p in dash["panels"]:
            for t in p.get("targets", []):
                expr = promql.substitute(t["expr"], values)
                where = f"{path.name}: panel {p['title']!r} {t['refId']}"
                try:
                    result = api(args.prometheus, "/api/v1/query_range",
                                 {"query": expr, "start": start, "end": end, "step": 15})["result"]
                except Exception as e:  # noqa: BLE001 - reported as a failure of this query
                    problems.append(f"{where}: query failed: {e}")
                    continue
                if result:
                    answered += 1
                    if p["title"] in may_be_empty:
                        print(f"note: {where} answers although listed as failure-only "
                              f"({may_be_empty[p['title']]})")
                elif p["title"] in may_be_empty:
                    listed.append(f"{where}: no data, as listed: {may_be_empty[p['title']]}")
                else:
                    problems.append(f"{where} returned nothing: {expr}")
        for title in may_be_empty:
            if not any(p["title"] == title for p in dash["panels"]):
                problems.append(f"{path.name}: {args.empty.name} lists {title!r}, which is no panel")
    for line in listed:
        print(line)
    for p in problems:
        print("FAIL:", p)
    print(f"dashboards on real data: {answered} queries answered, {len(listed)} failure-only "
          f"panels without data, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
