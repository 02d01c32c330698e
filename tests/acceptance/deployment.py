"""A CivicNet deployment made of real processes, started with the Procfile's own commands.

``Deployment`` owns a fresh database (an SQLite file, or a PostgreSQL database of its own next to
TEST_DATABASE_URL), an instance folder, and the environment every process shares — as a host would
set it. It runs the Procfile's ``release`` steps, then starts ``web`` (gunicorn, several workers),
``worker`` and ``bot`` exactly as written there, each with its own log file, and can kill them
(``SIGKILL`` included) and start them again. ``many(kind, n)`` starts ``n`` instances of one
process, each as on a machine of its own (``machine_env``: its own instance folder, so nothing is
shared on disk; only the database, Redis and the environment are).
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Process:
    """One Procfile process: started through the shell as the Procfile writes it."""

    def __init__(self, deployment: Deployment, kind: str, env: dict[str, str], name: str) -> None:
        self.deployment, self.kind, self.env, self.name = deployment, kind, env, name
        self.log_path = deployment.root / f"{name}.log"
        self.popen: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> Process:
        command = procfile()[self.kind].strip()
        with open(self.log_path, "a") as log:
            log.write(f"\n=== start {self.starts + 1}: {command}\n")
            log.flush()
            # A new session so that kill() reaches gunicorn's workers too, as a host's supervisor would.
            self.popen = subprocess.Popen(["/bin/sh", "-c", "exec " + command], cwd=ROOT, env=self.env,
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, pattern: str, timeout: float = 60.0, after: int = 0) -> re.Match:
        return wait_until(lambda: re.search(pattern, self.log[after:]), timeout,
                          what=f"{pattern!r} in {self.name}'s log")

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass
            self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            self.kill(signal.SIGTERM)


class Web(Process):
    def __init__(self, deployment: Deployment, env: dict[str, str], name: str, workers: int) -> None:
        self.port = free_port()
        env = env | {"GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers)}
        super().__init__(deployment, "web", env, name)
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> Web:
        super().start()
        wait_until(self._healthy, 90, what=f"{self.name} to answer /healthz")
        return self

    def _healthy(self) -> bool:
        if not self.alive():
            raise AssertionError(f"{self.name} exited:\n{self.log[-3000:]}")
        try:
            return httpx.get(self.url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


class Deployment:
    def __init__(self, root: Path, *, redis_url: str = "", extra_env: dict[str, str] | None = None) -> None:
        self.root = root
        self.instance = root / "instance"
        self.instance.mkdir(parents=True, exist_ok=True)
        self.database_url = self._fresh_database()
        self.redis_url = redis_url
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CIVICNET_", "TELEGRAM_", "NOTICES_", "BOT_", "GUNICORN_"))
               and k not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "WEB_CONCURRENCY"}}
        env.update({
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "FLASK_APP": "wsgi.py",
            "CIVICNET_ENV": "development",
            "CIVICNET_INSTANCE_PATH": str(self.instance),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": redis_url,
            "PYTHONUNBUFFERED": "1",
            "HF_HUB_OFFLINE": "1",
            "GUNICORN_ACCESSLOG": "-",
        })
        env.update(extra_env or {})
        self.env = env
        self.processes: list[Process] = []
        self.engine = sa.create_engine(self.database_url, poolclass=sa.pool.NullPool)

    def _fresh_database(self) -> str:
        base = os.environ.get("TEST_DATABASE_URL", "")
        if not base.startswith("postgresql"):
            return f"sqlite:///{self.instance / 'civicnet.sqlite'}"
        name = f"{base.rsplit('/', 1)[1]}_acc_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(base.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self._pg_name, self._pg_admin = name, base.rsplit("/", 1)[0] + "/postgres"
        return base.rsplit("/", 1)[0] + "/" + name

    def flask(self, *args: str, input: str | None = None, env: dict[str, str] | None = None,
              check: bool = True) -> subprocess.CompletedProcess:
        """An operator command, as the README gives it (``flask ...`` in the project folder)."""
        result = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=self.env | (env or {}), input=input,
                                capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"flask {shlex.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def release(self) -> None:
        """The Procfile's release line, step by step (migrations, the default network, vectors)."""
        for step in procfile()["release"].split("&&"):
            words = shlex.split(step)
            assert words[0] == "flask", step
            self.flask(*words[1:])

    def web(self, workers: int = 2, env: dict[str, str] | None = None, name: str | None = None) -> Web:
        proc = Web(self, self.env | (env or {}), name or f"web{len(self.processes)}", workers)
        self.processes.append(proc)
        return proc.start()

    def worker(self, env: dict[str, str] | None = None, name: str | None = None) -> Process:
        proc = Process(self, "worker", self.env | (env or {}), name or f"worker{len(self.processes)}")
        self.processes.append(proc)
        return proc.start()

    def bot(self, env: dict[str, str] | None = None, name: str | None = None) -> Process:
        proc = Process(self, "bot", self.env | (env or {}), name or f"bot{len(self.processes)}")
        self.processes.append(proc)
        return proc.start()

    def machine_env(self, name: str) -> dict[str, str]:
        """The environment of a separate machine: an instance folder of its own (no shared disk)."""
        folder = self.root / f"machine-{name}"
        folder.mkdir(parents=True, exist_ok=True)
        return {"CIVICNET_INSTANCE_PATH": str(folder), "GUNICORN_CONTROL_SOCKET": str(folder / "gunicorn.ctl")}

    def many(self, kind: str, count: int, *, env: dict[str, str] | None = None,
             each: Callable[[int], dict[str, str]] | None = None, **options) -> list[Process]:
        """``count`` instances of the Procfile's ``kind`` (web, worker or bot), named ``<kind>-1`` ...,
        each on a machine of its own; ``each(i)`` adds instance ``i``'s own settings (a port ...)."""
        start = {"web": self.web, "worker": self.worker, "bot": self.bot}[kind]
        return [start(env=(env or {}) | self.machine_env(f"{kind}-{i + 1}") | (each(i) if each else {}),
                      name=f"{kind}-{i + 1}", **options) for i in range(count)]

    def app(self):
        """An in-process app on the same database, to seed data through the services and to look."""
        from civicnet import create_app

        return create_app({"SQLALCHEMY_DATABASE_URI": self.database_url, "SECRET_KEY": "x" * 40,
                           "TASK_QUEUE_ENABLED": False, "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": sa.pool.NullPool}})

    def close(self) -> None:
        for proc in self.processes:
            proc.kill()
        self.engine.dispose()
        if getattr(self, "_pg_name", None):
            admin = sa.create_engine(self._pg_admin, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)'))
            admin.dispose()


