#!/usr/bin/env python3
"""The REST API against its OpenAPI document (bot/api/openapi.yaml), on a real service.

A real `costbot serve` runs on loopback over a database filled by `costbot demo`. Every operation
of the document is called (successes and the documented failures) and each real answer is checked
against the schema the document gives for its status code, with Debian's python3-jsonschema
(JSON Schema 2020-12, which OpenAPI 3.1 schemas are). Also checked: the document is a valid
OpenAPI 3.1 shape whose $refs all resolve and whose schemas are valid JSON Schema; the service's
/api/v1 routes are exactly the document's operations; tokens, rate limits and Retry-After behave.

  api_contract.py --repo DIR --binary PATH
"""
import hashlib
import argparse
import os
import re
import sys

import jsonschema
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_service import LiveService  # noqa: E402

TOKEN = "ci-token-0123456789abcdef"
LIMITED = "limited-token-0123456789abcdef"
BOUND = "bound-token-0123456789abcdef"
READER = "reader-token-0123456789abcdef"


class Contract:
    def __init__(self, spec):
        self.spec = spec
        self.resolver = jsonschema.RefResolver.from_schema(spec)
        self.problems = []
        self.checked = 0
        self.seen = set()  # (method, template, status)

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self.resolver.resolve(node["$ref"])[1]
        return node

    def operation(self, method, path):
        for template, item in self.spec["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            if re.match(pattern, path.split("?")[0]) and method.lower() in item:
                return template, item[method.lower()]
        return None, None

    def check(self, svc, method, path, status_expected, body=None, headers=None, token=TOKEN):
        hdrs = dict(headers or {})
        if token:
            hdrs.setdefault("Authorization", f"Bearer {token}")
        if body is not None:
            hdrs.setdefault("Content-Type", "application/json")
        status, rhdrs, data = svc.json(method, path, hdrs, body)
        where = f"{method} {path}"
        if status != status_expected:
            self.problems.append(f"{where}: expected {status_expected}, got {status}: {data}")
            return status, rhdrs, data
        template, op = self.operation(method, path)
        if not op:
            self.problems.append(f"{where}: no operation in the document")
            return status, rhdrs, data
        response = self.resolve(op["responses"].get(str(status)))
        if response is None:
            self.problems.append(f"{where}: status {status} is not documented for {template}")
            return status, rhdrs, data
        self.seen.add((method, template, status))
        media = (response.get("content") or {}).get("application/json")
        if media:
            if not rhdrs.get("content-type", "").startswith("application/json"):
                self.problems.append(f"{where}: Content-Type {rhdrs.get('content-type')}, documented JSON")
            validator = jsonschema.Draft202012Validator(media["schema"], resolver=self.resolver)
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
            for e in errors[:5]:
                self.problems.append(f"{where} {status}: {'/'.join(map(str, e.path)) or '(root)'}: {e.message[:300]}")
        for name, header in (response.get("headers") or {}).items():
            value = rhdrs.get(name.lower())
            if value is None:
                self.problems.append(f"{where} {status}: documented header {name} missing")
                continue
            schema = self.resolve(header).get("schema", {})
            if schema.get("type") == "integer":
                if not value.isdigit():
                    self.problems.append(f"{where} {status}: header {name}={value!r} is not an integer")
                    continue
                value = int(value)
            for e in jsonschema.Draft202012Validator(schema, resolver=self.resolver).iter_errors(value):
                self.problems.append(f"{where} {status}: header {name}: {e.message}")
        self.checked += 1
        return status, rhdrs, data

    def expect(self, condition, message):
        if not condition:
            self.problems.append(message)


def check_document(spec, c):
    c.expect(str(spec.get("openapi", "")).startswith("3.1"), "openapi: expected 3.1.x")
    for key in ("info", "paths", "components"):
        c.expect(key in spec, f"the document has no {key}")
    # Every $ref resolves and every schema is valid JSON Schema 2020-12.
    def walk(node, where):
        if isinstance(node, dict):
            if "$ref" in node:
                try:
                    c.resolver.resolve(node["$ref"])
                except Exception as e:  # noqa: BLE001
                    c.problems.append(f"{where}: $ref {node['$ref']} does not resolve: {e}")
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")
    walk(spec, "#")
    for name, schema in spec["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            c.problems.append(f"components.schemas.{name}: not a valid JSON Schema: {e.message}")
    for template, item in spec["paths"].items():
        for method, op in item.items():
            c.expect("operationId" in op and "responses" in op, f"{method.upper()} {template}: operationId and responses")
            for status, response in op.get("responses", {}).items():
                c.expect("description" in c.resolve(response), f"{method.upper()} {template} {status}: no description")


def parameter_limits(spec, c, svc):
    """Each query parameter's schema against the service: the edges a schema states (maximum,
    minimum, enum, pattern, boolean, date) are accepted on their side and answered 400 beyond."""
    from urllib.parse import quote
    for template, item in spec["paths"].items():
        op = item.get("get")
        if not op or "{" in template or op.get("security") == []:
            continue
        for param in (c.resolve(p) for p in op.get("parameters", [])):
            if param.get("in") != "query":
                continue
            name, schema = param["name"], c.resolve(param.get("schema", {}))
            items = c.resolve(schema.get("items", {})) if schema.get("type") == "array" else None
            one = items or schema
            good, bad = [], []
            if one.get("type") == "integer":
                if "maximum" in one:
                    good.append(one["maximum"])
                    bad.append(one["maximum"] + 1)
                if "minimum" in one:
                    good.append(one["minimum"])
                    bad.append(one["minimum"] - 1)
                bad.append("ten")
            elif one.get("type") == "boolean":
                good += ["true", "false"]
                bad.append("maybe")
            elif "enum" in one:
                good.append(one["enum"][-1])
                bad.append("not_a_" + name)
            elif one.get("format") == "date":
                good.append("2024-09-18")
                bad += ["2024-13-01", "yesterday"]
            elif "pattern" in one:
                examples = param.get("example")
                examples = examples if isinstance(examples, list) else [examples] if examples else []
                good += examples
                for value in ("no-such-" + name, "team"):
                    c.expect(not re.search(one["pattern"], value), f"{name}: the pattern accepts {value!r}")
                    bad.append(value)
            for value in good:
                c.check(svc, "GET", f"{template}?{name}={quote(str(value), safe='=')}", 200)
            for value in bad:
                c.check(svc, "GET", f"{template}?{name}={quote(str(value), safe='=')}", 400)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    args.repo, args.binary = os.path.abspath(args.repo), os.path.abspath(args.binary)
    with open(os.path.join(args.repo, "bot", "api", "openapi.yaml"), encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    c = Contract(spec)
    check_document(spec, c)

    # Every token carries an actor or a role (issue 15): "ci" relays for others by an explicit
    # grant (act_for), "bound" is one person's, "reader" (from the environment, no role given)
    # may only read; "limited" is stored as its digest only.
    config = {"api": {"requests_per_minute": 600, "burst": 200, "tokens": [
        {"name": "ci", "token": {"env": "COSTBOT_TEST_CI_TOKEN"}, "role": "requester", "act_for": ["*"]},
        {"name": "limited", "token_sha256": hashlib.sha256(LIMITED.encode()).hexdigest(), "role": "viewer",
         "requests_per_minute": 1, "burst": 2},
        {"name": "bound", "token": {"env": "COSTBOT_TEST_BOUND_TOKEN"}, "actor": "U_BOUND"},
    ]}}
    env = {"COSTBOT_API_TOKENS": f"reader:{READER}", "COSTBOT_TEST_CI_TOKEN": TOKEN, "COSTBOT_TEST_BOUND_TOKEN": BOUND}
    with LiveService(args.binary, args.repo, config_changes=config, env=env) as svc:
        # The service's routes are exactly the document's operations.
        served = {r for r in svc.routes() if " /api/v1/" in r}
        documented = {f"{m.upper()} {p}" for p, item in spec["paths"].items() for m in item}
        c.expect(served == documented, f"routes differ: served only {sorted(served - documented)}, "
                                       f"documented only {sorted(documented - served)}")

        # Every query parameter's limits, as the document states them.
        parameter_limits(spec, c, svc)

        # Costs
        _, _, costs = c.check(svc, "GET", "/api/v1/costs?by=team&period=30d", 200)
        c.expect(costs and len(costs["totals"]) >= 3, f"costs by team: expected the demo's teams, got {costs}")
        _, _, only = c.check(svc, "GET", "/api/v1/costs?by=service&period=30d&where=team=payments&limit=3", 200)
        c.expect(only and 0 < len(only["totals"]) <= 3, "costs: limit 3")
        c.expect(only and costs and only["total"]["effective"] < costs["total"]["effective"], "costs: where=team filters")
        c.check(svc, "GET", "/api/v1/costs?by=planet", 400)
        c.check(svc, "GET", "/api/v1/costs?period=someday", 400)
        c.check(svc, "GET", "/api/v1/costs?period=7d&from=2024-01-01", 400)
        c.check(svc, "GET", "/api/v1/costs?period=2024-09-10..2024-09-01", 400)  # reversed
        c.check(svc, "GET", "/api/v1/costs?period=2024-09-01..2024-09-10", 200)
        c.check(svc, "GET", "/api/v1/costs?where=planet=mars", 400)
        c.check(svc, "GET", "/api/v1/costs?limit=10000", 200)
        c.check(svc, "GET", "/api/v1/costs?limit=10001", 400)

        # Findings and incidents
        _, _, found = c.check(svc, "GET", "/api/v1/findings", 200)
        c.expect(found and found["findings"], "the demo's findings are listed")
        c.check(svc, "GET", "/api/v1/findings?open=true&limit=5", 200)
        c.check(svc, "GET", "/api/v1/findings?limit=0", 400)
        c.check(svc, "GET", "/api/v1/findings?open=maybe", 400)
        if found and found["findings"]:
            fid = found["findings"][0]["id"]
            c.check(svc, "GET", f"/api/v1/findings/{fid}", 200)
            c.check(svc, "GET", f"/api/v1/findings/F{fid}", 200)
        c.check(svc, "GET", "/api/v1/findings/987654", 404)
        c.check(svc, "GET", "/api/v1/findings/nonsense", 404)
        _, _, incidents = c.check(svc, "GET", "/api/v1/incidents?open=true", 200)
        c.expect(incidents and incidents["incidents"], "the demo's incidents are listed")
        if incidents and incidents["incidents"]:
            iid = incidents["incidents"][0]["id"]
            _, _, one = c.check(svc, "GET", f"/api/v1/incidents/I{iid}", 200)
            c.expect(one and one["findings"], "an incident shows its findings")
        c.check(svc, "GET", "/api/v1/incidents/987654", 404)

        # Budgets
        _, _, budgets = c.check(svc, "GET", "/api/v1/budgets", 200)
        c.expect(budgets and any(b["name"] == "data-platform" for b in budgets["budgets"]),
                 "budgets: the demo's data-platform budget")
        c.check(svc, "GET", "/api/v1/budgets?as_of=yesterday", 400)

        # Approvals: list, show, create, decide
        _, _, listed = c.check(svc, "GET", "/api/v1/approvals", 200)
        c.expect(listed and len(listed["approvals"]) >= 4, "the demo's four requests are listed")
        c.check(svc, "GET", "/api/v1/approvals?open=true", 200)
        c.check(svc, "GET", "/api/v1/approvals?open=maybe", 400)
        c.check(svc, "GET", "/api/v1/approvals/987654", 404)
        _, hdrs, created = c.check(svc, "POST", "/api/v1/approvals", 201, body={
            "title": "Stop the forgotten load test fleet", "amount": 640, "requester": "U_API_REQUESTER",
            "team": "payments", "severity": "medium", "summary": "Six c5.4xlarge left running since Friday.",
            "facts": {"resource": "i-0loadtest", "region": "us-east-1"}})
        if created:
            rid = created["id"]
            c.expect(hdrs.get("location") == f"/api/v1/approvals/{rid}", f"Location header: {hdrs.get('location')}")
            _, _, shown = c.check(svc, "GET", f"/api/v1/approvals/{rid}", 200)
            pending = (shown or {}).get("current", {}).get("pending", [])
            c.expect(pending, f"the new request waits for someone: {shown}")
            c.check(svc, "POST", f"/api/v1/approvals/{rid}/decisions", 403,
                     body={"verdict": "approve", "actor": "U_NOT_AN_APPROVER"})
            c.check(svc, "POST", f"/api/v1/approvals/{rid}/decisions", 403,
                     body={"verdict": "approve", "actor": "U_API_REQUESTER"})
            c.check(svc, "POST", f"/api/v1/approvals/{rid}/decisions", 403, token=BOUND,
                     body={"verdict": "approve", "actor": "U_SOMEONE_ELSE"})
            c.check(svc, "POST", f"/api/v1/approvals/{rid}/decisions", 400, body={"verdict": "maybe", "actor": "x"})
            if pending:
                approver = pending[0]["user"]
                _, _, decided = c.check(svc, "POST", f"/api/v1/approvals/{rid}/decisions", 200,
                                        body={"verdict": "approve", "actor": approver, "stage": 1})
                c.expect(decided and decided["outcome"] in ("applied", "stage_advanced", "approved_final"),
                         f"the approver's decision counts: {decided}")
                _, _, again = c.check(svc, "POST", f"/api/v1/approvals/{rid}/decisions", 409,
                                      body={"verdict": "approve", "actor": approver, "stage": 1})
                c.expect(again and again.get("outcome") in ("already_decided", "stage_not_active", "request_closed"),
                         f"a second decision changes nothing: {again}")
        c.check(svc, "POST", "/api/v1/approvals/987654/decisions", 404, body={"verdict": "approve", "actor": "U0CFO"})
        c.check(svc, "POST", "/api/v1/approvals", 400, body={"amount": 10, "requester": "U1"})
        # The service picks the workflow; a read-only token opens nothing.
        c.check(svc, "POST", "/api/v1/approvals", 400, body={"title": "x", "amount": 50000, "requester": "U1",
                                                             "workflow": "small"})
        c.check(svc, "GET", "/api/v1/costs?by=team", 200, token=READER)
        c.check(svc, "POST", "/api/v1/approvals", 403, token=READER,
                body={"title": "x", "amount": 10, "requester": "U1"})
        c.check(svc, "POST", f"/api/v1/approvals/1/decisions", 403, token=READER,
                body={"verdict": "approve", "actor": "U0PAYLEAD"})
        c.check(svc, "POST", "/api/v1/approvals", 400, body="title=x", headers={"Content-Type": "text/plain"})
        c.check(svc, "POST", "/api/v1/approvals", 403, token=BOUND,
                body={"title": "x", "amount": 10, "requester": "U_SOMEONE_ELSE"})
        if listed and listed["approvals"]:
            demo_request = listed["approvals"][-1]
            if demo_request.get("finding_id"):
                # A finding's request carries the finding's amount: another amount is refused ...
                c.check(svc, "POST", "/api/v1/approvals", 409, body={
                    "title": "again", "amount": 10, "requester": "U1", "team": demo_request["team"],
                    "finding_id": demo_request["finding_id"]})
                # ... and the finding already has its request.
                c.check(svc, "POST", "/api/v1/approvals", 409, body={
                    "requester": "U1", "finding_id": demo_request["finding_id"]})
        c.check(svc, "POST", "/api/v1/approvals", 404, body={"requester": "U1", "finding_id": "F987654"})

        # Authentication and rate limits
        _, hdrs, _ = c.check(svc, "GET", "/api/v1/findings", 401, token=None)
        c.expect(hdrs.get("www-authenticate", "").startswith("Bearer"), f"401 names the Bearer scheme: {hdrs}")
        c.check(svc, "GET", "/api/v1/findings", 401, token="not-a-token-at-all-000000")
        c.check(svc, "GET", "/api/v1/findings", 401, headers={"Authorization": f"Basic {TOKEN}"}, token=None)
        c.check(svc, "GET", "/api/v1/budgets", 200, token=LIMITED)
        c.check(svc, "GET", "/api/v1/budgets", 200, token=LIMITED)
        _, hdrs, _ = c.check(svc, "GET", "/api/v1/budgets", 429, token=LIMITED)
        c.expect(int(hdrs.get("retry-after", "0")) >= 1, f"429 carries Retry-After: {hdrs}")
        c.check(svc, "GET", "/api/v1/budgets", 200)  # another token is not slowed down
        log = svc.log()
        for secret in (TOKEN, LIMITED, BOUND, READER):
            c.expect(secret not in log, "a token appears in the service's log")

    # With no token configured, every operation but the document answers 503 saying so.
    with LiveService(args.binary, args.repo, config_changes={"api": {"tokens": []}}, demo=False,
                     env={"COSTBOT_API_TOKENS": ""}) as bare:
        for template, item in spec["paths"].items():
            for method, op in item.items():
                if op.get("security") == []:
                    continue
                path = template.replace("{id}", "1")
                body = {} if method == "post" else None
                _, _, answer = c.check(bare, method.upper(), path, 503, body=body)
                c.expect(answer and "api.tokens" in answer.get("message", ""), f"{method} {path} 503 says what to set: {answer}")

    missing = [(m, t, s) for t, item in spec["paths"].items() for m, op in item.items()
               for s in op["responses"] if s.startswith("2") and (m.upper(), t, int(s)) not in c.seen]
    c.expect(not missing, f"documented success responses never exercised: {missing}")
    if c.problems:
        print(f"{len(c.problems)} problem(s):")
        for p in c.problems:
            print("  " + p)
        return 1
    print(f"OpenAPI contract: {c.checked} real responses match bot/api/openapi.yaml "
          f"({len(c.seen)} operation/status pairs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
