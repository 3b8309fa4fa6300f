#!/usr/bin/env python3
"""Checks deploy/ without a Docker engine or a cluster: each subcommand is one ctest (deploy.cmake).

  check_deploy.py CHECK --repo DIR --binary PATH --build-dir DIR

What is checked, by CHECK:
  manifests     every YAML and JSON file under deploy/ parses
  dockerfile    stages, Debian 12 bases, install-deps modes, non-root USER, HEALTHCHECK, VOLUME,
                every COPY source exists and is not excluded by the .dockerignore
  compose       the build context and Dockerfile exist, the volume, port and user match the image
  kubernetes    probes, limits, Pod Security "restricted" fields, names that refer to each other,
                and the ConfigMap's config passes `costbot config check`
  runtime-deps  the runtime package list covers every library the binary needs (ldd) and every
                shared library CMake links, names real packages, and lists nothing unneeded
  systemd       the unit installs (DESTDIR), passes `systemd-analyze verify` with no message and
                has a hardening exposure of at most 2.0 (`systemd-analyze security --offline`)
  slack         the app manifest's URLs, command, events and scopes match the service
  teams         the app manifest's required fields, GUIDs, icons, commands; the package builds
  healthcheck   deploy/healthcheck.sh is healthy only on an HTTP 200
  unprivileged  the image's file layout, staged from the Dockerfile's own COPY lines, runs as the
                image's uid: --help, config check, migrate into the volume; a root-owned dir is refused
  serve         the staged image's own CMD (`serve`, with its port moved) runs as the image's uid:
                /healthz, /readyz, the web page at / and /metrics answer 200
"""
import argparse
import fnmatch
import glob
import http.server
import json
import os
import re
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile

import yaml

SKIP = 77

# The service's HTTP routes (DESIGN.md "HTTP surface"); the manifests must point at these.
SLACK_ROUTES = {"commands": "/slack/commands", "events": "/slack/events", "interactions": "/slack/interactions"}
PROBE_ROUTES = {"liveness": "/healthz", "readiness": "/readyz"}
# The chat grammar (bot/commands): every chat adapter understands these words.
CHAT_COMMANDS = ["help", "top", "team", "anomalies", "budget", "forecast", "approvals", "approve", "reject",
                 "subscribe", "unsubscribe"]
# Teams allows 10 commands per menu; `unsubscribe` is left out of the menu (the bot still
# understands it, and `help` and the subscribe entry mention it).
TEAMS_MENU_OMITS = {"unsubscribe"}
# Runtime packages that are data rather than a linked library, and why.
DATA_PACKAGES = {"ca-certificates": "HTTPS to Slack, Teams, Jira", "fonts-dejavu-core": "chart labels",
                 "tzdata": "quiet hours in a time zone"}
# Sanitizer runtimes appear only in the ASan/UBSan test build, never in the image.
SANITIZER_LIBS = re.compile(r"lib(asan|ubsan|lsan|tsan)\.so")
SECRET_NAMES = ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "TEAMS_APP_ID", "TEAMS_APP_PASSWORD",
                "TEAMS_OUTGOING_WEBHOOK_SECRET", "JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN",
                "JIRA_WEBHOOK_SECRET", "PAGERDUTY_ROUTING_KEY", "COSTBOT_API_TOKENS"]


class Problems:
    def __init__(self, check):
        self.check = check
        self.items = []

    def add(self, where, message):
        self.items.append(f"{where}: {message}")

    def expect(self, condition, where, message):
        if not condition:
            self.add(where, message)
        return condition

    def finish(self, ok_message):
        if self.items:
            print(f"{self.check}: {len(self.items)} problem(s)")
            for item in self.items:
                print("  " + item)
            return 1
        print(f"{self.check}: {ok_message}")
        return 0


def run(argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)


# ---------------------------------------------------------------- Dockerfile


class Stage:
    def __init__(self, base, name):
        self.base, self.name = base, name
        self.instructions = []  # (keyword, argument text)

    def all(self, keyword):
        return [arg for kw, arg in self.instructions if kw == keyword]

    def last(self, keyword):
        found = self.all(keyword)
        return found[-1] if found else None


def parse_dockerfile(path):
    stages = []
    logical, lines = [], open(path, encoding="utf-8").read().splitlines()
    current = ""
    for line in lines:
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    for instruction in logical:
        keyword, _, argument = instruction.partition(" ")
        keyword = keyword.upper()
        argument = argument.strip()
        if keyword == "FROM":
            words = argument.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append((keyword, argument))
    return stages


def exec_form(argument):
    """The JSON array of an exec-form instruction, or None."""
    try:
        value = json.loads(argument)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def copy_parts(argument):
    """(--from value or None, [sources], destination) of a COPY instruction."""
    words = shlex.split(argument)
    source_stage = None
    while words and words[0].startswith("--"):
        flag = words.pop(0)
        if flag.startswith("--from="):
            source_stage = flag.split("=", 1)[1]
    return source_stage, words[:-1], words[-1]


def dockerignore_patterns(repo):
    path = os.path.join(repo, "deploy", "Dockerfile.dockerignore")
    if not os.path.exists(path):
        return []
    return [l.strip() for l in open(path, encoding="utf-8") if l.strip() and not l.startswith("#")]


def image_facts(repo):
    """What the other checks need to know about the image, read from the Dockerfile."""
    stages = parse_dockerfile(os.path.join(repo, "deploy", "Dockerfile"))
    final = stages[-1]
    user = (final.last("USER") or "").split(":")
    facts = {
        "stages": stages,
        "final": final,
        "uid": user[0] if user else "",
        "gid": user[1] if len(user) > 1 else (user[0] if user else ""),
        "workdir": final.last("WORKDIR"),
        "entrypoint": exec_form(final.last("ENTRYPOINT") or "") or [],
        "cmd": exec_form(final.last("CMD") or "") or [],
        "volumes": [v for arg in final.all("VOLUME") for v in (exec_form(arg) or arg.split())],
        "expose": [p.split("/")[0] for arg in final.all("EXPOSE") for p in arg.split()],
        "env": {},
    }
    for arg in final.all("ENV"):
        for pair in shlex.split(arg):
            if "=" in pair:
                key, value = pair.split("=", 1)
                facts["env"][key] = value
    return facts


def option_value(args, flag):
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


