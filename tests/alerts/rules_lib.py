"""Reading the rules files, for coverage.py and readme_alerts.py."""
import yaml


def alert_rules(rules_dir):
    """(path, rule) for every alerting rule of every *.yml under rules_dir, in file order."""
    for path in sorted(rules_dir.glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    yield path, rule
