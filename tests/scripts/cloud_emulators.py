#!/usr/bin/env python3
"""The npm cloud emulators the cloud-source tests talk to (tests/emulators/package.json):
Azurite's Blob service (checks Shared Key signatures).

  cloud_emulators.py install --repo DIR            npm ci in tests/emulators, once per lock file
  cloud_emulators.py start --repo DIR --state DIR  install, start each emulator on a free loopback
                                                   port with its data in DIR, write DIR/emulators.json
  cloud_emulators.py stop --state DIR              stop what start started (by the pids it recorded)

ctest runs `start` as the setup of the fixture `cloud_emulators` and `stop` as its cleanup, so
every test of tests/cloud shares one Azurite (it takes 10-20 s to start on a busy machine). The
install is serialized with a file lock, so parallel runs wait for one `npm ci`.
"""
import argparse
import fcntl
import filecmp
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time


def install(repo):
    folder = os.path.join(repo, "tests", "emulators")
    lock = os.path.join(folder, "package-lock.json")
    marker = os.path.join(folder, "node_modules", ".costbot-installed-lock")
    with open(os.path.join(folder, ".install.lock"), "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if os.path.exists(marker) and filecmp.cmp(lock, marker, shallow=False):
            return folder
        for tool in ("node", "npm"):
            if not shutil.which(tool):
                raise RuntimeError(f"{tool} not found: install it (deploy/install-deps.sh)")
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder,
                           capture_output=True, text=True, timeout=1200)
        if r.returncode != 0:
            raise RuntimeError(f"npm ci in {folder} failed:\n{r.stdout}\n{r.stderr}")
        shutil.copyfile(lock, marker)
    return folder


def start_azurite(folder, state):
    data = os.path.join(state, "azurite")
    os.makedirs(data, exist_ok=True)
    log_path = os.path.join(state, "azurite.log")
    log = open(log_path, "w")
    proc = subprocess.Popen([os.path.join(folder, "node_modules", ".bin", "azurite-blob"),
                             "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", data,
                             "--silent", "--disableTelemetry"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline:
        with open(log_path) as f:
            text = f.read()
        m = re.search(r"listens on (http://127\.0\.0\.1:\d+)", text)
        if m:
            return {"pid": proc.pid, "url": m.group(1), "log": log_path}
        if proc.poll() is not None:
            raise RuntimeError(f"Azurite exited with {proc.returncode}:\n{text}")
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("Azurite did not start within 180 s")


def stop(state):
    path = os.path.join(state, "emulators.json")
    if not os.path.exists(path):
        return
    with open(path) as f:
        running = json.load(f)
    for name, info in running.items():
        try:
            os.killpg(info["pid"], signal.SIGTERM)
            for _ in range(50):
                os.killpg(info["pid"], 0)
                time.sleep(0.1)
            os.killpg(info["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass
    os.remove(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["install", "start", "stop"])
    ap.add_argument("--repo", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("--state")
    args = ap.parse_args()
    try:
        if args.command == "install":
            install(os.path.abspath(args.repo))
            return 0
        if not args.state:
            print("--state DIR is required")
            return 2
        os.makedirs(args.state, exist_ok=True)
        if args.command == "stop":
            stop(args.state)
            return 0
        stop(args.state)  # a previous run's leftovers
        folder = install(os.path.abspath(args.repo))
        running = {"azurite": start_azurite(folder, args.state)}
        with open(os.path.join(args.state, "emulators.json"), "w") as f:
            json.dump(running, f)
        print("started: " + ", ".join(f"{k} {v['url']}" for k, v in running.items()))
        return 0
    except Exception as e:  # noqa: BLE001 - the message is the test's output
        print(f"cloud emulators: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
