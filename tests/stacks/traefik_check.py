#!/usr/bin/env python3
"""Static check of the traefik v3 configuration of the stacks (no traefik runs here).

    traefik_check.py --traefik NAME=MERGED.yml [--stack NAME=MERGED.yml ...]

Every MERGED.yml is a stack as `docker stack deploy` reads it: the output of
`docker-compose -f docker-stack.yml [-f override.yml] config` (variables substituted,
overrides merged, file paths absolute). NAME is the stack's name (networks without a `name:`
are NAME_<key>). The --traefik stack holds the service `traefik`; its static configuration is
its command line (--key=value, case-insensitive as traefik reads it), its dynamic
configuration the files its file provider reads (swarm configs mounted in
--providers.file.directory or at --providers.file.filename).

Checked: the static configuration (known sections only, the swarm provider of v3 with
exposedByDefault=false and its socket mounted read-only, entrypoints' addresses, redirections
and resolvers, certificate resolvers with storage and a challenge, the metrics and ping
entrypoints); every service's traefik labels (under deploy.labels: swarm's service labels,
which the swarm provider reads; no v1/v2-only key; traefik.enable=true; the network label
names a network both the service and traefik are on; every router has a rule that parses
as a v3 rule, entrypoints that exist (with TLS where web redirects to), a service that
exists and has a loadbalancer.server.port, middlewares, TLS options and a resolver that
exist (NAME, NAME@swarm, NAME@file, NAME@internal); middlewares of known v3 types, basic
auth users from a file traefik has mounted, never inline). Errors are printed one a line,
exit status 1.
"""
import ipaddress
import re
import sys

import yaml

INTERNAL_SERVICES = {"api", "dashboard", "prometheus", "ping", "noop", "acme-http"}
STATIC_ROOTS = {"global", "serverstransport", "tcpserverstransport", "entrypoints", "providers",
                "api", "metrics", "ping", "log", "accesslog", "tracing", "hostresolver",
                "certificatesresolvers", "experimental", "core", "spiffe", "ocsp"}
MIDDLEWARE_TYPES = {"addprefix", "basicauth", "buffering", "chain", "circuitbreaker", "compress",
                    "contenttype", "digestauth", "errors", "forwardauth", "grpcweb", "headers",
                    "ipallowlist", "inflightreq", "passtlsclientcert", "plugin", "ratelimit",
                    "redirectregex", "redirectscheme", "replacepath", "replacepathregex", "retry",
                    "stripprefix", "stripprefixregex"}
REMOVED_MIDDLEWARES = {"ipwhitelist": "ipAllowList (renamed in v3)",
                       "headers.sslredirect": "redirectScheme (removed in v3)"}
ROUTER_OPTIONS = re.compile(r"^(rule|rulesyntax|entrypoints|middlewares|service|priority|tls|"
                            r"tls\.certresolver|tls\.options|tls\.domains\[\d+\]\.(main|sans)|"
                            r"observability\.(accesslogs|metrics|tracing))$")
SERVICE_OPTIONS = re.compile(r"^loadbalancer\.(server\.(port|scheme|url)|passhostheader|"
                             r"serverstransport|healthcheck\.\w+|sticky\.cookie(\.\w+)?|"
                             r"responseforwarding\.flushinterval)$")
# v1 and v2 label keys that v3's swarm provider does not read.
OLD_LABELS = [
    (re.compile(r"^traefik\.(frontend|backend)\."), "a traefik v1 label (v3 reads traefik.http.*)"),
    (re.compile(r"^traefik\.(port|protocol|weight|tags)$"),
     "a traefik v1 label (v3: traefik.http.services.NAME.loadbalancer.server.port/.scheme)"),
    (re.compile(r"^traefik\.docker\."), "a v2 docker-provider label (v3's swarm provider reads traefik.swarm.*)"),
]
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"}
# v3 matchers: name -> allowed numbers of arguments.
MATCHERS = {"Host": {1}, "HostRegexp": {1}, "Path": {1}, "PathPrefix": {1}, "PathRegexp": {1},
            "Method": {1}, "Header": {2}, "HeaderRegexp": {2}, "Query": {2},
            "QueryRegexp": {2}, "ClientIP": {1}}


