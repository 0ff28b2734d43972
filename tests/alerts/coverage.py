#!/usr/bin/env python3
"""Checks the alert rules against their promtool tests (tests/alerts/check.sh).

  coverage.py RULES_DIR TESTS_DIR

Every alert of every rules file must have: severity, summary, description and runbook;
a test case in which it fires (non-empty exp_alerts) and one in which it stays silent
(an alert_rule_test without exp_alerts); every rules file must be loaded by a test file.
Prints what is missing and exits 1 if anything is."""
import pathlib
import sys

import yaml

from rules_lib import alert_rules

rules_dir, tests_dir = map(pathlib.Path, sys.argv[1:3])
problems = []
alerts = {}  # name -> rules file
for path, rule in alert_rules(rules_dir):
    name = rule["alert"]
    if name in alerts:
        problems.append(f"{name}: defined twice ({alerts[name].name}, {path.name})")
    alerts[name] = path
    if rule.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
        problems.append(f"{name} ({path.name}): severity is not critical, warning or info")
    for key in ("summary", "description", "runbook"):
        if not rule.get("annotations", {}).get(key):
            problems.append(f"{name} ({path.name}): no {key} annotation")

fires, silent, loaded = set(), set(), set()
for path in sorted(tests_dir.glob("*.test.yml")):
    doc = yaml.safe_load(path.read_text())
    for rule_file in doc.get("rule_files", []):
        loaded.add((path.parent / rule_file).resolve())
    for case in doc.get("tests", []):
        for test in case.get("alert_rule_test", []):
            (fires if test.get("exp_alerts") else silent).add(test["alertname"])

for path in sorted(rules_dir.glob("*.yml")):
    if path.resolve() not in loaded:
        problems.append(f"{path.name}: no test file loads it")
for name, path in sorted(alerts.items()):
    if name not in fires:
        problems.append(f"{name} ({path.name}): no test in which it fires")
    if name not in silent:
        problems.append(f"{name} ({path.name}): no test in which it stays silent")
for name in sorted((fires | silent) - alerts.keys()):
    problems.append(f"{name}: tested but no rules file defines it")

for p in problems:
    print("alert coverage:", p, file=sys.stderr)
if not problems:
    print(f"alert coverage: {len(alerts)} alerts, each with a firing and a silent test, "
          f"{len(loaded)} rules files tested")
sys.exit(1 if problems else 0)