def check_dockerfile(opts):
    p = Problems("dockerfile")
    where = "deploy/Dockerfile"
    facts = image_facts(opts.repo)
    stages, final = facts["stages"], facts["final"]
    p.expect(len(stages) >= 2, where, "expected a multi-stage build (a build stage and a runtime stage)")
    for stage in stages:
        p.expect(re.match(r"^debian:(bookworm|12)(-slim)?(@sha256:[0-9a-f]+)?$", stage.base), where,
                 f"stage {stage.name or stage.base} is not based on Debian 12 bookworm: {stage.base}")
    build = stages[0]
    p.expect(any("deploy/install-deps.sh --build" in r for r in build.all("RUN")), where,
             "the build stage must install its packages with deploy/install-deps.sh --build")
    p.expect(any("cmake --build" in r for r in build.all("RUN")), where, "the build stage does not build")
    invocations = [m.group(1) for r in final.all("RUN")
                   for m in re.finditer(r"\bbash\s+\S*install-deps\.sh(?:\s+(--[\w-]+))?", r)]
    p.expect(invocations == ["--runtime"], where,
             f"the runtime stage must run install-deps.sh --runtime (only), got {invocations}")

    uid = facts["uid"]
    p.expect(uid not in ("", "0", "root"), where, f"the final USER must be non-root, got {uid!r}")
    p.expect(uid.isdigit(), where, "USER should be numeric so Kubernetes runAsNonRoot can verify it")
    useradd = " ".join(r for r in final.all("RUN") if "useradd" in r)
    p.expect(re.search(r"useradd\b.*\bcostbot\b", useradd), where, "the runtime stage must create the user costbot")
    p.expect(re.search(rf"--uid {re.escape(uid)}\b", useradd), where, f"the costbot user's uid is not {uid}")

    health = final.last("HEALTHCHECK")
    if p.expect(health is not None, where, "no HEALTHCHECK in the final stage"):
        command = exec_form(health.split("CMD", 1)[1].strip()) if "CMD" in health else None
        p.expect(command, where, "HEALTHCHECK should use the exec form CMD [...]")
        if command:
            copies = {copy_parts(c)[2]: copy_parts(c)[1] for c in final.all("COPY")}
            target = next((d for d in copies if os.path.basename(d) == command[0]), None)
            if p.expect(target, where, f"the health check program {command[0]} is not copied into the image"):
                script = os.path.join(opts.repo, copies[target][0])
                p.expect("/healthz" in open(script, encoding="utf-8").read(), script, "does not request /healthz")
        p.expect("--interval" in health and "--timeout" in health, where, "HEALTHCHECK needs --interval and --timeout")

    volumes = facts["volumes"]
    p.expect("/var/lib/costbot" in volumes, where, f"VOLUME must hold the database dir /var/lib/costbot, got {volumes}")
    db = option_value(facts["entrypoint"] + facts["cmd"], "--db")
    p.expect(db and any(db.startswith(v.rstrip("/") + "/") for v in volumes), where,
             f"the --db path {db} is not on a VOLUME")
    listen = option_value(facts["cmd"], "--listen")
    p.expect(listen and listen.rsplit(":", 1)[-1] in facts["expose"], where,
             f"CMD listens on {listen} but EXPOSE says {facts['expose']}")
    p.expect(listen and listen.startswith("0.0.0.0:"), where, "inside a container the service must listen on 0.0.0.0")
    p.expect(facts["entrypoint"][:1] == ["costbot"], where, "ENTRYPOINT should run costbot (exec form)")

    # Every COPY source exists in the build context and is not filtered out of it.
    ignored = dockerignore_patterns(opts.repo)
    copied = set()
    for stage in stages:
        for arg in stage.all("COPY"):
            source_stage, sources, dest = copy_parts(arg)
            if source_stage:
                p.expect(any(s.name == source_stage for s in stages), where, f"COPY --from={source_stage}: no such stage")
                continue
            for source in sources:
                path = os.path.join(opts.repo, source)
                p.expect(os.path.exists(path), where, f"COPY source {source} does not exist in the repository")
                for pattern in ignored:
                    p.expect(not fnmatch.fnmatch(source.rstrip("/"), pattern.rstrip("/")), where,
                             f"COPY source {source} is excluded by .dockerignore pattern {pattern}")
                copied.add(source.rstrip("/"))
    for needed in ("templates", "config", "CMakeLists.txt", "engine", "bot", "adapters"):
        p.expect(needed in copied, where, f"{needed} is not copied into the image")
    return p.finish(f"{len(stages)} stages, USER {uid}, HEALTHCHECK, VOLUME {volumes}, every COPY source present")


# ---------------------------------------------------------------- manifests, compose, Kubernetes


def deploy_files(repo, patterns):
    files = []
    for pattern in patterns:
        files += glob.glob(os.path.join(repo, "deploy", "**", pattern), recursive=True)
    return sorted(f for f in files if "node_modules" not in f)


def check_manifests(opts):
    p = Problems("manifests")
    count = 0
    for path in deploy_files(opts.repo, ["*.yaml", "*.yml"]):
        try:
            docs = [d for d in yaml.safe_load_all(open(path, encoding="utf-8")) if d is not None]
            p.expect(docs, path, "no YAML document")
            count += 1
        except yaml.YAMLError as e:
            p.add(path, f"not valid YAML: {e}")
    for path in deploy_files(opts.repo, ["*.json"]):
        try:
            json.load(open(path, encoding="utf-8"))
            count += 1
        except json.JSONDecodeError as e:
            p.add(path, f"not valid JSON: {e}")
    p.expect(count >= 9, "deploy/", f"expected the compose, Kubernetes, Slack and Teams manifests, found {count} files")
    return p.finish(f"{count} YAML/JSON files parse")


