"""nginx from Debian in front of test servers, configured by deploy/nginx.conf."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from meetings.store.local import free_port, is_listening

from .live import BASE_DIR

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render_site(upstreams: list[int], listen: int, static_root: Path) -> str:
    """Return deploy/nginx.conf with these upstream ports and listen port.

    Each upstream block keeps its own server options; only ports change.
    """
    site = (BASE_DIR / "deploy" / "nginx.conf").read_text()

    def replace_servers(block: re.Match) -> str:
        options = re.findall(r"server 127\.0\.0\.1:\d+([^;]*);", block.group(0))
        assert options, "an upstream block without server lines"
        servers = "".join(
            f"    server 127.0.0.1:{port}{options[0]};\n" for port in upstreams
        )
        body = re.sub(r"(?m)^    server [^\n]*\n", "", block.group(0))
        return body.replace("{\n", "{\n" + servers, 1)

    site = re.sub(r"upstream \w+ \{[^}]*\}", replace_servers, site)
    site = re.sub(r"listen \d+;", f"listen 127.0.0.1:{listen};", site)
    return site.replace("/srv/meetstream/var/static/", f"{static_root}/")


def collect_static(root: Path) -> None:
    """Collect the static files into root, for nginx to serve as in production."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_STATIC_ROOT": str(root)},
        check=True,
    )


class Nginx:
    def __init__(self, upstreams: list[int], workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        collect_static(workdir / "static")
        site = render_site(upstreams, self.port, workdir / "static")
        (workdir / "nginx.conf").write_text(
            f"""
user root;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
{site}
}}
"""
        )
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.workdir), "-c", str(self.workdir / "nginx.conf"),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not is_listening(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.workdir / "error.log").read_text())
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