class RuleError(Exception):
    pass


def tokenize(rule):
    tokens, i = [], 0
    while i < len(rule):
        c = rule[i]
        if c.isspace():
            i += 1
        elif c in "`\"":
            end = rule.find(c, i + 1)
            if end < 0:
                raise RuleError(f"unterminated {c}-quoted string at {i}")
            tokens.append(("str", rule[i + 1:end]))
            i = end + 1
        elif rule.startswith("&&", i) or rule.startswith("||", i):
            tokens.append((rule[i:i + 2], None))
            i += 2
        elif c in "()!,":
            tokens.append((c, None))
            i += 1
        elif c.isalpha():
            j = i
            while j < len(rule) and rule[j].isalnum():
                j += 1
            tokens.append(("name", rule[i:j]))
            i = j
        else:
            raise RuleError(f"unexpected {c!r} at {i}")
    return tokens


class RuleParser:
    """expr := and ('||' and)*; and := unary ('&&' unary)*;
    unary := '!' unary | '(' expr ')' | Matcher '(' string (',' string)* ')'"""

    def __init__(self, rule):
        self.tokens = tokenize(rule)
        self.pos = 0
        self.matchers = []

    def peek(self):
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else "end"

    def take(self, kind):
        if self.peek() != kind:
            raise RuleError(f"expected {kind}, found {self.peek()}")
        self.pos += 1
        return self.tokens[self.pos - 1][1]

    def parse(self):
        if not self.tokens:
            raise RuleError("empty rule")
        self.expr()
        if self.peek() != "end":
            raise RuleError(f"unexpected {self.peek()} after the expression")
        return self.matchers

    def expr(self):
        self.conj()
        while self.peek() == "||":
            self.take("||")
            self.conj()

    def conj(self):
        self.unary()
        while self.peek() == "&&":
            self.take("&&")
            self.unary()

    def unary(self):
        if self.peek() == "!":
            self.take("!")
            self.unary()
        elif self.peek() == "(":
            self.take("(")
            self.expr()
            self.take(")")
        else:
            self.matcher()

    def matcher(self):
        name = self.take("name")
        if name not in MATCHERS:
            raise RuleError(f"unknown matcher {name} (v3 has {', '.join(sorted(MATCHERS))})")
        self.take("(")
        args = [self.take("str")]
        while self.peek() == ",":
            self.take(",")
            args.append(self.take("str"))
        self.take(")")
        if len(args) not in MATCHERS[name]:
            hint = " (v2's several hosts: Host(`a`) || Host(`b`))" if name.startswith("Host") else ""
            raise RuleError(f"{name} takes {'/'.join(map(str, sorted(MATCHERS[name])))} argument(s) "
                            f"in v3, not {len(args)}{hint}")
        check_matcher(name, args)
        self.matchers.append((name, args))


def check_matcher(name, args):
    value = args[0]
    if value == "":
        raise RuleError(f"{name} with an empty argument")
    if name == "Host" and not re.fullmatch(r"[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?", value):
        raise RuleError(f"Host(`{value}`) is not a host name (no scheme, port or path)")
    if name in ("Path", "PathPrefix") and not value.startswith("/"):
        raise RuleError(f"{name}(`{value}`) does not start with /")
    if name == "Method" and value not in METHODS:
        raise RuleError(f"Method(`{value}`) is not an HTTP method")
    if name == "ClientIP":
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise RuleError(f"ClientIP(`{value}`) is not an IP address or CIDR range") from None
    if name.startswith(("Host", "Path")) and re.search(r"\{\w+:", value):
        raise RuleError(f"{name}(`{value}`): v2's {{name:regexp}} placeholders are gone in v3 "
                        "(HostRegexp/PathRegexp take a plain Go regexp)")
    if name.endswith("Regexp"):
        try:
            re.compile(args[-1])
        except re.error as e:
            raise RuleError(f"{name}: bad regular expression {args[-1]!r}: {e}") from None


