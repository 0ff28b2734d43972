#!/usr/bin/env python3
"""No private key, password hash, token or literal password in a git repository's files.

    secret_scan.py REPO [--allowlist FILE]

Scans every file git has or would add (`git ls-files -co --exclude-standard`: the tracked
ones and the new ones a `git add -A` would commit), text files only, and every line any
commit reachable from a ref added (`git log --all -p`). A hit is printed as PATH:LINE: RULE
(PATH:COMMIT:LINE: RULE in the history) and makes the exit status 1, unless the allowlist
names it.

The allowlist has one entry a line, `PATH RULE  # why`; the reason is required, and an entry
that matches nothing is an error too (a stale exception hides the next real one).
Credentials belong in swarm secrets made from files outside the repository
(provisioning/htpasswd.sh, provisioning/lab-certificate.sh) or in variables.
"""
import re
import subprocess
import sys

RULES = [
    ("private-key", re.compile(r"-----BEGIN ((RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----")),
    ("bcrypt-hash", re.compile(r"\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}")),
    ("md5-crypt-hash", re.compile(r"\$(apr1|1)\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}")),
    ("sha-crypt-hash", re.compile(r"\$[56]\$(rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}")),
    ("htpasswd-sha1", re.compile(r":\{SHA\}[A-Za-z0-9+/]{27}=")),
    ("swarm-join-token", re.compile(r"SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}")),
    ("github-token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,})")),
    ("aws-access-key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("slack-token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("grafana-token", re.compile(r"\bglsa_[A-Za-z0-9]{32}_[0-9a-f]{8}\b")),
    ("npm-token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20}\b")),
]
# A literal value for a password-like key in configuration files (stack files,
# .env, *.conf): a variable, a file path, a template or an empty value is fine.
CONFIG_FILE = re.compile(r"(\.(ya?ml|env|conf|ini|toml|properties)|(^|/)\.env[^/]*)$")
PASSWORD_KEY = re.compile(
    r"""(?ix)^\s*-?\s*["']?([a-z0-9_.-]*(password|passwd|secret|token|api[_-]?key)[a-z0-9_.-]*)["']?
        \s*[:=]\s*["']?([^\s"'#]*)""")
SAFE_VALUE = re.compile(r"^($|\$|/|\{\{|<|\*|true$|false$|null$|~$|none$|changeme$)", re.I)


def files(repo):
    out = subprocess.run(["git", "-C", repo, "ls-files", "-z", "-co", "--exclude-standard"],
                         check=True, capture_output=True).stdout
    return sorted({p for p in out.decode().split("\0") if p})


def scan(repo):
    hits = []
    for path in files(repo):
        try:
            with open(f"{repo}/{path}", "rb") as f:
                data = f.read(4 << 20)
        except (IsADirectoryError, FileNotFoundError):
            continue  # a submodule, or deleted in the work tree
        if b"\0" in data:
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            hits += [(path, number, rule) for rule in line_hits(path, line)]
    return hits


def scan_history(repo):
    """The lines every commit reachable from a ref added: a secret that was committed once
    stays in the history (and in every clone) after a later commit removes it."""
    log = subprocess.run(["git", "-C", repo, "log", "--all", "-p", "--no-color", "--no-ext-diff",
                          "--format=commit %H"], check=True, capture_output=True).stdout
    hits, commit, path, number = [], "", "", 0
    for line in log.decode("utf-8", "replace").splitlines():
        if line.startswith("commit "):
            commit = line[7:19]
        elif line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else ""
        elif line.startswith("@@"):
            m = re.search(r"\+(\d+)", line)
            number = int(m.group(1)) - 1 if m else 0
        elif line.startswith("+") and path:
            number += 1
            hits += [(path, f"{commit}:{number}", rule) for rule in line_hits(path, line[1:])]
        elif line.startswith(" "):
            number += 1
    return hits


def line_hits(path, line):
    rules = [name for name, rx in RULES if rx.search(line)]
    if CONFIG_FILE.search(path):
        m = PASSWORD_KEY.match(line)
        if m and not SAFE_VALUE.match(m.group(3)) and not m.group(1).lower().endswith(("_file", "file")):
            rules.append("literal-password")
    return rules


def load_allowlist(path):
    entries, errors = {}, []
    for number, line in enumerate(open(path), 1):
        body, _, why = line.partition("#")
        if not body.strip():
            continue
        parts = body.split()
        if len(parts) != 2 or not why.strip():
            errors.append(f"{path}:{number}: expected `PATH RULE  # why`")
            continue
        entries[tuple(parts)] = 0
    return entries, errors


def main(argv):
    if not argv or argv[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    repo = argv[0]
    allow, errors = {}, []
    if len(argv) == 3 and argv[1] == "--allowlist":
        allow, errors = load_allowlist(argv[2])
    elif len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    hits = scan(repo) + scan_history(repo)
    for path, number, rule in hits:
        if (path, rule) in allow:
            allow[(path, rule)] += 1
        else:
            errors.append(f"{path}:{number}: {rule}")
    errors += [f"allowlist: {p} {r} matches nothing" for (p, r), n in allow.items() if n == 0]
    for e in errors:
        print(e)
    if errors:
        return 1
    commits = subprocess.run(["git", "-C", repo, "rev-list", "--all", "--count"], capture_output=True,
                             text=True).stdout.strip() or "0"
    print(f"secret_scan: {len(files(repo))} files and {commits} commits, no secret "
          f"({sum(allow.values())} allowlisted)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
