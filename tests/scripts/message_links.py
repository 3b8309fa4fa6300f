#!/usr/bin/env python3
"""Every message costbot would send on the demo, for every persona and channel, as the service
renders it (`costbot render`), checked the way a reader meets it:

- no template placeholder is left ({{...}}, {name}, F<id>) and no costbot server command is told
  to a chat reader (they cannot run `costbot costs ...`);
- every link in it opens the thing it names: each URL on this service is requested from the
  running service by a signed-in reader and must answer 2xx.

All messages are rendered by one `costbot render --batch` process (one launch, not one per message).

    message_links.py --repo REPO --binary build/bot/costbot
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_service import LiveService  # noqa: E402

PERSONAS = ["cfo", "engineer", "finops_analyst", "eng_manager"]
CHANNELS = ["slack", "teams", "email", "jira", "web"]
URL = re.compile(r"https?://[^\s\"'<>|)\\]+")
PLACEHOLDERS = [
    (re.compile(r"\{\{[^}]*\}\}?|\}\}"), "an unreplaced template tag"),
    (re.compile(r"\bF<id>"), "a literal F<id>"),
    (re.compile(r"(?<![{\w])\{(resource|resource_id|name|account|region|team|impact_per_day|impact_per_month|"
                r"instance_type|target_type|service|environment)\}"), "an unreplaced rule placeholder"),
]
SERVER_COMMAND = re.compile(r"\bcostbot (costs|feedback|findings|planned|detect|ingest|approvals|rules|budgets|jobs)\b")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    problems = []
    with LiveService(args.binary, args.repo, config_changes={"server": {"public_url": base}},
                     listen=f"127.0.0.1:{port}") as svc:
        cli = svc.base_args()

        findings = json.loads(subprocess.run(cli + ["findings", "--format", "json"], cwd=args.repo,
                                             capture_output=True, text=True, check=True).stdout)
        # One finding of each kind (each kind has its own templates), the critical ones for escalations.
        by_kind = {}
        for f in findings.get("findings", []):
            by_kind.setdefault(f.get("kind"), f"F{f['id']}")
        ids = sorted(by_kind.values())
        critical = [f"F{f['id']}" for f in findings.get("findings", []) if f.get("severity") == "critical"]
        assert ids, "the demo has no findings to render"
        jobs = [["render", "--finding", i, "--persona", p, "--channel", c] for i in ids for p in PERSONAS for c in CHANNELS]
        jobs += [["render", "--finding", i, "--persona", p, "--channel", c, "--event", "escalation"]
                 for i in critical[:2] for p in PERSONAS for c in CHANNELS]
        jobs += [["render", "--digest", d, "--persona", p, "--channel", c]
                 for d in ("daily", "weekly") for p in PERSONAS for c in CHANNELS]
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as batch:
            batch.write("".join(" ".join(job[1:]) + "\n" for job in jobs))
        try:
            r = subprocess.run(cli + ["render", "--batch", batch.name], cwd=args.repo, capture_output=True, text=True,
                               timeout=300)
        finally:
            os.unlink(batch.name)
        if r.returncode != 0:
            print(f"costbot render --batch failed ({r.returncode}): {r.stderr[-2000:]}")
            return 1
        answers = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
        if len(answers) != len(jobs):
            print(f"costbot render --batch answered {len(answers)} of {len(jobs)} renders")
            return 1

        urls = {}
        rendered = 0
        for answer in answers:
            what = answer["args"]
            extra = what.split()
            if not answer["ok"]:
                problems.append(f"{what}: render failed: {answer['error'][:300]}")
                continue
            rendered += 1
            text = answer["output"]
            for pattern, name in PLACEHOLDERS:
                m = pattern.search(text)
                if m:
                    problems.append(f"{what}: {name}: {m.group(0)!r}")
            channel = extra[extra.index("--channel") + 1]
            if channel in ("slack", "teams"):
                m = SERVER_COMMAND.search(text)
                if m:
                    problems.append(f"{what}: tells a chat reader to run a server command: {m.group(0)!r}")
            for u in URL.findall(text):
                urls.setdefault(u.rstrip(".,;"), what)

        # Approval requests as posted (the web copy carries the same links as Slack's and Teams').
        # A reader who follows a link signs in first; signed in, every link must open its thing.
        reader = dict(svc.web_session(), Host=f"127.0.0.1:{port}")
        status, _, feed = svc.json("GET", "/web/feed?feed=approvals&limit=100", headers=reader)
        if status != 200 or not (feed or {}).get("items"):
            problems.append(f"the approvals feed answers {status} with no posts: no approval links checked")
        for post in (feed or {}).get("items", []):
            for u in URL.findall(json.dumps(post)):
                urls.setdefault(u.rstrip(".,;"), f"approval post {post.get('subject')}")

        own = {u: w for u, w in urls.items() if u.startswith(base + "/") or u == base}
        for u, where in sorted(own.items()):
            path = u[len(base):] or "/"
            status, headers, body = svc.request("GET", path, headers=reader)
            location = headers.get("location", "")
            if not 200 <= status < 300:
                problems.append(f"{where}: link {u} answers {status}{(' -> ' + location) if location else ''}")
        print(f"{rendered} messages rendered ({len(ids)} findings (one per kind) x {len(PERSONAS)} personas x {len(CHANNELS)} "
              f"channels, escalations, digests); {len(own)} links on this service requested, "
              f"{len(urls) - len(own)} elsewhere not requested")
    for p in problems:
        print("FAIL", p)
    if problems:
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
