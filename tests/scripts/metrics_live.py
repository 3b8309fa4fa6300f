#!/usr/bin/env python3
"""GET /metrics of a real `costbot serve`, checked by Prometheus' own linter.

The service starts on a fresh database whose ingest sources are the files `costbot demo` writes
(90 days of FOCUS billing and usage metrics), with `schedules.ingest.on_start`, so its scheduler
ingests them at once and detection follows. After some traffic (hits, a 404, a chart, the web
channel, the API), the scrape must pass `promtool check metrics` with no message and carry the
instruments the operators rely on: requests by route and status, latency histograms, rows
ingested, findings by kind, outbox depth, job runs and durations.

  metrics_live.py --repo DIR --binary PATH
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_service import LiveService  # noqa: E402

TOKEN = "metrics-test-token-0123456789"


def value(text, series):
    m = re.search("^" + re.escape(series) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    args.repo, args.binary = os.path.abspath(args.repo), os.path.abspath(args.binary)
    problems = []
    with tempfile.TemporaryDirectory(prefix="costbot-metrics-") as work:
        data = os.path.join(work, "demo-data")
        r = subprocess.run([args.binary, "--db", os.path.join(work, "scratch.db"), "demo", "--data-dir", data],
                           cwd=args.repo, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            print(f"costbot demo failed:\n{r.stdout}\n{r.stderr}")
            return 1
        config = {
            "ingest": {"sources": [{"name": "demo-billing", "type": "focus", "paths": [os.path.join(data, "focus_demo.csv")]},
                                   {"name": "demo-usage", "type": "usage", "paths": [os.path.join(data, "usage_metrics.csv")]}]},
            "schedules": {"ingest": {"on_start": True}},
        }
        with LiveService(args.binary, args.repo, config_changes=config, env={"COSTBOT_API_TOKENS": f"ci:{TOKEN}"},
                         demo=False) as svc:
            deadline = time.time() + 90
            scrape = ""
            while time.time() < deadline:
                scrape = svc.request("GET", "/metrics")[2].decode()
                if 'costbot_job_runs_total{job="detect",outcome="ok"}' in scrape:
                    break
                time.sleep(0.2)
            else:
                print("the scheduler's ingest and detect runs never showed in /metrics:\n" + svc.log()[-3000:])
                return 1
            for _ in range(3):
                svc.request("GET", "/healthz")
            svc.request("GET", "/no/such/route")
            web = svc.web_session()
            svc.request("GET", "/web/feeds", headers=web)
            svc.request("GET", "/api/v1/findings?limit=3", headers={"Authorization": f"Bearer {TOKEN}"})
            svc.request("GET", "/api/v1/findings", headers={"Authorization": "Bearer wrong-token-000000000000"})
            findings = svc.json("GET", "/api/v1/findings?limit=1", headers={"Authorization": f"Bearer {TOKEN}"})[2]["findings"]
            if findings:
                svc.request("GET", f"/charts/{findings[0]['id']}.png", headers={"Authorization": f"Bearer {TOKEN}"})
            time.sleep(0.1)  # a request is counted when its response has been written
            status, headers, body = svc.request("GET", "/metrics")
            scrape = body.decode()
        path = os.path.join(work, "metrics.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(scrape)

    if status != 200 or headers.get("content-type") != "text/plain; version=0.0.4; charset=utf-8":
        problems.append(f"GET /metrics: {status} {headers.get('content-type')}")
    lint = subprocess.run(["promtool", "check", "metrics"], input=scrape, capture_output=True, text=True)
    if lint.returncode != 0 or lint.stdout.strip() or lint.stderr.strip():
        problems.append(f"promtool check metrics: rc {lint.returncode}\n{lint.stdout}{lint.stderr}")

    expect_at_least = {
        'costbot_http_requests_total{route="/healthz",method="GET",status="200"}': 3,
        'costbot_http_requests_total{route="(no route)",method="GET",status="404"}': 1,
        'costbot_http_requests_total{route="/api/v1/findings",method="GET",status="200"}': 1,
        'costbot_http_requests_total{route="/api/v1/findings",method="GET",status="401"}': 1,
        'costbot_http_request_duration_seconds_count{route="/healthz"}': 3,
        'costbot_ingest_rows_total{source="demo-billing"}': 1000,
        'costbot_ingest_rows_total{source="demo-usage"}': 1000,
        'costbot_job_runs_total{job="ingest",outcome="ok"}': 1,
        'costbot_job_runs_total{job="detect",outcome="ok"}': 1,
        'costbot_job_duration_seconds_count{job="detect"}': 1,
        'costbot_build_info{version="0.1.0"}': 1,
    }
    if findings:
        expect_at_least['costbot_http_requests_total{route="/charts/{id}.png",method="GET",status="200"}'] = 1
    for series, minimum in expect_at_least.items():
        v = value(scrape, series)
        if v is None or v < minimum:
            problems.append(f"{series}: expected at least {minimum}, got {v}")
    kinds = re.findall(r'^costbot_findings_total\{kind="([a-z_]+)"\} (\d+)', scrape, re.M)
    if len(kinds) < 3:
        problems.append(f"costbot_findings_total: expected several kinds from the demo's stories, got {kinds}")
    for family in ("costbot_outbox_effects", "costbot_outbox_retries_total", "costbot_outbox_deliveries_total",
                   "costbot_http_request_duration_seconds", "costbot_job_duration_seconds", "costbot_start_time_seconds"):
        if f"# TYPE {family} " not in scrape:
            problems.append(f"family {family} missing")
    if value(scrape, 'costbot_outbox_effects{status="pending"}') is None:
        problems.append("outbox depth (costbot_outbox_effects{status=\"pending\"}) missing")

    if problems:
        print("\n".join(problems))
        return 1
    samples = sum(1 for line in scrape.splitlines() if line and not line.startswith("#"))
    print(f"/metrics of a live service: {samples} samples, promtool check metrics clean; finding kinds {kinds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
