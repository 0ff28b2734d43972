#!/usr/bin/env python3
"""Lint for the Grafana dashboards (dashboards/*.json) and the alert rules.

  lint.py --dashboards DIR --rules DIR --readme README.md --ceph-fixture mgr_metrics.prom

Dashboards: valid JSON; schemaVersion 39; unique uid and title; the `datasource` variable
(type datasource, prometheus) and every panel and target on it; core panel types only (no
Angular); unique panel ids and titles; a unit and a description on every panel; rate() and
irate() over $__rate_interval; every query and variable query parses (promtool, with the
variables substituted). Dashboards and rules: every metric they read is documented: the
README's metric tables, Ceph's per-daemon families (named after the daemons' counters, so
checked against a real mgr module output), node-exporter's `node_*`, Prometheus' own series,
and the rules' recorded names. Exits 1 listing every problem.
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import promql  # noqa: E402

CORE_PANELS = {"timeseries", "stat", "gauge", "bargauge", "table", "state-timeline",
               "status-history", "piechart", "heatmap", "text", "row", "barchart", "histogram",
               "logs", "nodeGraph", "geomap", "xychart", "trend", "candlestick", "canvas",
               "news", "dashlist", "alertlist", "annolist"}
NO_DATASOURCE = {"row", "text", "dashlist", "alertlist", "annolist", "news"}
DS = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                  "scrape_samples_post_metric_relabeling", "scrape_series_added", "ALERTS",
                  "ALERTS_FOR_STATE"}
# Ceph's per-daemon families (from the daemons' admin sockets) are named after their
# counters: ceph_<daemon type>_<counter path>.
CEPH_DAEMON = re.compile(r"ceph_(osd|mon|mds|rgw|rbd_mirror|tcmu_runner|paxos|mgr|bluestore|"
                         r"bluefs|rocksdb|objecter|throttle|finisher|AsyncMessenger)_")


def documented(readme, ceph_fixture):
    names = set()
    for line in readme.read_text().splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            for name in re.findall(r"`([a-zA-Z_:][a-zA-Z0-9_:]*)`", first):
                names.add(name)
                kind = line.split("|")[2].strip() if len(line.split("|")) > 2 else ""
                if kind == "histogram":
                    names.update({name + "_bucket", name + "_sum", name + "_count"})
    daemon = set()
    for line in ceph_fixture.read_text().splitlines():
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", line)
        if m and CEPH_DAEMON.match(m.group(1)):
            daemon.add(m.group(1))
    return names, daemon


def known(name, names, daemon, recorded):
    return (name in names or name in daemon or name in recorded or name in PROMETHEUS_OWN
            or name.startswith("node_"))


def promtool_parses(exprs):
    """{expr: error} for the expressions promtool rejects (an empty dict when all parse)."""
    if not exprs:
        return {}

    def run(batch):
        doc = {"groups": [{"name": "q", "rules": [{"record": f"q{i}", "expr": e}
                                                  for i, e in enumerate(batch)]}]}
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
            yaml.safe_dump(doc, f)
        r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
        pathlib.Path(f.name).unlink()
        return r.returncode == 0, (r.stdout + r.stderr).strip()

    good, _ = run(exprs)
    if good:
        return {}
    bad = {}
    for e in exprs:
        ok, out = run([e])
        if not ok:
            bad[e] = out.splitlines()[-1] if out else "rejected"
    return bad


def variable_values(dash):
    """A value for every variable, as Grafana would send it for "All" (its allValue) or for
    a single choice (a regex matching anything, for the parse check only)."""
    values = {}
    for v in dash.get("templating", {}).get("list", []):
        values[v["name"]] = v.get("allValue") or ".*"
    return values


def panels_of(dash):
    for p in dash.get("panels", []):
        yield p
        for q in p.get("panels", []):
            yield q


def lint_dashboard(path, problems, names, daemon, recorded, seen_uids, seen_titles, exprs):
    where = path.name
    try:
        dash = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        problems.append(f"{where}: not valid JSON: {e}")
        return
    if dash.get("schemaVersion") != SCHEMA_VERSION:
        problems.append(f"{where}: schemaVersion {dash.get('schemaVersion')}, not {SCHEMA_VERSION}")
    uid, title = dash.get("uid"), dash.get("title")
    if not uid or not re.fullmatch(r"[a-z0-9-]{1,40}", uid):
        problems.append(f"{where}: uid {uid!r} is missing or not a stable short name")
    if uid in seen_uids:
        problems.append(f"{where}: uid {uid} also in {seen_uids[uid]}")
    seen_uids[uid] = where
    if title in seen_titles:
        problems.append(f"{where}: title {title!r} also in {seen_titles[title]}")
    seen_titles[title] = where
    if "__inputs" in dash:
        problems.append(f"{where}: __inputs (${{DS_...}}) works only for a UI import; use the datasource variable")
    variables = dash.get("templating", {}).get("list", [])
    ds_vars = [v for v in variables if v.get("type") == "datasource"]
    if not any(v.get("name") == "datasource" and v.get("query") == "prometheus" for v in ds_vars):
        problems.append(f"{where}: no `datasource` variable of type datasource (query prometheus)")
    values = variable_values(dash)
    for v in variables:
        if v.get("type") != "query":
            continue
        if v.get("datasource") != DS:
            problems.append(f"{where}: variable {v['name']} not on the datasource variable")
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        parts = promql.label_values_parts(q or "")
        if parts is None:
            problems.append(f"{where}: variable {v['name']}: query {q!r} is not label_values()/query_result()")
            continue
        if parts[0]:
            try:
                expr = promql.substitute(parts[0], values)
            except KeyError as e:
                problems.append(f"{where}: variable {v['name']}: {e.args[0]}")
                continue
            exprs.setdefault(expr, f"{where}: variable {v['name']}")
            for name in promql.metric_names(parts[0]):
                if not known(name, names, daemon, recorded):
                    problems.append(f"{where}: variable {v['name']} reads {name}, which the README does not document")
    ids, titles = set(), set()
    for p in panels_of(dash):
        kind, ptitle = p.get("type"), p.get("title", "")
        label = f"{where}: panel {ptitle!r}"
        if kind not in CORE_PANELS:
            problems.append(f"{label}: type {kind!r} is not a core panel (Angular panels do not render in Grafana 11+)")
        if p.get("id") in ids:
            problems.append(f"{label}: id {p.get('id')} used twice")
        ids.add(p.get("id"))
        if kind != "row":
            if ptitle in titles or not ptitle:
                problems.append(f"{label}: title empty or used twice")
            titles.add(ptitle)
        if kind in NO_DATASOURCE:
            continue
        if p.get("datasource") != DS:
            problems.append(f"{label}: datasource is {p.get('datasource')!r}, not the datasource variable")
        if not p.get("description"):
            problems.append(f"{label}: no description")
        if not p.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            problems.append(f"{label}: no unit (fieldConfig.defaults.unit)")
        targets = p.get("targets") or []
        if not targets:
            problems.append(f"{label}: no query")
        for t in targets:
            if t.get("datasource") != DS:
                problems.append(f"{label} {t.get('refId')}: target not on the datasource variable")
            expr = t.get("expr", "")
            for fn, window in re.findall(r"\b(rate|irate)\s*\([^\[]*\[([^\]]*)\]", expr):
                if window != "$__rate_interval":
                    problems.append(f"{label}: {fn}() over [{window}], not [$__rate_interval]")
            try:
                exprs.setdefault(promql.substitute(expr, values), f"{label} {t.get('refId')}")
            except KeyError as e:
                problems.append(f"{label}: {e.args[0]}")
            for name in promql.metric_names(expr):
                if not known(name, names, daemon, recorded):
                    problems.append(f"{label}: reads {name}, which the README does not document")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dashboards", type=pathlib.Path, required=True)
    ap.add_argument("--rules", type=pathlib.Path, required=True)
    ap.add_argument("--readme", type=pathlib.Path, required=True)
    ap.add_argument("--ceph-fixture", type=pathlib.Path, required=True)
    args = ap.parse_args()
    names, daemon = documented(args.readme, args.ceph_fixture)
    problems = []
    recorded, rule_exprs = set(), []
    for path in sorted(args.rules.glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "record" in rule:
                    recorded.add(rule["record"])
                rule_exprs.append((f"{path.name}: {rule.get('alert') or rule.get('record')}", rule["expr"]))
    for where, expr in rule_exprs:
        for name in promql.metric_names(expr):
            if not known(name, names, daemon, recorded):
                problems.append(f"{where}: reads {name}, which the README does not document")
    files = sorted(args.dashboards.glob("*.json"))
    if not files:
        problems.append(f"no dashboard in {args.dashboards}")
    exprs, uids, titles = {}, {}, {}
    for path in files:
        lint_dashboard(path, problems, names, daemon, recorded, uids, titles, exprs)
    for expr, err in promtool_parses(list(exprs)).items():
        problems.append(f"{exprs[expr]}: promtool does not parse {expr!r}: {err}")
    for p in problems:
        print("FAIL:", p)
    n_panels = sum(1 for f in files for p in panels_of(json.loads(f.read_text())) if p.get("type") != "row") \
        if not any("not valid JSON" in p for p in problems) else 0
    print(f"lint: {len(files)} dashboards, {n_panels} panels, {len(exprs)} queries, "
          f"{len(rule_exprs)} rules: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
