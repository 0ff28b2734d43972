"""What the dashboard and rule checks need to know of PromQL and of Grafana's variables:
substituting variables the way Grafana does, and the metric names an expression reads."""
import re

# Grafana's built-in interval variables, as the provisioned datasource (timeInterval 15s)
# makes them: $__rate_interval is 4 x the scrape interval.
BUILTINS = {
    "__rate_interval": "1m",
    "__interval": "15s",
    "__range": "1h",
    "__interval_ms": "15000",
    "__range_s": "3600",
}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset", "inf", "nan", "atan2"}
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def substitute(expr, values):
    """expr with $var, ${var} and [[var]] replaced from values (Grafana's built-ins included)."""
    table = dict(BUILTINS)
    table.update(values)

    def one(m):
        name = m.group(1) or m.group(2) or m.group(3)
        name = name.split(":")[0]
        if name not in table:
            raise KeyError(f"variable ${name} has no value")
        return table[name]

    return re.sub(r"\$\{([a-zA-Z_][a-zA-Z0-9_:]*)\}|\$([a-zA-Z_][a-zA-Z0-9_]*)|\[\[([a-zA-Z_][a-zA-Z0-9_]*)\]\]",
                  one, expr)


def variables_of(expr):
    return {m.split(":")[0] for m in re.findall(r"\$\{?([a-zA-Z_][a-zA-Z0-9_:]*)\}?", expr)}


def _strip(expr):
    """expr without strings, label matchers, durations and label lists."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r" ", expr)
    return expr


def metric_names(expr):
    """The metric names an expression selects (identifiers that are neither functions,
    keywords, nor numbers)."""
    out = set()
    text = _strip(expr)
    for m in NAME.finditer(text):
        name = m.group(0)
        rest = text[m.end():].lstrip()
        if rest.startswith("("):
            continue  # a function or aggregation
        if name.lower() in KEYWORDS:
            continue
        if m.start() > 0 and (text[m.start() - 1].isdigit() or text[m.start() - 1] == "."):
            continue  # 1e3, 0x..., durations left in offsets
        out.add(name)
    # {__name__="..."} selectors
    out.update(re.findall(r'__name__\s*=\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"', expr))
    return out


def label_values_parts(query):
    """label_values(selector, label) / label_values(label) -> (selector or None, label);
    query_result(expr) -> (expr, None); None for other variable queries."""
    m = re.fullmatch(r"\s*label_values\(\s*(?:(.*),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*", query)
    if m:
        return m.group(1), m.group(2)
    m = re.fullmatch(r"\s*query_result\((.*)\)\s*", query)
    if m:
        return m.group(1), None
    return None
