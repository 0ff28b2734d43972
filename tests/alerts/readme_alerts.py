#!/usr/bin/env python3
"""The README's table of alerts, from the rules files (tests/alerts/check.sh keeps it current).

  readme_alerts.py RULES_DIR README           prints the table
  readme_alerts.py RULES_DIR README --check   exits 1 if the README's block differs
  readme_alerts.py RULES_DIR README --write   rewrites the README's block"""
import pathlib
import re
import sys

from rules_lib import alert_rules

BEGIN, END = "<!-- BEGIN generated:alerts -->", "<!-- END generated:alerts -->"


def plain(template):
    """Alert templates for a reader: {{ $labels.x }} -> <x>, {{ $value ... }} -> <value>."""
    text = re.sub(r"\{\{\s*\$labels\.(\w+)\s*\}\}", r"<\1>", template)
    text = re.sub(r"\{\{\s*\$value[^}]*\}\}", "<value>", text)
    text = re.sub(r"\{\{`(.*?)`\}\}", r"\1", text)
    text = " ".join(text.split()).replace("|", "\\|")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def table(rules_dir):
    rows = ["| alert | severity | for | fires when | first look |", "|---|---|---|---|---|"]
    for path, rule in alert_rules(rules_dir):
        a = rule["annotations"]
        rows.append(f"| `{rule['alert']}` ({path.stem.replace('.rules', '')}) | "
                    f"{rule['labels']['severity']} | {rule.get('for', '-')} | "
                    f"{plain(a['description'])} | {plain(a['runbook'])} |")
    return "\n".join(rows)


def main():
    rules_dir, readme = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else ""
    block = f"{BEGIN}\n{table(rules_dir)}\n{END}"
    text = readme.read_text()
    current = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), text, re.S)
    if mode == "--check":
        if not current or current.group(0) != block:
            print(f"{readme}: the alerts table is stale: run {sys.argv[0]} {rules_dir} {readme} --write",
                  file=sys.stderr)
            return 1
        return 0
    if mode == "--write":
        if not current:
            print(f"{readme}: no {BEGIN} ... {END} block", file=sys.stderr)
            return 1
        readme.write_text(text[:current.start()] + block + text[current.end():])
        return 0
    print(block)
    return 0


sys.exit(main())