def check_compose(opts):
    p = Problems("compose")
    path = os.path.join(opts.repo, "deploy", "compose.yaml")
    compose = yaml.safe_load(open(path, encoding="utf-8"))
    facts = image_facts(opts.repo)
    service = (compose.get("services") or {}).get("costbot")
    if not p.expect(service, path, "no service costbot"):
        return p.finish("")
    build = service.get("build") or {}
    context = os.path.normpath(os.path.join(os.path.dirname(path), build.get("context", ".")))
    p.expect(os.path.isdir(context), path, f"build context {context} does not exist")
    dockerfile = os.path.join(context, build.get("dockerfile", "Dockerfile"))
    p.expect(os.path.isfile(dockerfile) and os.path.samefile(dockerfile, os.path.join(opts.repo, "deploy", "Dockerfile")),
             path, f"build.dockerfile does not lead to deploy/Dockerfile (got {dockerfile})")
    p.expect(os.path.isfile(os.path.join(context, "CMakeLists.txt")), path, "the build context is not the repository root")

    named_volumes = set((compose.get("volumes") or {}).keys())
    mounts = {}
    for v in service.get("volumes") or []:
        source, target = (v.split(":")[0], v.split(":")[1]) if isinstance(v, str) else (v.get("source"), v.get("target"))
        mounts[target] = source
        if not source.startswith((".", "/")):
            p.expect(source in named_volumes, path, f"volume {source} is not declared under volumes:")
    for volume in facts["volumes"]:
        p.expect(volume in mounts, path, f"the image's VOLUME {volume} is not mounted (the database would be lost)")

    container_ports = [str(port).split(":")[-1].split("/")[0] for port in service.get("ports") or []]
    p.expect(container_ports and all(cp in facts["expose"] for cp in container_ports), path,
             f"published ports {container_ports} do not match the image's EXPOSE {facts['expose']}")
    p.expect(str(service.get("user", "")).split(":")[0] == facts["uid"], path,
             f"user {service.get('user')} differs from the image's USER {facts['uid']}")
    p.expect(service.get("read_only") is True, path, "read_only: true expected (the database is on the volume)")
    command = [str(c) for c in service.get("command") or []]
    if option_value(command, "--web-access") == "open":
        # The web channel has no log-in: open to the container's network only when the host
        # publishes the port on its own loopback.
        p.expect(all(str(port).startswith("127.0.0.1:") for port in service.get("ports") or []), path,
                 "--web-access open needs every published port bound to 127.0.0.1")
    p.expect("ALL" in (service.get("cap_drop") or []), path, "cap_drop: [ALL] expected")
    p.expect(any("no-new-privileges" in str(o) for o in service.get("security_opt") or []), path,
             "security_opt no-new-privileges expected")
    environment = service.get("environment") or []
    names = [e.split("=")[0] for e in environment] if isinstance(environment, list) else list(environment)
    p.expect(sorted(names) == sorted(SECRET_NAMES), path, f"environment should pass through {SECRET_NAMES}, got {names}")
    return p.finish("build context, Dockerfile, volume, port, user and restrictions match the image")


def load_k8s(repo):
    docs = {}
    k8s = os.path.join(repo, "deploy", "k8s")
    for path in sorted(glob.glob(os.path.join(k8s, "*.yaml"))):
        if os.path.basename(path) == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(open(path, encoding="utf-8")):
            if doc:
                docs.setdefault(doc.get("kind"), []).append((os.path.relpath(path, repo), doc))
    return docs


def pod_security_restricted(p, where, pod):
    """The Pod Security Standards "restricted" profile, field by field."""
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        p.expect(not pod.get(key), where, f"{key} must not be set")
    allowed_volumes = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                       "projected", "secret"}
    for volume in pod.get("volumes") or []:
        kinds = set(volume) - {"name"}
        p.expect(kinds <= allowed_volumes, where, f"volume {volume.get('name')} uses {kinds - allowed_volumes}")
    pod_sc = pod.get("securityContext") or {}
    for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
        sc = c.get("securityContext") or {}
        name = f"{where} container {c.get('name')}"
        p.expect(sc.get("allowPrivilegeEscalation") is False, name, "allowPrivilegeEscalation: false required")
        p.expect(not sc.get("privileged"), name, "must not be privileged")
        p.expect(sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, name, "runAsNonRoot: true required")
        p.expect(sc.get("runAsUser", pod_sc.get("runAsUser", 1)) != 0, name, "runAsUser must not be 0")
        caps = sc.get("capabilities") or {}
        p.expect("ALL" in (caps.get("drop") or []), name, "capabilities.drop must contain ALL")
        p.expect(set(caps.get("add") or []) <= {"NET_BIND_SERVICE"}, name, "only NET_BIND_SERVICE may be added")
        seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
        p.expect(seccomp in ("RuntimeDefault", "Localhost"), name, f"seccompProfile RuntimeDefault required, got {seccomp}")
        p.expect(sc.get("readOnlyRootFilesystem") is True, name, "readOnlyRootFilesystem: true expected")
        for port in c.get("ports") or []:
            p.expect(not port.get("hostPort"), name, "hostPort must not be used")


