#!/usr/bin/env python3
"""The local web channel in Debian's headless Chromium (tests/browser/web_channel.mjs), against a
real `costbot serve` over a database filled by `costbot demo`: load the page, click Approve and
see the stage change, reject with a reason, switch persona, take screenshots. Then the spend view
(tests/browser/spend_view.mjs), signed in with a second link: summary, spend by dimension with
trends, tabs by keyboard, search, CSV export, team vs team, finding filters, incidents most severe
first, savings, a message's /incidents/N link, axe-core (WCAG 2.1 A/AA) at 1280 and 390 px.

playwright-core (pinned by tests/browser/package-lock.json) is installed into tests/browser/
node_modules on the first run and whenever the lock file changes; it downloads no browser.

  browser_web_channel.py --repo DIR --binary PATH --out DIR
"""
import argparse
import fcntl
import filecmp
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_service import LiveService  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def install_packages(browser_dir):
    """npm ci once per lock file; serialized with a file lock, since both browser tests call it and
    ctest may start them together (two `npm ci` in one folder delete each other's files)."""
    lock = os.path.join(browser_dir, "package-lock.json")
    marker = os.path.join(browser_dir, "node_modules", ".costbot-installed-lock")
    with open(os.path.join(browser_dir, ".install.lock"), "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if os.path.exists(marker) and filecmp.cmp(lock, marker, shallow=False):
            return
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=browser_dir,
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise RuntimeError(f"npm ci in {browser_dir} failed:\n{r.stdout}\n{r.stderr}")
        shutil.copyfile(lock, marker)


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
    screenshot = os.path.join(args.out, "web-channel.png")
    with LiveService(args.binary, args.repo) as svc:
        # The browser signs in with the link `serve` printed (its address alone grants nothing).
        link = re.search(r"/auth/local\?token=[0-9a-f]+", svc.log())
        if not link:
            print("costbot serve printed no sign-in link:\n" + svc.log()[-4000:])
            return 1
        r = subprocess.run(["node", os.path.join(browser_dir, "web_channel.mjs"), svc.url(link.group(0)), screenshot],
                           cwd=browser_dir, capture_output=True, text=True, timeout=240)
        print(r.stdout, end="")
        if r.returncode != 0:
            print(r.stderr)
            print("--- service log (tail) ---\n" + svc.log()[-4000:])
            return 1
        # A second one-time link (the first is used) for the spend view's own browser profile.
        made = subprocess.run(svc.base_args() + ["web", "sign-in-link"], capture_output=True, text=True, timeout=60)
        second = re.search(r"/auth/local\?token=[0-9a-f]+", made.stdout)
        if made.returncode != 0 or not second:
            print(f"costbot web sign-in-link failed: {made.stdout}{made.stderr}")
            return 1
        r = subprocess.run(["node", os.path.join(browser_dir, "spend_view.mjs"), svc.url(second.group(0)), args.out],
                           cwd=browser_dir, capture_output=True, text=True, timeout=240)
        print(r.stdout, end="")
        if r.returncode != 0:
            print(r.stderr)
            print("--- service log (tail) ---\n" + svc.log()[-4000:])
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
