"""The tenancy helper: prove that every API route and every page refuses another hospital's objects.

Usage (see ``weibao/accounts/tests/test_tenancy.py``)::

    check_api_isolation(client_a, owner_client=client_b,
                        ids={"org_id": hospital_b.pk, "membership_id": m_b.pk, ...},
                        bodies={("POST", "/api/v1/organizations/{org_id}/campuses"): {"name": "x"}})
    check_ui_isolation(client_a, owner_client=client_b,
                       kwargs={"accounts:organization_detail": {"pk": hospital_b.pk}, ...})

Every route with a path parameter must be covered (or listed in ``exempt`` with a reason), so a
route added later without a tenancy case fails the test until someone adds one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from weibao.core.api import api

PARAM = re.compile(r"\{(\w+)\}")


def api_operations() -> list[tuple[str, str]]:
    """(method, path template) of every API operation, e.g. ("GET", "/api/v1/organizations/{org_id}")."""
    schema = api.get_openapi_schema()
    ops = []
    for path, methods in schema["paths"].items():
        for method in methods:
            ops.append((method.upper(), path))
    return ops


def check_api_isolation(
    client: Any,
    *,
    ids: dict[str, int],
    owner_client: Any = None,
    bodies: dict[tuple[str, str], dict] | None = None,
    exempt: Iterable[str] = (),
) -> list[str]:
    """Call every parameterised API operation with the other tenant's ids; all must answer 404.

    Returns the list of operations checked. Raises AssertionError naming every failure.
    """
    bodies = bodies or {}
    exempt = set(exempt)
    failures: list[str] = []
    checked: list[str] = []
    for method, template in api_operations():
        params = PARAM.findall(template)
        if not params or template in exempt:
            continue
        missing = [p for p in params if p not in ids]
        if missing:
            failures.append(f"{method} {template}: no foreign id given for {missing}")
            continue
        path = PARAM.sub(lambda m: str(ids[m.group(1)]), template)
        kwargs: dict[str, Any] = {}
        if method in {"POST", "PUT", "PATCH"}:
            kwargs = {
                "data": json.dumps(bodies.get((method, template), {})),
                "content_type": "application/json",
            }
        response = getattr(client, method.lower())(path, **kwargs)
        checked.append(f"{method} {template}")
        if response.status_code != 404:
            failures.append(
                f"{method} {path}: expected 404, got {response.status_code} {response.content[:200]!r}"
            )
        elif response.json().get("code") != "not_found":
            failures.append(f"{method} {path}: 404 without the JSON error shape")
        if owner_client is not None and method == "GET":
            owner = owner_client.get(path)
            if owner.status_code != 200:
                failures.append(f"GET {path}: the owner gets {owner.status_code}, so the case proves nothing")
    assert not failures, "tenancy failures:\n" + "\n".join(failures)
    return checked


def ui_routes() -> list[tuple[str, list[str]]]:
    """(namespaced url name, parameter names) of every page that takes parameters."""
    found: list[tuple[str, list[str]]] = []

    def walk(patterns, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns == "api":
                    continue
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                converters = list(p.pattern.converters)
                if converters:
                    name = f"{namespace}:{p.name}" if namespace else p.name
                    found.append((name, converters))

    walk(get_resolver().url_patterns, None)
    return found


def check_ui_isolation(
    client: Any,
    *,
    kwargs: dict[str, dict[str, Any]],
    owner_client: Any = None,
    exempt: Iterable[str] = (),
) -> list[str]:
    """GET (or POST, for POST-only views) every parameterised page with the other tenant's ids."""
    exempt = set(exempt)
    failures: list[str] = []
    checked: list[str] = []
    for name, params in ui_routes():
        if name in exempt:
            continue
        if name not in kwargs:
            failures.append(f"page {name} ({params}): no foreign object given")
            continue
        url = reverse(name, kwargs=kwargs[name])
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        checked.append(name)
        if response.status_code != 404:
            failures.append(f"{url}: expected 404, got {response.status_code}")
        if owner_client is not None:
            owner = owner_client.get(url)
            if owner.status_code not in (200, 405):
                failures.append(f"{url}: the owner gets {owner.status_code}, so the case proves nothing")
    assert not failures, "tenancy failures:\n" + "\n".join(failures)
    return checked
