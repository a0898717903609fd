"""deploy/nginx.conf serves collectstatic's hashed names for good, others briefly."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.nginx import Nginx

pytestmark = pytest.mark.system
ONE_YEAR = 365 * 24 * 3600


def test_nginx_caches_hashed_static_files_for_good_and_plain_names_briefly(
    start_server, tmp_path
):
    server = start_server(DJANGO_SERVE_STATIC="false")
    nginx = Nginx([server.port], tmp_path / "nginx").start()
    try:
        page = httpx.get(f"{nginx.url}/accounts/login/").text
        theme = re.search(r'src="(/static/js/theme\.[0-9a-f]{12}\.js)"', page)[1]
        hashed = httpx.get(f"{nginx.url}{theme}", headers={"Accept-Encoding": "gzip"})
        assert hashed.status_code == 200
        assert hashed.headers["cache-control"] == (
            "public, max-age=31536000, immutable"
        )
        assert hashed.headers["content-encoding"] == "gzip"  # collectstatic's .gz
        assert "max-age=63072000" in hashed.headers["strict-transport-security"]
        plain = httpx.get(f"{nginx.url}/static/js/theme.js")
        assert plain.status_code == 200
        assert plain.headers["cache-control"] == "public, max-age=60"
        # Not served by the app: it was told to leave /static/ to nginx.
        assert httpx.get(f"{server.url}{theme}").status_code == 404
    finally:
        nginx.stop()
