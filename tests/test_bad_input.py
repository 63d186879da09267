"""Bad input on every API operation gets a 4xx JSON error with the stable shape, never a 500."""

from __future__ import annotations

import json
import re

import pytest

from weibao.accounts.choices import Role
from weibao.testing.factories import PlatformOrgFactory, member
from weibao.testing.tenancy import api_operations

pytestmark = pytest.mark.django_db

PARAM = re.compile(r"\{(\w+)\}")
BODIES = [
    "{not json",
    json.dumps([]),
    json.dumps({}),
    json.dumps(
        {
            "id": "x",
            "name": 12,
            "start": "yesterday",
            "version": "v",
            "contract_id": "abc",
            "weekly": "x",
            "days": 5,
            "ids": "all",
            "preferences": 3,
            "action": 7,
            "file": None,
        }
    ),
    # Issue 12: null for fields that cannot be empty, ids beyond 64 bits, a bare array.
    json.dumps({"version": 1, "title": None, "term_id": None, "username": None, "name": None}),
    json.dumps({"version": 99999999999999999999, "contract_id": 99999999999999999999, "ids": [2**70]}),
    json.dumps([None, None]),
]


@pytest.mark.parametrize("path_value", ["999999", "abc", "99999999999999999999"])
def test_every_operation_refuses_bad_input_with_json(client_for, path_value):
    admin = member(PlatformOrgFactory(), Role.PLATFORM_ADMIN)
    client = client_for(admin)
    failures = []
    for method, template in api_operations():
        path = PARAM.sub(path_value, template)
        bodies = BODIES if method in {"POST", "PUT", "PATCH"} else [None]
        for body in bodies:
            kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
            response = getattr(client, method.lower())(path, **kwargs)
            if response.status_code >= 500:
                failures.append(f"{method} {path} {body!r}: {response.status_code}")
                continue
            if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
                payload = response.json()
                if set(payload) != {"detail", "code"}:
                    failures.append(f"{method} {path}: error without the stable shape: {payload}")
            elif response.status_code >= 400:
                failures.append(f"{method} {path}: {response.status_code} is not JSON")
    assert not failures, "\n".join(failures)


def test_unauthenticated_calls_are_refused_with_json(client):
    for method, template in api_operations():
        path = PARAM.sub("1", template)
        response = getattr(client, method.lower())(path)
        assert response.status_code in (401, 403, 404, 405), f"{method} {path}: {response.status_code}"
        if response.status_code == 401:
            assert response.json()["code"] == "unauthorized"