def check_kubernetes(opts):
    p = Problems("kubernetes")
    facts = image_facts(opts.repo)
    docs = load_k8s(opts.repo)
    for kind in ("Deployment", "Service", "ConfigMap", "Secret", "PersistentVolumeClaim"):
        p.expect(len(docs.get(kind, [])) == 1, "deploy/k8s", f"expected one {kind}, found {len(docs.get(kind, []))}")
    if p.items:
        return p.finish("")
    (dep_file, dep), (svc_file, svc) = docs["Deployment"][0], docs["Service"][0]
    (cm_file, cm), (sec_file, sec), (pvc_file, pvc) = docs["ConfigMap"][0], docs["Secret"][0], docs["PersistentVolumeClaim"][0]
    for kind, items in docs.items():
        for f, d in items:
            p.expect(d.get("apiVersion") and d.get("metadata", {}).get("name"), f, f"{kind} needs apiVersion and metadata.name")

    kustomization = yaml.safe_load(open(os.path.join(opts.repo, "deploy", "k8s", "kustomization.yaml"), encoding="utf-8"))
    listed = set(kustomization.get("resources") or [])
    present = {os.path.basename(f) for items in docs.values() for f, _ in items} - {"kustomization.yaml"}
    p.expect(listed == present, "deploy/k8s/kustomization.yaml", f"resources {sorted(listed)} != files {sorted(present)}")

    spec = dep["spec"]
    pod = spec["template"]["spec"]
    p.expect(spec.get("replicas") == 1 and (spec.get("strategy") or {}).get("type") == "Recreate", dep_file,
             "SQLite has one writer: replicas 1 with the Recreate strategy")
    pod_labels = spec["template"]["metadata"].get("labels") or {}
    selector = spec["selector"].get("matchLabels") or {}
    p.expect(selector and selector.items() <= pod_labels.items(), dep_file, "selector does not match the pod labels")
    p.expect(svc["spec"].get("selector", {}).items() <= pod_labels.items() and svc["spec"].get("selector"), svc_file,
             "the Service selector does not match the pod labels")
    pod_security_restricted(p, dep_file, pod)
    p.expect(str((pod.get("securityContext") or {}).get("runAsUser")) == facts["uid"], dep_file,
             f"runAsUser should be the image's uid {facts['uid']}")
    p.expect(pod.get("automountServiceAccountToken") is False, dep_file, "costbot needs no API token: automountServiceAccountToken: false")

    containers = pod.get("containers") or []
    p.expect(len(containers) == 1, dep_file, "expected one container")
    c = containers[0]
    port_names = {port.get("name"): port.get("containerPort") for port in c.get("ports") or []}
    p.expect(str(port_names.get("http")) in facts["expose"], dep_file, f"container port http should be {facts['expose']}")
    for probe, path in (("livenessProbe", PROBE_ROUTES["liveness"]), ("readinessProbe", PROBE_ROUTES["readiness"]),
                        ("startupProbe", PROBE_ROUTES["liveness"])):
        get = (c.get(probe) or {}).get("httpGet") or {}
        p.expect(get.get("path") == path, dep_file, f"{probe} must GET {path}, got {get.get('path')}")
        p.expect(get.get("port") in port_names or get.get("port") in port_names.values(), dep_file,
                 f"{probe} port {get.get('port')} is not a container port")
    resources = c.get("resources") or {}
    for section in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            p.expect(resource in (resources.get(section) or {}), dep_file, f"resources.{section}.{resource} missing")

    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts") or []}
    for m in mounts.values():
        p.expect(m["name"] in volumes, dep_file, f"volumeMount {m['name']} has no volume")
    for path in facts["volumes"] + ["/tmp"]:
        m = mounts.get(path)
        p.expect(m and not m.get("readOnly"), dep_file, f"{path} needs a writable volume (the root filesystem is read-only)")
    data = volumes.get((mounts.get("/var/lib/costbot") or {}).get("name"), {})
    p.expect((data.get("persistentVolumeClaim") or {}).get("claimName") == pvc["metadata"]["name"], dep_file,
             "the database volume must be the PersistentVolumeClaim")
    p.expect("ReadWriteOnce" in pvc["spec"].get("accessModes", []) and pvc["spec"]["resources"]["requests"].get("storage"),
             pvc_file, "a ReadWriteOnce claim with a storage request expected")

    args = c.get("args") or []
    config_path = option_value(args, "--config")
    config_mount = next((m for path, m in mounts.items() if config_path and config_path.startswith(path.rstrip("/") + "/")), None)
    config_volume = volumes.get((config_mount or {}).get("name"), {})
    p.expect((config_volume.get("configMap") or {}).get("name") == cm["metadata"]["name"], dep_file,
             f"--config {config_path} is not in the mounted ConfigMap")
    key = os.path.basename(config_path or "")
    p.expect(key in (cm.get("data") or {}), cm_file, f"the ConfigMap has no key {key}")
    listen = option_value(args, "--listen") or ""
    p.expect(listen.rsplit(":", 1)[-1] in facts["expose"] and listen.startswith("0.0.0.0:"), dep_file,
             f"--listen {listen} should be 0.0.0.0 on the container port")

    secret_refs = [e["secretRef"]["name"] for e in c.get("envFrom") or [] if "secretRef" in e]
    p.expect(sec["metadata"]["name"] in secret_refs, dep_file, "the Secret is not passed to the container")
    keys = sorted((sec.get("stringData") or {}).keys() | (sec.get("data") or {}).keys())
    p.expect(keys == sorted(SECRET_NAMES), sec_file, f"Secret keys {keys} should be the service's secret variables")
    p.expect(all(not v for v in (sec.get("stringData") or {}).values()), sec_file, "no real secret may be committed")
    images = {i.get("name") for i in kustomization.get("images") or []}
    p.expect(c.get("image", "").split(":")[0] in images, dep_file, "the kustomization cannot set this image")

    # The config the pod will read is valid for this binary.
    if key in (cm.get("data") or {}):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(cm["data"][key])
        try:
            r = run([opts.binary, "config", "check", f.name])
            p.expect(r.returncode == 0, cm_file, f"costbot config check failed:\n{r.stdout}{r.stderr}")
        finally:
            os.unlink(f.name)
    return p.finish("probes, limits, restricted security context, references and config all hold")


# ---------------------------------------------------------------- runtime packages


def packages_of(paths):
    """The Debian package that installed each file (None if none), trying /usr-merged spellings too.
    One dpkg -S call for all of them: each call reads the whole package database."""
    spellings = {}
    for path in paths:
        options = [path, os.path.realpath(path)]
        for o in list(options):
            options.append(o[len("/usr"):] if o.startswith("/usr/lib/") else "/usr" + o if o.startswith("/lib/") else o)
        spellings[path] = list(dict.fromkeys(options))
    owners = {}
    everything = sorted({o for options in spellings.values() for o in options})
    for line in run(["dpkg", "-S"] + everything).stdout.splitlines():
        if ": " in line:
            package, file = line.split(": ", 1)
            owners[file.strip()] = package.split(":")[0].split(",")[0].strip()
    return {path: next((owners[o] for o in options if o in owners), None) for path, options in spellings.items()}


def apt_closure(packages):
    r = run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks",
             "--no-replaces", "--no-enhances"] + packages)
    return {line.strip().split(":")[0] for line in r.stdout.splitlines()
            if line and not line.startswith(" ") and not line.startswith("<")}


def base_image_packages():
    """debian:bookworm-slim is the minbase variant: every Essential and Priority: required package."""
    r = run(["dpkg-query", "-W", "-f", "${Package} ${Essential} ${Priority}\n"])
    return {l.split()[0] for l in r.stdout.splitlines() if " yes " in l or l.endswith(" required")}


