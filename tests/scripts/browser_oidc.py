#!/usr/bin/env python3
"""Web sign-in in Debian's headless Chromium through an OpenID Connect provider on loopback
(tests/browser/fake_oidc.mjs: RS256 ID tokens, JWKS, discovery, PKCE), against a real `costbot
serve` over a `costbot demo` database: the signed-in team lead approves; a second browser profile
without sign-in is refused the same approval (tests/browser/oidc_sign_in.mjs).

  browser_oidc.py --repo DIR --binary PATH --out DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_web_channel import CHROMIUM, install_packages  # noqa: E402
from live_service import LiveService  # noqa: E402

CLIENT_ID = "costbot-browser-test"
CLIENT_SECRET = "browser-oidc-secret-0815"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    args.repo, args.binary = os.path.abspath(args.repo), os.path.abspath(args.binary)
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            print(f"{tool} not found: install it (deploy/install-deps.sh)")
            return 1
    if not os.access(CHROMIUM, os.X_OK):
        print(f"{CHROMIUM} not found: install Debian's chromium (deploy/install-deps.sh)")
        return 1
    browser_dir = os.path.join(args.repo, "tests", "browser")
    install_packages(browser_dir)
    os.makedirs(args.out, exist_ok=True)
    idp = subprocess.Popen(["node", os.path.join(browser_dir, "fake_oidc.mjs"), CLIENT_ID, CLIENT_SECRET],
                           stdout=subprocess.PIPE, text=True)
    try:
        line = idp.stdout.readline().strip()
        if not line.startswith("listening "):
            print(f"the fake provider did not start: {line}")
            return 1
        issuer = line.split(" ", 1)[1]
        config = {
            "web": {"providers": {"testidp": {"type": "oidc", "issuer": issuer, "label": "Sign in with the test IdP",
                                              "client_id": CLIENT_ID,
                                              "client_secret": {"env": "COSTBOT_TEST_OIDC_SECRET"}}}},
            "access": {"act_for": {}},
        }
        with LiveService(args.binary, args.repo, config_changes=config,
                         env={"COSTBOT_TEST_OIDC_SECRET": CLIENT_SECRET}) as svc:
            setup = json.dumps({"redirect_uri": svc.url("/auth/callback/testidp"),
                                "claims": {"sub": "U0PAYLEAD", "name": "Pat Lead (payments)"}}).encode()
            urllib.request.urlopen(urllib.request.Request(f"{issuer}/admin/setup", data=setup, method="POST"), timeout=10)
            r = subprocess.run(["node", os.path.join(browser_dir, "oidc_sign_in.mjs"), svc.url("/"),
                                os.path.join(args.out, "oidc-sign-in.png")],
                               cwd=browser_dir, capture_output=True, text=True, timeout=240)
            print(r.stdout, end="")
            violations = json.load(urllib.request.urlopen(f"{issuer}/admin/violations", timeout=10))["violations"]
            if violations:
                print(f"the provider saw protocol violations: {violations}")
                return 1
            if r.returncode != 0:
                print(r.stderr)
                print("--- service log (tail) ---\n" + svc.log()[-4000:])
                return 1
            log = svc.log()
            if CLIENT_SECRET in log:
                print("the client secret appears in the service's log")
                return 1
    finally:
        idp.terminate()
        idp.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