def login(url: str, email: str, password: str) -> httpx.Client:
    """A client logged in as ``email`` on the web instance at ``url`` (follows redirects)."""
    client = httpx.Client(base_url=url, timeout=60, follow_redirects=True)
    page = client.get("/login")
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(page.text)})
    assert answer.status_code == 200 and "/login" not in str(answer.url), answer.text[:300]
    return client


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict]] = []
        self._fields: dict | None = None
        self._text: tuple[str, str] | None = None  # (kind, name) of an open textarea/select option
        self._select: str | None = None

    def _add(self, name: str, value: str) -> None:
        current = self._fields.get(name)
        self._fields[name] = value if current is None else (current if isinstance(current, list) else [current]) + [value]

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "form":
            self._fields = {}
            self.forms.append((a.get("action") or "", self._fields))
        elif self._fields is None or not (a.get("name") or tag == "option"):
            return
        elif tag == "input" and a.get("type") not in {"submit", "button", "file", "image", "reset"}:
            if a.get("type") not in {"checkbox", "radio"} or "checked" in a:
                self._add(a["name"], a.get("value", "on" if a.get("type") in {"checkbox", "radio"} else ""))
        elif tag == "textarea":
            self._text = ("textarea", a["name"])
            self._fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._fields[self._select] = a.get("value", "")

    def handle_data(self, data) -> None:
        if self._text:
            self._fields[self._text[1]] += data

    def handle_endtag(self, tag) -> None:
        if tag == "textarea":
            self._text = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._fields = None


def form_fields(html: str, action_contains: str) -> dict:
    """What a browser would submit from the first form whose action contains ``action_contains``
    (buttons aside): hidden and text inputs, checked boxes, textareas, selected options."""
    parser = _Forms()
    parser.feed(html)
    for action, fields in parser.forms:
        if action_contains in action:
            return dict(fields)
    raise AssertionError(f"no form with an action containing {action_contains!r}")


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no csrf_token in the form"
    return match.group(1)