def parse_rule(rule):
    """The matchers of a v3 rule, [(name, [args])]; RuleError when it does not parse."""
    return RuleParser(rule).parse()


def static_config(command):
    """--key=value arguments as {lowercased dotted key: value} (a bare --key is "true")."""
    conf, errors = {}, []
    for arg in command or []:
        if not arg.startswith("--"):
            errors.append(f"static configuration: {arg!r} is not a --key=value argument")
            continue
        key, _, value = arg[2:].partition("=")
        conf[key.lower()] = value if "=" in arg else "true"
    return conf, errors


def network_names(stack, doc, service):
    nets = service.get("networks") or {}
    keys = nets if isinstance(nets, list) else list(nets)
    defined = doc.get("networks") or {}
    return {((defined.get(k) or {}).get("name") or f"{stack}_{k}") for k in keys}


def port_of(address):
    m = re.fullmatch(r"[^:]*:(\d+)(/(tcp|udp))?", address or "")
    return int(m.group(1)) if m and 0 < int(m.group(1)) < 65536 else None


class Checker:
    def __init__(self):
        self.errors = []

    def error(self, where, message):
        self.errors.append(f"{where}: {message}")

    # --- traefik's own service -------------------------------------------------------
    def load_traefik(self, stack, doc):
        svc = (doc.get("services") or {}).get("traefik")
        if svc is None:
            self.error(stack, "no service traefik in the --traefik stack")
            return False
        where = f"{stack}/traefik static"
        self.static, errors = static_config(svc.get("command"))
        for e in errors:
            self.error(where, e)
        s = self.static
        for key in s:
            root = key.split(".")[0]
            if root not in STATIC_ROOTS:
                self.error(where, f"--{key}: unknown section {root!r} (v3 has {', '.join(sorted(STATIC_ROOTS))})")
            if key.startswith("providers.docker.swarmmode"):
                self.error(where, f"--{key}: providers.docker.swarmMode was removed in v3, use --providers.swarm")
        if not any(k == "providers.swarm" or k.startswith("providers.swarm.") for k in s):
            self.error(where, "no swarm provider (--providers.swarm)")
        if s.get("providers.swarm.exposedbydefault", "true").lower() != "false":
            self.error(where, "--providers.swarm.exposedbydefault is not false: every service would be routed")
        mounts = {v.get("target"): v for v in svc.get("volumes") or [] if isinstance(v, dict)}
        endpoint = s.get("providers.swarm.endpoint", "unix:///var/run/docker.sock")
        if endpoint.startswith("unix://"):
            mount = mounts.get(endpoint[len("unix://"):])
            if mount is None:
                self.error(where, f"the swarm provider's endpoint {endpoint} is not a mounted socket")
            elif not mount.get("read_only"):
                self.error(where, f"the docker socket {mount.get('target')} is mounted writable (read_only: true)")
        self.traefik_networks = network_names(stack, doc, svc)
        self.default_network = s.get("providers.swarm.network")
        if self.default_network and self.default_network not in self.traefik_networks:
            self.error(where, f"--providers.swarm.network={self.default_network} is not a network of traefik "
                              f"({', '.join(sorted(self.traefik_networks))})")
        # Entrypoints.
        self.entrypoints = {}
        for key, value in s.items():
            m = re.fullmatch(r"entrypoints\.([^.]+)\.address", key)
            if m:
                self.entrypoints[m.group(1)] = value
                if port_of(value) is None:
                    self.error(where, f"entrypoint {m.group(1)}: address {value!r} is not [host]:port")
        for key in s:
            m = re.match(r"entrypoints\.([^.]+)\.", key)
            if m and m.group(1) not in self.entrypoints:
                self.error(where, f"--{key}: entrypoint {m.group(1)} has no address")
        self.https_targets = {v for k, v in s.items()
                              if re.fullmatch(r"entrypoints\.[^.]+\.http\.redirections\.entrypoint\.to", k) and
                              s.get(k[:-len(".to")] + ".scheme", "https") == "https"}
        # Certificate resolvers.
        self.resolvers = {}
        for key, value in s.items():
            m = re.match(r"certificatesresolvers\.([^.]+)\.(.*)", key)
            if m:
                self.resolvers.setdefault(m.group(1), {})[m.group(2)] = value
        for name, opts in self.resolvers.items():
            if "acme.storage" not in opts:
                self.error(where, f"certificate resolver {name}: no acme.storage")
            else:
                storage = opts["acme.storage"]
                if not any(storage.startswith(t.rstrip("/") + "/") for t in self.volume_targets(svc)):
                    self.error(where, f"certificate resolver {name}: its storage {storage} is on no volume "
                                      "(certificates would be lost with the task)")
            challenges = []
            if opts.get("acme.tlschallenge", "").lower() == "true":
                challenges.append("tls")
            if "acme.httpchallenge.entrypoint" in opts:
                challenges.append("http")
                if opts["acme.httpchallenge.entrypoint"] not in self.entrypoints:
                    self.error(where, f"certificate resolver {name}: HTTP challenge on undefined entrypoint "
                                      f"{opts['acme.httpchallenge.entrypoint']!r}")
            if "acme.dnschallenge.provider" in opts:
                challenges.append("dns")
            if not challenges:
                self.error(where, f"certificate resolver {name}: no challenge (acme.tlschallenge=true, "
                                  "acme.httpchallenge.entrypoint=NAME or acme.dnschallenge.provider)")
        for key, value in s.items():
            m = re.fullmatch(r"entrypoints\.([^.]+)\.http\.redirections\.entrypoint\.to", key)
            if m and value not in self.entrypoints:
                self.error(where, f"entrypoint {m.group(1)} redirects to undefined entrypoint {value!r}")
            m = re.fullmatch(r"entrypoints\.([^.]+)\.http\.tls\.certresolver", key)
            if m and value and value not in self.resolvers:
                self.error(where, f"entrypoint {m.group(1)}: undefined certificate resolver {value!r}")
            if key in ("metrics.prometheus.entrypoint", "ping.entrypoint", "api.entrypoint") and \
                    value not in self.entrypoints:
                self.error(where, f"--{key}: undefined entrypoint {value!r}")
        # The files traefik itself can read: its secrets and configs.
        self.mounted = {}
        for kind in ("secrets", "configs"):
            for ref in svc.get(kind) or []:
                ref = {"source": ref} if isinstance(ref, str) else ref
                target = ref.get("target") or ref["source"]
                if not target.startswith("/"):
                    target = "/run/secrets/" + target if kind == "secrets" else "/" + target
                self.mounted[target] = (kind, ref["source"])
        self.load_dynamic(stack, doc, svc)
        labels = (svc.get("deploy") or {}).get("labels") or {}
        metrics_ep = s.get("metrics.prometheus.entrypoint")
        if labels.get("prometheus.io/scrape") == "true":
            want = port_of(self.entrypoints.get(metrics_ep, ""))
            if str(want) != str(labels.get("prometheus.io/port")):
                self.error(f"{stack}/traefik", f"prometheus.io/port {labels.get('prometheus.io/port')} is not "
                                               f"the metrics entrypoint's port {want}")
        return True

    @staticmethod
    def volume_targets(svc):
        targets = []
        for v in svc.get("volumes") or []:
            if isinstance(v, dict):
                targets.append(v.get("target", ""))
            else:
                parts = v.split(":")
                targets.append(parts[1] if len(parts) > 1 else parts[0])
        return targets

    def load_dynamic(self, stack, doc, svc):
        self.file_conf = {"http": {"middlewares": {}, "services": {}, "routers": {}}, "tls": {}}
        directory = self.static.get("providers.file.directory")
        filename = self.static.get("providers.file.filename")
        where = f"{stack}/traefik file provider"
        files = []
        for target, (kind, source) in self.mounted.items():
            if kind != "configs":
                continue
            if (directory and target.startswith(directory.rstrip("/") + "/")) or target == filename:
                files.append((target, (doc.get("configs") or {}).get(source, {}).get("file")))
        if (directory or filename) and not files:
            self.error(where, f"reads {directory or filename}, where no config is mounted")
        for target, path in files:
            try:
                conf = yaml.safe_load(open(path)) or {}
            except (OSError, TypeError, yaml.YAMLError) as e:
                self.error(where, f"{target}: {e}")
                continue
            for section in ("middlewares", "services", "routers"):
                for name, body in ((conf.get("http") or {}).get(section) or {}).items():
                    self.file_conf["http"][section][name] = body
            for name, body in ((conf.get("tls") or {}).get("options") or {}).items():
                self.file_conf["tls"].setdefault("options", {})[name] = body
            for name, body in ((conf.get("http") or {}).get("middlewares") or {}).items():
                for typ, opts in (body or {}).items():
                    self.check_middleware(f"{where} {target} middleware {name}", typ.lower(),
                                          {k.lower(): v for k, v in (opts or {}).items()}
                                          if isinstance(opts, dict) else {})
            for store in ((conf.get("tls") or {}).get("stores") or {}).values():
                cert = (store or {}).get("defaultCertificate") or {}
                for key in ("certFile", "keyFile"):
                    if key in cert and cert[key] not in self.mounted:
                        self.error(where, f"{target}: {key} {cert[key]} is not a secret or config of traefik")

    def check_middleware(self, where, typ, opts):
        if typ in REMOVED_MIDDLEWARES:
            self.error(where, f"{typ} is not a v3 middleware: use {REMOVED_MIDDLEWARES[typ]}")
            return
        if typ not in MIDDLEWARE_TYPES:
            self.error(where, f"unknown middleware type {typ!r}")
            return
        if typ == "headers" and "sslredirect" in opts:
            self.error(where, "headers.sslRedirect was removed in v3: use redirectScheme or the entrypoint's redirection")
        if typ == "basicauth":
            if "users" in opts:
                self.error(where, "basicAuth.users puts password hashes in the stack: use usersFile from a secret")
            path = opts.get("usersfile")
            if not path:
                self.error(where, "basicAuth without usersFile")
            elif path not in self.mounted:
                self.error(where, f"basicAuth.usersFile {path} is not a secret or config of traefik "
                                  "(traefik reads it, not the routed service)")

    # --- the routed services -----------------------------------------------------------
    def collect(self, stacks):
        """Every traefik label of every service, and the routers, services and middlewares
        of the swarm provider (one namespace for all services)."""
        self.services = []  # (where, stack, doc, svc, {key: value})
        self.swarm_services, self.swarm_middlewares, router_owner = {}, {}, {}
        for stack, doc in stacks:
            for name, svc in (doc.get("services") or {}).items():
                where = f"{stack}/{name}"
                container = svc.get("labels") or {}
                if isinstance(container, list):
                    container = dict(x.partition("=")[::2] for x in container)
                for key in container:
                    if key.startswith("traefik."):
                        self.error(where, f"{key} is a container label: the swarm provider reads "
                                          "service labels (deploy.labels)")
                labels = (svc.get("deploy") or {}).get("labels") or {}
                if isinstance(labels, list):
                    labels = dict(x.partition("=")[::2] for x in labels)
                labels = {k: str(v) for k, v in labels.items() if k.startswith("traefik.")}
                if not labels:
                    continue
                self.services.append((where, stack, doc, svc, labels))
                for key, value in labels.items():
                    m = re.match(r"traefik\.http\.services\.([^.]+)\.", key)
                    if m:
                        self.swarm_services.setdefault(m.group(1), {})[key[m.end():].lower()] = value
                    m = re.match(r"traefik\.http\.middlewares\.([^.]+)\.([^.]+)(?:\.(.*))?$", key)
                    if m:
                        mw = self.swarm_middlewares.setdefault(m.group(1), {"where": where, "opts": {}})
                        mw["opts"].setdefault(m.group(2).lower(), {})[(m.group(3) or "").lower()] = value
                    m = re.match(r"traefik\.http\.routers\.([^.]+)\.", key)
                    if m:
                        owner = router_owner.setdefault(m.group(1), where)
                        if owner != where:
                            self.error(where, f"router {m.group(1)} is also defined by {owner}: "
                                              "traefik drops both")

    def check_service(self, where, stack, doc, svc, labels):
        if labels.get("traefik.enable") != "true":
            self.error(where, "traefik labels without traefik.enable=true: ignored (exposedByDefault=false)")
        routers, own_services = {}, {}
        for key, value in labels.items():
            old = [msg for rx, msg in OLD_LABELS if rx.search(key)]
            if old:
                self.error(where, f"{key}: {old[0]}")
                continue
            if key in ("traefik.enable", "traefik.swarm.network", "traefik.swarm.lbswarm"):
                continue
            m = re.match(r"traefik\.http\.routers\.([^.]+)\.(.+)$", key)
            if m:
                if not ROUTER_OPTIONS.match(m.group(2).lower()):
                    self.error(where, f"{key}: unknown router option {m.group(2)!r}")
                routers.setdefault(m.group(1), {})[m.group(2).lower()] = value
                continue
            m = re.match(r"traefik\.http\.services\.([^.]+)\.(.+)$", key)
            if m:
                if not SERVICE_OPTIONS.match(m.group(2).lower()):
                    self.error(where, f"{key}: unknown service option {m.group(2)!r}")
                own_services.setdefault(m.group(1), {})[m.group(2).lower()] = value
                continue
            if re.match(r"traefik\.http\.middlewares\.[^.]+\.[^.]+", key):
                continue
            self.error(where, f"{key}: not a label traefik v3's swarm provider reads (HTTP routers, services "
                              "and middlewares, traefik.enable, traefik.swarm.*)")
        for name, mw in self.swarm_middlewares.items():
            if mw["where"] == where:
                for typ, opts in mw["opts"].items():
                    self.check_middleware(f"{where} middleware {name}", typ, opts)
        # The swarm provider knows no task ports: each service it builds needs one.
        if not own_services:
            self.error(where, "no traefik.http.services.NAME.loadbalancer.server.port: the swarm provider "
                              "cannot route it")
        for name, opts in own_services.items():
            port = opts.get("loadbalancer.server.port")
            if port is None and "loadbalancer.server.url" not in opts:
                self.error(where, f"service {name} has no loadbalancer.server.port")
            elif port is not None and not (port.isdigit() and 0 < int(port) < 65536):
                self.error(where, f"service {name}: port {port!r} is not a port number")
        # The network traefik reaches the tasks on.
        nets = network_names(stack, doc, svc)
        net = labels.get("traefik.swarm.network", self.default_network)
        if net is None:
            self.error(where, "no traefik.swarm.network and no --providers.swarm.network")
        elif net not in nets:
            self.error(where, f"traefik.swarm.network {net} is not a network of this service "
                              f"({', '.join(sorted(nets)) or 'none'})")
        elif net not in self.traefik_networks:
            self.error(where, f"traefik.swarm.network {net} is not a network of traefik")
        for name, opts in routers.items():
            self.check_router(f"{where} router {name}", opts, own_services)

    def check_router(self, where, opts, own_services):
        if "@" in where.rsplit(" ", 1)[-1]:
            self.error(where, "@ is not allowed in a router's name (it separates the provider)")
        if "rule" not in opts:
            self.error(where, "no rule")
        else:
            try:
                parse_rule(opts["rule"])
            except RuleError as e:
                self.error(where, f"rule {opts['rule']!r} does not parse: {e}")
        eps = [e.strip() for e in opts.get("entrypoints", "").split(",") if e.strip()]
        if not eps:
            self.error(where, "no entrypoints: it would answer on every entrypoint (metrics too)")
        for ep in eps:
            if ep not in self.entrypoints:
                self.error(where, f"undefined entrypoint {ep!r} (defined: {', '.join(sorted(self.entrypoints))})")
            # The target of an https redirection is where clients speak TLS: a router there
            # without TLS (its own, or the entrypoint's default) never sees a request.
            elif ep in self.https_targets and not any(k.startswith(f"entrypoints.{ep}.http.tls") for k in self.static) \
                    and not any(k == "tls" or k.startswith("tls.") for k in opts):
                self.error(where, f"no TLS on entrypoint {ep}, which web redirects to with https "
                                  "(tls=true on the router or --entrypoints.NAME.http.tls)")
        service = opts.get("service")
        if service is None:
            if len(own_services) != 1:
                self.error(where, "no service, and its swarm service does not define exactly one")
        else:
            name, _, provider = service.partition("@")
            if provider == "internal":
                if name not in INTERNAL_SERVICES:
                    self.error(where, f"undefined internal service {service!r}")
            elif provider in ("", "swarm"):
                if name not in self.swarm_services:
                    self.error(where, f"undefined service {service!r}")
                elif "loadbalancer.server.port" not in self.swarm_services[name]:
                    self.error(where, f"service {service!r} has no loadbalancer.server.port")
            elif provider == "file":
                if name not in self.file_conf["http"]["services"]:
                    self.error(where, f"undefined service {service!r} (not in the file provider's files)")
            else:
                self.error(where, f"service {service!r}: provider {provider!r} is not configured")
        for mw in [m.strip() for m in opts.get("middlewares", "").split(",") if m.strip()]:
            name, _, provider = mw.partition("@")
            if provider in ("", "swarm"):
                if name not in self.swarm_middlewares:
                    self.error(where, f"undefined middleware {mw!r}")
            elif provider == "file":
                if name not in self.file_conf["http"]["middlewares"]:
                    self.error(where, f"undefined middleware {mw!r} (not in the file provider's files)")
            else:
                self.error(where, f"middleware {mw!r}: provider {provider!r} is not configured")
        resolver = opts.get("tls.certresolver")
        if resolver and resolver not in self.resolvers:
            self.error(where, f"undefined certificate resolver {resolver!r}")
        options = opts.get("tls.options")
        if options:
            name, _, provider = options.partition("@")
            if name != "default" and (provider != "file" or name not in self.file_conf["tls"].get("options", {})):
                self.error(where, f"undefined TLS options {options!r}")


def main(argv):
    traefik, stacks, args = None, [], list(argv)
    while args:
        flag = args.pop(0)
        if flag not in ("--traefik", "--stack") or not args or "=" not in args[0]:
            print(__doc__, file=sys.stderr)
            return 2
        name, _, path = args.pop(0).partition("=")
        doc = yaml.safe_load(open(path)) or {}
        if flag == "--traefik":
            traefik = (name, doc)
        stacks.append((name, doc))
    if traefik is None:
        print("traefik_check: --traefik is required", file=sys.stderr)
        return 2
    checker = Checker()
    if checker.load_traefik(*traefik):
        checker.collect(stacks)
        for service in checker.services:
            checker.check_service(*service)
    for e in checker.errors:
        print(e)
    if checker.errors:
        return 1
    routers = sum(1 for s in checker.services for k in s[4] if k.endswith(".rule"))
    print(f"traefik_check: {len(stacks)} stacks, {len(checker.services)} routed services, {routers} routers: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
