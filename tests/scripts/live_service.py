"""A real `costbot serve` for script tests: a fresh database filled by `costbot demo`, a config
written for the test, the service on a free loopback port, its log captured, stopped with SIGTERM.

    with LiveService(binary, repo, config_changes={...}, env={...}) as svc:
        status, headers, body = svc.request("GET", "/api/v1/findings", headers={...})
        svc.log()   # everything the process wrote so far
"""
import copy
import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import time

import yaml


def merge(base, changes):
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


class LiveService:
    def __init__(self, binary, repo, config_changes=None, env=None, demo=True, log_format="json",
                 log_level="info", extra_args=()):
        self.binary = binary
        self.repo = repo
        self.dir = tempfile.TemporaryDirectory(prefix="costbot-live-")
        self.db = os.path.join(self.dir.name, "costbot.db")
        self.log_path = os.path.join(self.dir.name, "serve.log")
        self.env = dict(os.environ, **(env or {}))
        self.env.pop("COSTBOT_NOW", None)
        with open(os.path.join(repo, "config", "costbot.example.yaml"), encoding="utf-8") as f:
            config = merge(yaml.safe_load(f), config_changes or {})
        self.config = os.path.join(self.dir.name, "costbot.yaml")
        with open(self.config, "w", encoding="utf-8") as f:
            yaml.safe_dump(config, f, sort_keys=False)
        self.demo = demo
        self.log_format = log_format
        self.log_level = log_level
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.demo_output = ""

    def base_args(self):
        return [self.binary, "--config", self.config, "--db", self.db]

    def __enter__(self):
        if self.demo:
            r = subprocess.run(self.base_args() + ["demo"], cwd=self.repo, env=self.env, capture_output=True,
                               text=True, timeout=120)
            if r.returncode != 0:
                raise RuntimeError(f"costbot demo failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
            self.demo_output = r.stdout + r.stderr
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            self.base_args() + ["--log-format", self.log_format, "--log-level", self.log_level, "serve",
                                "--listen", "127.0.0.1:0"] + self.extra_args,
            cwd=self.repo, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.log())
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"costbot serve exited with {self.proc.returncode}:\n{self.log()}")
            time.sleep(0.05)
        raise RuntimeError("costbot serve did not start listening within 30 s:\n" + self.log())

    def __exit__(self, *exc):
        self.stop()
        self.dir.cleanup()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log_file.close()
        return self.proc.returncode if self.proc else None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, method, path, headers=None, body=None, timeout=15):
        """One request on a fresh connection: (status, {lower-case header: value}, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
            elif isinstance(body, str):
                data = body.encode()
            conn.request(method, path, body=data, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def sign_in_link(self):
        """The path of the sign-in link `serve` printed for the local operator."""
        m = re.search(r"/auth/local\?token=[0-9a-f]+", self.log())
        if not m:
            raise AssertionError("costbot serve printed no sign-in link:\n" + self.log()[-3000:])
        return m.group(0)

    def web_session(self):
        """Headers of a browser signed in with that link (the web channel's routes need them)."""
        status, hdrs, _ = self.request("GET", self.sign_in_link())
        if status != 303 or not hdrs.get("set-cookie", "").startswith("costbot_session="):
            raise AssertionError(f"sign-in link: {status} {hdrs}")
        return {"Cookie": hdrs["set-cookie"].split(";")[0]}

    def json(self, method, path, headers=None, body=None):
        status, hdrs, data = self.request(method, path, headers, body)
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            raise AssertionError(f"{method} {path}: {status} body is not JSON: {data[:300]!r}")
        return status, hdrs, parsed

    def routes(self):
        """The routes the service logged at start ("routes: GET /healthz, ...")."""
        m = re.search(r"routes: ([^\"\n]+)", self.log())
        return [r.strip() for r in m.group(1).split(",")] if m else []
