#!/usr/bin/env python3
"""Unit tests of the dashboards' panel queries, as Ceph's monitoring mixin does them: each test
names a dashboard's panel by title (and a target by refId), the query is taken from the
committed JSON with its variables substituted, and `promtool test rules` evaluates it on the
test's input series against the expected samples.

  panel_tests.py --dashboards dashboards --tests tests/dashboards/panels

A test file (panels/<name>.yml):
  dashboard: swarm-overview.json
  groups:
    - variables: {stack: "shop"}        # optional; default: each variable's allValue
      input_series: [{series: ..., values: ...}]   # promtool's, at a 15s interval
      leader_series: [{series: ..., value: 1}]     # a constant written by the swarm leader:
                          # node1's collector until 5m, node2's from 5m (both at 5m, as
                          # in the scrape after a leader change), then node1's goes stale
      tests:
        - panel: Services
          target: A                     # optional, default A
          eval_time: 2m
          exp_samples: [{labels: "{}", value: 3}]
Coverage: every target of every stat, table and bar gauge panel, and of every panel whose
query joins (on/ignoring/group_left/group_right), has a test; the run fails otherwise.
"""
import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import promql  # noqa: E402

TESTED_TYPES = {"stat", "table", "bargauge", "gauge"}
# The two collectors that write the leader's series in turn, as target labels.
WRITERS = [('job="swarmscope",instance="node1",swarm_node_id="n1",swarm_node_name="node1"', "{v}x20 stale"),
           ('job="swarmscope",instance="node2",swarm_node_id="n2",swarm_node_name="node2"', "_x20 {v}x40")]
JOIN = re.compile(r"\b(on|ignoring|group_left|group_right)\s*\(")


def leader_written(entries):
    """leader_series entries as the input series of both writers."""
    out = []
    for e in entries:
        name, _, labels = e["series"].partition("{")
        labels = labels.rstrip("}")
        for target_labels, values in WRITERS:
            sep = "," if labels else ""
            out.append({"series": f"{name}{{{labels}{sep}{target_labels}}}",
                        "values": values.format(v=e["value"])})
    return out


def defaults(dash):
    return {v["name"]: v.get("allValue") or ".*" for v in dash["templating"]["list"]}


def panel_targets(dash):
    """{(title, refId): expr} of every panel."""
    out = {}
    for p in dash["panels"]:
        for t in p.get("targets", []):
            out[(p["title"], t["refId"])] = (p, t["expr"])
    return out


def must_test(panel, expr):
    return panel["type"] in TESTED_TYPES or bool(JOIN.search(expr))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dashboards", type=pathlib.Path, required=True)
    ap.add_argument("--tests", type=pathlib.Path, required=True)
    args = ap.parse_args()
    problems, covered, files = [], set(), []
    dashboards = {p.name: json.loads(p.read_text()) for p in sorted(args.dashboards.glob("*.json"))}
    work = pathlib.Path(tempfile.mkdtemp(prefix="swarmscope-panels."))
    cases = 0
    for test_file in sorted(args.tests.glob("*.yml")):
        spec = yaml.safe_load(test_file.read_text())
        name = spec["dashboard"]
        if name not in dashboards:
            problems.append(f"{test_file.name}: no dashboard {name}")
            continue
        dash = dashboards[name]
        targets = panel_targets(dash)
        groups = []
        for g in spec["groups"]:
            values = defaults(dash)
            values.update(g.get("variables", {}))
            exprs = []
            for t in g["tests"]:
                key = (t["panel"], t.get("target", "A"))
                if key not in targets:
                    problems.append(f"{test_file.name}: {name} has no panel {key[0]!r} with target {key[1]}")
                    continue
                covered.add((name, *key))
                exprs.append({"expr": promql.substitute(targets[key][1], values),
                              "eval_time": t["eval_time"], "exp_samples": t["exp_samples"]})
                cases += 1
            series = g.get("input_series", []) + leader_written(g.get("leader_series", []))
            groups.append({"interval": "15s", "input_series": series,
                           "promql_expr_test": exprs})
        out = work / (test_file.stem + ".test.yml")
        out.write_text(yaml.safe_dump({"rule_files": [], "evaluation_interval": "15s",
                                       "tests": groups}, sort_keys=False))
        files.append(out)
    for name, dash in dashboards.items():
        for (title, ref), (panel, expr) in panel_targets(dash).items():
            if must_test(panel, expr) and (name, title, ref) not in covered:
                problems.append(f"{name}: panel {title!r} target {ref} ({panel['type']}"
                                f"{', a join' if JOIN.search(expr) else ''}) has no unit test")
    if files:
        r = subprocess.run(["promtool", "test", "rules", *map(str, files)], capture_output=True,
                           text=True, cwd=work)
        if r.returncode != 0:
            print(r.stdout + r.stderr)
            problems.append("promtool test rules failed (above)")
    shutil.rmtree(work)
    for p in problems:
        print("FAIL:", p)
    print(f"panel tests: {cases} cases in {len(files)} files, {len(covered)} targets covered: "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
