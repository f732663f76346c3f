"""Every request must name this server and, from a browser, come from its own page: a spoofed Host, a
DNS-rebinding page or another site's script is refused before Gradio sees it, and the page cannot be framed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from attack_app import (
    ALLOWED_HOST,
    Served,
    serving,
)
from attack_client import Client, Page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[Served]:
    """The app, loopback only, no login, shared by this module's probes."""
    with serving(tmp_path_factory.mktemp("app")) as served:
        yield served


def test_a_request_naming_another_host_is_refused(app):
    response = Client(app.url, {"Host": f"attacker.example:{app.port}"}).get("/")
    assert response.status_code == 400
    assert response.text == (
        "This server does not answer to the name 'attacker.example'; open it at 127.0.0.1 or localhost, "
        "or add the name to QA_ALLOWED_HOSTS where it runs."
    )
    assert "access-control-allow-origin" not in response.headers


def test_dns_rebinding_cannot_remove_a_report(app):
    # The attacker's name now resolves to 127.0.0.1: the browser sends their Host and their Origin.
    rebound = {"Host": f"attacker.example:{app.port}", "Origin": f"http://attacker.example:{app.port}"}
    page = Page(Client(app.url))
    page.open()
    page.client.headers.update(rebound)
    refused = page.remove("alpha")
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    reports = Client(app.url).api("reports", None)
    assert "alpha" in {r["doc_id"] for r in reports}


def test_a_name_listed_in_allowed_hosts_is_served(app):
    named = Client(app.url, {"Host": f"{ALLOWED_HOST}:{app.port}", "Origin": f"http://{ALLOWED_HOST}:{app.port}"})
    assert named.get("/config").status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1", "file://"])
def test_another_sites_page_is_refused_and_its_origin_not_echoed(app, origin):
    client = Client(app.url, {"Origin": origin})
    response = client.get("/config")
    assert response.status_code == 403
    assert response.text == ("This request came from another site, which may not use this app; open the app at its own address.")
    assert "access-control-allow-origin" not in response.headers
    with client.http() as h:
        preflight = h.options("/gradio_api/queue/join", headers={"Access-Control-Request-Method": "POST", "Origin": origin})
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers


def test_the_pages_own_origin_is_let_through(app):
    own = Client(app.url, {"Origin": app.url})
    assert own.get("/config").status_code == 200
    assert own.api("reports", None)


@pytest.mark.parametrize("path", ["/", "/config", "/reports/alpha.md"])
def test_no_page_or_answer_can_be_framed_by_another_site(app, path):
    headers = Client(app.url).get(path).headers
    assert headers["x-frame-options"] == "DENY"
    policy = [p.strip() for p in headers["content-security-policy"].split(";")]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