def linked_libraries(build_dir, target="bot/costbot"):
    ninja = open(os.path.join(build_dir, "build.ninja"), encoding="utf-8").read()
    block = re.search(rf"^build {re.escape(target)}: .*?(?=^build |\Z)", ninja, re.S | re.M)
    line = re.search(r"^\s*LINK_LIBRARIES = (.*)$", block.group(0), re.M) if block else None
    if not line:
        return None
    return [t for t in line.group(1).split() if re.search(r"\.so(\.[0-9.]+)?$", t)]


def check_runtime_deps(opts):
    p = Problems("runtime-deps")
    where = "deploy/install-deps.sh --runtime"
    runtime = run(["bash", os.path.join(opts.repo, "deploy", "install-deps.sh"), "--list-runtime"]).stdout.split()
    p.expect(runtime, where, "empty runtime package list")
    if run(["apt-cache", "show", "--no-all-versions"] + runtime).returncode != 0:
        for pkg in runtime:
            p.expect(run(["apt-cache", "show", "--no-all-versions", pkg]).returncode == 0, where, f"no Debian package {pkg}")
    closure = apt_closure(runtime)
    base = base_image_packages()

    # Every library the built binary loads comes from a package the image has.
    ldd = run(["ldd", opts.binary])
    p.expect(ldd.returncode == 0, opts.binary, f"ldd failed: {ldd.stderr}")
    loaded = [m.groups() for m in (re.match(r"\s*(\S+) => (/\S+)", l) for l in ldd.stdout.splitlines())
              if m and not SANITIZER_LIBS.search(m.group(1))]
    libs = linked_libraries(opts.build_dir)
    owners = packages_of([path for _, path in loaded] + [os.path.realpath(lib) for lib in libs or []])
    needed = len(loaded)
    for name, path in loaded:
        pkg = owners[path]
        if p.expect(pkg, opts.binary, f"{name} ({path}) belongs to no Debian package"):
            p.expect(pkg in runtime or pkg in closure or pkg in base, where,
                     f"{name} needs package {pkg}, which the runtime image does not install")

    # Every shared library CMake links (some are dropped by --as-needed until code uses them).
    justified = set(DATA_PACKAGES)
    if p.expect(libs is not None, opts.build_dir, "no link line for bot/costbot in build.ninja (a Ninja build is needed)"):
        for lib in libs:
            pkg = owners[os.path.realpath(lib)]
            if not p.expect(pkg, lib, "belongs to no Debian package"):
                continue
            justified.add(pkg)
            p.expect(pkg in runtime or pkg in closure, where, f"{os.path.basename(lib)} is linked; add {pkg}")
    for pkg in runtime:
        p.expect(pkg in justified, where, f"{pkg} is neither a linked library's package nor needed data: remove it")
    return p.finish(f"{len(runtime)} runtime packages cover {needed} loaded and {len(libs or [])} linked libraries")


# ---------------------------------------------------------------- systemd


def check_systemd(opts):
    p = Problems("systemd")
    unit = os.path.join(opts.repo, "deploy", "costbot.service")
    text = open(unit, encoding="utf-8").read()
    for setting in ("NoNewPrivileges=yes", "ProtectSystem=strict", "StateDirectory=costbot", "PrivateTmp=yes",
                    "CapabilityBoundingSet=", "EnvironmentFile=", "ProtectHome=yes", "RestrictAddressFamilies=",
                    "LimitNOFILE="):
        p.expect(re.search(rf"^{re.escape(setting)}", text, re.M), unit, f"missing {setting}")
    p.expect(re.search(r"^DynamicUser=yes", text, re.M) or re.search(r"^User=(?!root)\S+", text, re.M), unit,
             "run as DynamicUser=yes or a dedicated User=")
    exec_start = shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M).group(1))
    db = option_value(exec_start, "--db") or ""
    p.expect(db.startswith("/var/lib/costbot/"), unit, f"--db {db} is not in the StateDirectory /var/lib/costbot")

    with tempfile.TemporaryDirectory() as stage:
        # Install exactly as an operator would, into a staging root.
        r = run(["bash", os.path.join(opts.repo, "deploy", "install-systemd.sh"), opts.build_dir],
                env=dict(os.environ, DESTDIR=stage))
        if not p.expect(r.returncode == 0, "deploy/install-systemd.sh", f"failed:\n{r.stdout}{r.stderr}"):
            return p.finish("")
        installed = os.path.join(stage, "etc/systemd/system/costbot.service")
        binary = exec_start[0]
        p.expect(os.access(stage + binary, os.X_OK), installed, f"ExecStart {binary} was not installed")
        p.expect(os.path.isfile(stage + "/usr/local/share/costbot/config/costbot.example.yaml"), installed,
                 "project files were not installed under /usr/local/share/costbot")
        p.expect(oct(os.stat(stage + "/etc/costbot/costbot.env").st_mode & 0o777) == "0o600", installed,
                 "the secrets file must be mode 0600")
        # verify needs every path in the unit to exist on this host: point them into the staging root.
        staged = open(installed, encoding="utf-8").read()
        for prefix in ("/usr/local/bin/", "/usr/local/share/", "/etc/costbot/"):
            staged = staged.replace(prefix, stage + prefix)
        verify_unit = os.path.join(stage, "costbot.service")
        open(verify_unit, "w", encoding="utf-8").write(staged)
        r = run(["systemd-analyze", "verify", "--man=no", verify_unit])
        messages = (r.stdout + r.stderr).strip()
        p.expect(r.returncode == 0 and not messages, unit, f"systemd-analyze verify: rc {r.returncode}\n{messages}")
        r = run(["systemd-analyze", "security", "--offline=true", "--threshold=20", "--no-pager", verify_unit])
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout + r.stderr)
        exposure = float(m.group(1)) if m else 99.0
        p.expect(exposure <= 2.0, unit, f"hardening exposure {exposure} (want at most 2.0):\n{r.stdout[-2000:]}")
        # The config the installer seeds must be valid for this binary.
        r = run([stage + binary, "config", "check", stage + "/etc/costbot/costbot.yaml"])
        p.expect(r.returncode == 0, installed, f"the installed config does not pass config check: {r.stdout}{r.stderr}")
    return p.finish(f"installs, systemd-analyze verify is silent, exposure {exposure}")


# ---------------------------------------------------------------- Slack and Teams


