"""The service's OpenAPI document (docs/openapi.json) is what the code serves: regenerate it with
`make openapi` when a contract changes, and review the diff."""

from __future__ import annotations

import json
from pathlib import Path

from infrazen_agent.app import ALL_COMPONENTS, create_app
from infrazen_agent.config import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def current_spec() -> dict[str, object]:
    return create_app(ALL_COMPONENTS, Settings(_env_file=None)).openapi()  # type: ignore[call-arg]


def test_committed_openapi_matches_the_code() -> None:
    assert json.loads(DOC.read_text()) == current_spec(), "run `make openapi` and commit docs/openapi.json"


def test_every_operation_documents_its_errors() -> None:
    spec = current_spec()
    for path, operations in spec["paths"].items():  # type: ignore[attr-defined]
        if path in ("/v1/health", "/v1/ready"):
            continue
        if path.startswith("/v1/dev/"):  # the dev sign-in: no token, absent outside dev
            assert all("404" in op["responses"] for op in operations.values()), path
            continue
        for method, op in operations.items():
            assert "401" in op["responses"], f"{method.upper()} {path} does not document 401"


def test_every_request_body_has_an_example() -> None:
    spec = current_spec()
    schemas = spec["components"]["schemas"]  # type: ignore[index]

    def has_example(schema: dict[str, object]) -> bool:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return has_example(schemas[ref.rsplit("/", 1)[-1]])
        if "examples" in schema or "example" in schema:
            return True
        return any(has_example(s) for s in schema.get("anyOf", []) if isinstance(s, dict))  # type: ignore[attr-defined]

    for path, operations in spec["paths"].items():  # type: ignore[attr-defined]
        for method, op in operations.items():
            for kind, content in op.get("requestBody", {}).get("content", {}).items():
                if kind == "multipart/form-data":
                    continue  # a file: Swagger UI offers a file picker
                found = "example" in content or "examples" in content or has_example(content.get("schema", {}))
                assert found, f"{method.upper()} {path} ({kind}) has no example"
