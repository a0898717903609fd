"""nginx from Debian in front of test servers, configured by deploy/nginx.conf."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from meetings.store.local import free_port, is_listening

from .live import BASE_DIR

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = BASE_DIR / "deploy" / "nginx.conf"
# The placeholders deploy/nginx.conf names for the certificate and its key.
CERTIFICATE_PATH = "/etc/ssl/meetstream/fullchain.pem"
KEY_PATH = "/etc/ssl/meetstream/privkey.pem"


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


def self_signed_certificate(directory: Path) -> Certificate:
    """Write a self-signed certificate for 127.0.0.1 and localhost to directory."""
    directory.mkdir(parents=True, exist_ok=True)
    certificate = Certificate(directory / "fullchain.pem", directory / "privkey.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
         "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(certificate.key), "-out", str(certificate.cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate


def with_certificate(site: str, certificate: Certificate) -> str:
    """Return site with its placeholder certificate paths replaced."""
    site = _sub(re.escape(CERTIFICATE_PATH), str(certificate.cert), site)
    return _sub(re.escape(KEY_PATH), str(certificate.key), site)


def render_site(
    upstreams: list[int],
    listen: int,
    static_root: Path,
    *,
    certificate: Certificate | None = None,
    redirect_listen: int | None = None,
    metrics_allow: list[str] | None = None,
    streams_per_client: int | None = None,
) -> str:
    """Return deploy/nginx.conf for these upstream ports and listen port.

    Each upstream block keeps its own server options; only ports change. The
    HTTPS server listens on `listen`: over TLS with certificate, else over
    plain HTTP with the same rules. The HTTP-to-HTTPS redirect server listens
    on redirect_listen, or is left out. metrics_allow replaces the /metrics
    allow-list and streams_per_client the cap on streams per client.
    """
    site = SITE.read_text()

    def replace_servers(block: re.Match) -> str:
        options = re.findall(r"server 127\.0\.0\.1:\d+([^;]*);", block.group(0))
        assert options, "an upstream block without server lines"
        servers = "".join(
            f"    server 127.0.0.1:{port}{options[0]};\n" for port in upstreams
        )
        body = re.sub(r"(?m)^    server [^\n]*\n", "", block.group(0))
        return body.replace("{\n", "{\n" + servers, 1)

    site = re.sub(r"upstream \w+ \{[^}]*\}", replace_servers, site)
    if certificate:
        site = _sub(
            r"(?m)^    listen 443 ssl", f"    listen 127.0.0.1:{listen} ssl", site
        )
        site = with_certificate(site, certificate)
    else:
        site = _sub(
            r"(?m)^    listen 443 ssl[^;]*;", f"    listen 127.0.0.1:{listen};", site
        )
        site = _sub(r"(?m)^ *ssl_\w+ [^;]*;\n", "", site, count=0)
    if redirect_listen:
        site = _sub(
            r"(?m)^    listen 80;", f"    listen 127.0.0.1:{redirect_listen};", site
        )
    else:
        site = _sub(r"(?m)^server \{\n    listen 80;\n[^{}]*\}\n", "", site)
    if metrics_allow is not None:

        def restrict(block: re.Match) -> str:
            body = re.sub(r"(?m)^ *# Placeholder[^\n]*\n", "", block[0])
            allow = "".join(f"        allow {address};\n" for address in metrics_allow)
            return _sub(r"(?m)(^ *allow [^;]*;\n)+", allow, body)

        site = _sub(r"location = /metrics \{[^}]*\}", restrict, site)
    if streams_per_client is not None:
        site = _sub(r"(limit_conn \w+) \d+;", rf"\g<1> {streams_per_client};", site)
    return site.replace("/srv/meetstream/var/static/", f"{static_root}/")


def _sub(pattern: str, replacement, text: str, count: int = 1) -> str:
    """Substitute pattern in text; fail unless it occurs (count times, 0: any)."""
    result, found = re.subn(pattern, replacement, text)
    assert found if count == 0 else found == count, (
        f"deploy/nginx.conf changed shape: {pattern!r} found {found} times"
    )
    return result


def main_config(workdir: Path, site: str) -> str:
    """Return an nginx.conf that keeps its files in workdir and includes site."""
    return f"""
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


def check_config(workdir: Path, site: str) -> subprocess.CompletedProcess:
    """Run `nginx -t` on site inside main_config; return the finished process."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "nginx.conf").write_text(main_config(workdir, site))
    return subprocess.run(
        [NGINX, "-t", "-p", str(workdir), "-e", str(workdir / "error.log"),
         "-c", str(workdir / "nginx.conf")],
        capture_output=True,
        text=True,
    )  # fmt: skip


def collect_static(root: Path, env: dict[str, str] | None = None) -> None:
    """Collect this checkout's static files into root, as in production.

    env adds to this process's environment for manage.py (a bench's settings).
    """
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env={**os.environ, **(env or {}), "DJANGO_STATIC_ROOT": str(root)},
        check=True,
    )


class Nginx:
    """nginx with deploy/nginx.conf's rules on free ports of 127.0.0.1.

    Plain HTTP on `url` by default; with tls=True, HTTPS on `url` with a
    self-signed certificate (`certificate`) and the redirect on `http_url`.
    metrics_allow and streams_per_client go to render_site; static_root serves
    files collected already instead of collecting them afresh.
    """

    def __init__(
        self,
        upstreams: list[int],
        workdir: Path,
        *,
        tls: bool = False,
        metrics_allow: list[str] | None = None,
        streams_per_client: int | None = None,
        static_root: Path | None = None,
    ):
        self.port = free_port()
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.certificate = self_signed_certificate(workdir / "tls") if tls else None
        self.http_port = free_port() if tls else None
        if static_root is None:  # else files collected already, served as they are
            static_root = workdir / "static"
            collect_static(static_root)
        site = render_site(
            upstreams,
            self.port,
            static_root,
            certificate=self.certificate,
            redirect_listen=self.http_port,
            metrics_allow=metrics_allow,
            streams_per_client=streams_per_client,
        )
        (workdir / "nginx.conf").write_text(main_config(workdir, site))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.certificate else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        """Return the URL of the plain-HTTP server that redirects to HTTPS."""
        assert self.http_port, "only Nginx(tls=True) has a redirect server"
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> Nginx:
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.workdir), "-c", str(self.workdir / "nginx.conf"),
             "-e", str(self.workdir / "error.log"), "-g", "daemon off;"],
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