def check_slack(opts):
    p = Problems("slack")
    path = os.path.join(opts.repo, "deploy", "slack", "manifest.yaml")
    m = yaml.safe_load(open(path, encoding="utf-8"))
    info = m.get("display_information") or {}
    p.expect(0 < len(info.get("name", "")) <= 35, path, "display_information.name must be 1..35 characters")
    p.expect(len(info.get("description", "")) <= 140, path, "description is at most 140 characters")
    p.expect(175 <= len(info.get("long_description", "")) <= 4000, path, "long_description must be 175..4000 characters")
    features = m.get("features") or {}
    bot = features.get("bot_user") or {}
    p.expect(re.fullmatch(r"[a-z0-9._-]{1,80}", bot.get("display_name", "")), path, "bot_user.display_name: a-z0-9-_. only")

    commands = features.get("slash_commands") or []
    cost = next((c for c in commands if c.get("command") == "/cost"), None)
    hosts = set()
    if p.expect(cost, path, "no /cost slash command"):
        url = cost.get("url", "")
        p.expect(url.startswith("https://") and url.endswith(SLACK_ROUTES["commands"]), path,
                 f"/cost must POST to https://HOST{SLACK_ROUTES['commands']}, got {url}")
        hosts.add(url.split("/")[2])
        p.expect(len(cost.get("description", "")) <= 2000 and len(cost.get("usage_hint", "")) <= 1000, path, "too long")
        hint_words = set(re.findall(r"[a-z]+", cost.get("usage_hint", "")))
        for word in ("help", "top", "anomalies", "budget", "approve", "reject"):
            p.expect(word in hint_words, path, f"usage_hint does not mention {word}")
        unknown = {w for w in re.findall(r"(?:^|\| )([a-z]+)", cost.get("usage_hint", ""))} - set(CHAT_COMMANDS)
        p.expect(not unknown, path, f"usage_hint names commands the grammar does not have: {unknown}")

    settings = m.get("settings") or {}
    events = settings.get("event_subscriptions") or {}
    p.expect((events.get("request_url") or "").endswith(SLACK_ROUTES["events"]), path,
             f"event_subscriptions.request_url must end with {SLACK_ROUTES['events']}")
    interactivity = settings.get("interactivity") or {}
    p.expect(interactivity.get("is_enabled") is True and (interactivity.get("request_url") or "").endswith(
        SLACK_ROUTES["interactions"]), path, f"interactivity must be enabled at {SLACK_ROUTES['interactions']}")
    for url in (events.get("request_url", ""), interactivity.get("request_url", "")):
        p.expect(url.startswith("https://"), path, f"{url} must be https")
        hosts.add(url.split("/")[2] if "//" in url else url)
    p.expect(len(hosts) == 1, path, f"all request URLs should use one host, got {hosts}")
    p.expect(settings.get("socket_mode_enabled") is False, path, "costbot receives HTTP requests: socket mode off")

    bot_events = set(events.get("bot_events") or [])
    scopes = set(((m.get("oauth_config") or {}).get("scopes") or {}).get("bot") or [])
    p.expect({"app_mention", "message.im"} <= bot_events, path, f"bot_events need app_mention and message.im, got {bot_events}")
    for scope in ("commands", "chat:write", "im:history", "app_mentions:read"):
        p.expect(scope in scopes, path, f"bot scope {scope} missing")
    for event, scope in (("app_mention", "app_mentions:read"), ("message.im", "im:history")):
        if event in bot_events:
            p.expect(scope in scopes, path, f"event {event} needs scope {scope}")
    return p.finish(f"/cost → {SLACK_ROUTES['commands']}, events and interactivity URLs, {len(scopes)} scopes")


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour, data


def png_pixels(data):
    """RGBA pixels of an 8-bit RGBA, non-interlaced PNG (what make_icons.py writes)."""
    import zlib
    width, height = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 4
    pixels, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 4] if i >= 4 else 0
            b = prev[i]
            c = prev[i - 4] if i >= 4 else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        pixels += [tuple(line[i:i + 4]) for i in range(0, stride, 4)]
        prev = line
    return pixels


def check_teams(opts):
    p = Problems("teams")
    folder = os.path.join(opts.repo, "deploy", "teams")
    path = os.path.join(folder, "manifest.json")
    m = json.load(open(path, encoding="utf-8"))
    guid = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
    for key in ("manifestVersion", "version", "id", "developer", "name", "description", "icons", "accentColor"):
        p.expect(key in m, path, f"required field {key} missing")
    p.expect(m.get("$schema", "").endswith(f"/v{m.get('manifestVersion')}/MicrosoftTeams.schema.json"), path,
             "$schema must name the manifestVersion's schema")
    p.expect(guid.match(m.get("id", "")), path, "id must be a GUID")
    p.expect(re.fullmatch(r"\d+\.\d+\.\d+", m.get("version", "")), path, "version must be semver")
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        p.expect(m.get("developer", {}).get(key, "").startswith("https://"), path, f"developer.{key} must be https")
    p.expect(len(m.get("name", {}).get("short", "")) <= 30 and len(m.get("description", {}).get("short", "")) <= 80,
             path, "name.short ≤ 30 and description.short ≤ 80 characters")

    for icon, size in (("color", 192), ("outline", 32)):
        file = os.path.join(folder, m.get("icons", {}).get(icon, ""))
        png = read_png(file) if os.path.isfile(file) else None
        if p.expect(png and png[:2] == (size, size), file, f"{icon} icon must be a {size}x{size} PNG"):
            if icon == "outline":
                pixels = png_pixels(png[4])
                bad = [px for px in pixels if px[3] and px[:3] != (255, 255, 255)]
                p.expect(not bad and any(px[3] == 0 for px in pixels), file,
                         "the outline icon must be white on a transparent background")

    bots = m.get("bots") or []
    if p.expect(len(bots) == 1, path, "expected one bot"):
        bot = bots[0]
        p.expect(guid.match(bot.get("botId", "")), path, "botId must be a GUID (package.py sets the real one)")
        p.expect(set(bot.get("scopes", [])) == {"personal", "team", "groupChat"}, path,
                 "the bot must work in personal, team and groupChat scopes")
        menus = bot.get("commandLists") or []
        covered = set()
        for menu in menus:
            titles = [c.get("title") for c in menu.get("commands", [])]
            p.expect(len(titles) <= 10, path, f"Teams allows 10 commands per list, found {len(titles)}")
            p.expect(set(titles) <= set(CHAT_COMMANDS), path, f"commands not in the chat grammar: {set(titles) - set(CHAT_COMMANDS)}")
            p.expect(all(c.get("description") for c in menu.get("commands", [])), path, "every command needs a description")
            covered |= set(menu.get("scopes", []))
            for scope in menu.get("scopes", []):
                missing = set(CHAT_COMMANDS) - TEAMS_MENU_OMITS - set(titles)
                p.expect(not missing, path, f"the {scope} menu misses {missing}")
        p.expect(covered == set(bot.get("scopes", [])), path, "every bot scope needs a command menu")

    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "costbot-teams.zip")
        bot_id = "12345678-9abc-def0-1234-56789abcdef0"
        r = run([sys.executable, os.path.join(folder, "package.py"), "--bot-id", bot_id, "--host", "cost.acme.test",
                 "--output", out])
        if p.expect(r.returncode == 0, "deploy/teams/package.py", f"failed: {r.stdout}{r.stderr}"):
            with zipfile.ZipFile(out) as z:
                p.expect(sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"], out, f"contents {z.namelist()}")
                packaged = json.loads(z.read("manifest.json"))
                p.expect(packaged["bots"][0]["botId"] == bot_id, out, "botId not set")
                p.expect("costbot.example.com" not in json.dumps(packaged), out, "placeholder host left in the package")
        r = run([sys.executable, os.path.join(folder, "package.py"), "--bot-id", "not-a-guid", "--host", "x.test",
                 "--output", out])
        p.expect(r.returncode != 0 and "--bot-id" in r.stderr, "deploy/teams/package.py", "a bad --bot-id must be refused")
    return p.finish(f"manifest {m.get('manifestVersion')}, icons, {len(CHAT_COMMANDS) - len(TEAMS_MENU_OMITS)} menu commands, package builds")


# ---------------------------------------------------------------- health check, unprivileged runs


class StatusServer:
    """A loopback HTTP server that answers every GET with a chosen status (or never answers)."""

    def __init__(self, status=200, silent=False):
        outer = self
        self.status, self.silent, self.paths = status, silent, []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.paths.append(self.path)
                if outer.silent:
                    time.sleep(2)
                    return
                self.send_response(outer.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # the health check hangs up after the status line; that is not an error

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthcheck(repo, port, path=None, timeout="1"):
    argv = ["bash", os.path.join(repo, "deploy", "healthcheck.sh")] + ([path] if path else [])
    env = dict(os.environ, COSTBOT_HEALTH_PORT=str(port), COSTBOT_HEALTH_TIMEOUT=timeout)
    return run(argv, env=env, timeout=30)


def check_healthcheck(opts):
    p = Problems("healthcheck")
    ok = StatusServer(200)
    r = healthcheck(opts.repo, ok.port)
    p.expect(r.returncode == 0, "200", f"a 200 answer must be healthy: {r.stdout}{r.stderr}")
    p.expect(ok.paths == ["/healthz"], "200", f"expected GET /healthz, server saw {ok.paths}")
    r = healthcheck(opts.repo, ok.port, "/readyz")
    p.expect(r.returncode == 0 and ok.paths[-1] == "/readyz", "200", "a path argument must be requested")
    ok.close()
    failing = StatusServer(503)
    r = healthcheck(opts.repo, failing.port)
    p.expect(r.returncode == 1 and "503" in r.stdout, "503", f"a 503 must be unhealthy: rc {r.returncode} {r.stdout}")
    failing.close()
    silent = StatusServer(silent=True)
    started = time.monotonic()
    r = healthcheck(opts.repo, silent.port, timeout="1")
    p.expect(r.returncode == 1 and time.monotonic() - started < 2.5, "no answer",
             f"a server that never answers must be unhealthy after the timeout: rc {r.returncode}")
    silent.close()
    r = healthcheck(opts.repo, free_port())
    p.expect(r.returncode == 1 and "nothing listening" in r.stdout, "closed port", f"rc {r.returncode} {r.stdout}{r.stderr}")
    return p.finish("healthy on 200 only; 503, silence and a closed port are unhealthy")


class ImageLayout:
    """The runtime image's files, staged under a temp dir from the Dockerfile's own instructions,
    so the checks run the binary the way the container would (as USER, in WORKDIR, with ENV)."""

    def __init__(self, repo, binary):
        self.facts = image_facts(repo)
        self.dir = tempfile.mkdtemp(prefix="costbot-image-")
        os.chmod(self.dir, 0o755)  # the image's user must be able to walk into it
        self.root = self.dir
        final = self.facts["final"]
        for arg in final.all("COPY"):
            source_stage, sources, dest = copy_parts(arg)
            for source in sources:
                src = binary if source_stage else os.path.join(repo, source)
                target = self.path(dest)
                if os.path.isdir(src):
                    shutil.copytree(src, target, dirs_exist_ok=True)
                else:
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    shutil.copy2(src, target if not dest.endswith("/") else os.path.join(target, os.path.basename(src)))
        for dirpath, dirnames, filenames in os.walk(self.root):
            os.chmod(dirpath, 0o755)
            for f in filenames:
                mode = os.stat(os.path.join(dirpath, f)).st_mode
                os.chmod(os.path.join(dirpath, f), 0o755 if mode & 0o100 else 0o644)
        uid, gid = int(self.facts["uid"]), int(self.facts["gid"])
        for volume in self.facts["volumes"]:  # RUN install -d -o costbot ... /var/lib/costbot
            os.makedirs(self.path(volume), exist_ok=True)
            os.chown(self.path(volume), uid, gid)
            os.chmod(self.path(volume), 0o750)
        self.uid, self.gid = uid, gid

    def path(self, image_path):
        return os.path.join(self.root, image_path.lstrip("/"))

    def map_arg(self, arg):
        """Image paths in arguments (/var/lib/costbot/costbot.db) point into the staging dir."""
        for top in ("/usr/", "/var/", "/etc/", "/tmp/"):
            if arg.startswith(top):
                return self.path(arg)
        return arg

    def command(self, args, raw=False):
        entry = self.facts["entrypoint"][:1] if raw else self.facts["entrypoint"]
        program = next((self.path(d + "/" + entry[0]) for d in ("/usr/local/bin", "/usr/bin", "/bin")
                        if os.path.exists(self.path(d + "/" + entry[0]))), entry[0])
        return [program] + [self.map_arg(a) for a in entry[1:] + args]

    def run_as_user(self, args, timeout=60, popen=False, raw=False):
        """Runs ENTRYPOINT + args (or, with raw, just the program + args) as the image's USER."""
        env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8"}
        env.update({k: self.map_arg(v) for k, v in self.facts["env"].items()})
        for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if key in os.environ:
                env[key] = os.environ[key]
        argv = ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups", "--inh-caps=-all",
                "--no-new-privs"] + self.command(args, raw)
        kwargs = dict(env=env, cwd=self.path(self.facts["workdir"] or "/"))
        if popen:
            return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def check_unprivileged(opts):
    p = Problems("unprivileged")
    if os.geteuid() != 0:
        print("unprivileged: switching to the image's uid needs root (setpriv); run ctest as root")
        return SKIP
    image = ImageLayout(opts.repo, opts.binary)
    try:
        uid = image.uid
        r = image.run_as_user(["--help"])
        p.expect(r.returncode == 0 and "Usage" in r.stdout, "--help", f"rc {r.returncode}: {r.stderr}")
        r = image.run_as_user(["config", "check"])
        p.expect(r.returncode == 0 and r.stdout.startswith("config/costbot.example.yaml: OK"), "config check",
                 f"the image's own config (WORKDIR-relative) should be found and valid: rc {r.returncode} {r.stdout}{r.stderr}")
        r = image.run_as_user(["migrate"])
        db = image.path(option_value(image.facts["entrypoint"], "--db"))
        p.expect(r.returncode == 0, "migrate", f"rc {r.returncode}: {r.stdout}{r.stderr}")
        if p.expect(os.path.isfile(db), "migrate", f"no database at {db}"):
            p.expect(os.stat(db).st_uid == uid, "migrate", f"the database is owned by uid {os.stat(db).st_uid}, not {uid}")
        r = image.run_as_user(["migrate"])
        p.expect(r.returncode == 0 and "up to date" in r.stdout, "migrate again", f"{r.stdout}{r.stderr}")
        # Proof that the process really lacks privileges: a root-owned directory is refused, clearly.
        locked = image.path("/usr/share/costbot")
        r = image.run_as_user(["--db", os.path.join(locked, "x.db"), "migrate"], raw=True)
        p.expect(r.returncode != 0 and "costbot:" in r.stderr and not os.path.exists(os.path.join(locked, "x.db")),
                 "read-only dir", f"writing into a root-owned dir must fail with a message: rc {r.returncode} {r.stderr}")
        chart_in = image.path("/var/lib/costbot/series.csv")
        with open(chart_in, "w") as f:
            f.write("2024-09-01,100\n2024-09-02,400,100,90,110,1\n")
        os.chown(chart_in, uid, image.gid)
        r = image.run_as_user(["chart", "--input", "/var/lib/costbot/series.csv", "--output", "/var/lib/costbot/c.png"])
        p.expect(r.returncode == 0 and read_png(image.path("/var/lib/costbot/c.png")), "chart",
                 f"drawing a chart into the volume: rc {r.returncode} {r.stderr}")
    finally:
        image.close()
    return p.finish(f"as uid {uid}: --help, config check, migrate into the volume; root-owned dir refused")


def check_serve(opts):
    p = Problems("serve")
    if os.geteuid() != 0:
        print("serve: switching to the image's uid needs root (setpriv)")
        return SKIP
    if not re.search(r"^\s+serve\b", run([opts.binary, "--help"]).stdout, re.M):
        print("serve: SKIPPED — this build has no `costbot serve` command yet")
        return SKIP
    image = ImageLayout(opts.repo, opts.binary)
    port = free_port()
    # The container's own command line, as `docker run IMAGE` runs it, on a free loopback port.
    cmd = list(image.facts["cmd"])
    p.expect(cmd[:1] == ["serve"], "CMD", f"the container should run `serve`, CMD is {cmd}")
    if "--listen" in cmd:
        cmd[cmd.index("--listen") + 1] = f"127.0.0.1:{port}"
    else:
        cmd += ["--listen", f"127.0.0.1:{port}"]
    proc = image.run_as_user(cmd, popen=True)
    try:
        deadline, healthy = time.monotonic() + 30, None
        while time.monotonic() < deadline and proc.poll() is None:
            healthy = healthcheck(opts.repo, port)
            if healthy.returncode == 0:
                break
            time.sleep(0.2)
        p.expect(healthy is not None and healthy.returncode == 0, "/healthz",
                 f"the image's health check never passed: {healthy.stdout if healthy else ''} (exit {proc.poll()})")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = healthcheck(opts.repo, port, "/readyz")
            if ready.returncode == 0:
                break
            time.sleep(0.2)
        p.expect(ready.returncode == 0, "/readyz", f"never ready: {ready.stdout}")
        for path, kind in (("/", "text/html"), ("/metrics", "text/plain")):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                    p.expect(r.status == 200 and r.headers.get("Content-Type", "").startswith(kind), path,
                             f"{r.status} {r.headers.get('Content-Type')}")
            except Exception as e:  # noqa: BLE001
                p.add(path, f"GET failed: {e}")
    finally:
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        image.close()
    p.expect(proc.returncode in (0, -15), "SIGTERM", f"serve should stop cleanly on SIGTERM, exit {proc.returncode}\n{err[-2000:]}")
    return p.finish(f"as uid {image.uid}, CMD {' '.join(cmd)}: /healthz and /readyz answer 200 through "
                    f"deploy/healthcheck.sh; the web page and /metrics answer")


CHECKS = {
    "manifests": check_manifests, "dockerfile": check_dockerfile, "compose": check_compose,
    "kubernetes": check_kubernetes, "runtime-deps": check_runtime_deps, "systemd": check_systemd,
    "slack": check_slack, "teams": check_teams, "healthcheck": check_healthcheck,
    "unprivileged": check_unprivileged, "serve": check_serve,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("check", choices=sorted(CHECKS))
    parser.add_argument("--repo", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--build-dir", required=True)
    opts = parser.parse_args()
    opts.repo, opts.binary, opts.build_dir = map(os.path.abspath, (opts.repo, opts.binary, opts.build_dir))
    sys.exit(CHECKS[opts.check](opts))


if __name__ == "__main__":
    main()
