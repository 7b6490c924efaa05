"""Checks requests and answers against the official Nmbrs OpenAPI spec.

The spec is loaded from the installed test-only package `nmbrs-rest-api` (requirements-dev.txt);
it is never copied into this repository. Checked: the path exists for the method, every query and
path parameter is declared (name) and has its declared type/format/bounds, required parameters
are present, the subscription key is sent, and every JSON answer validates against the schema of
its status (OpenAPI 3.0 `nullable` translated to JSON Schema).
"""

import copy
import functools
import importlib.resources
import json
import re
import uuid
from urllib.parse import parse_qsl, urlsplit

import jsonschema
import yaml

SPEC_PACKAGE = "nmbrs_rest"
SPEC_FILE = "_spec/nmbrs-openapi.yaml"


class SpecViolation(AssertionError):
    pass


@functools.cache
def spec() -> dict:
    text = importlib.resources.files(SPEC_PACKAGE).joinpath(SPEC_FILE).read_text("utf-8")
    return yaml.safe_load(text)


@functools.cache
def _json_schema_root() -> dict:
    """The spec's components, rewritten from OpenAPI 3.0 schema objects to JSON Schema."""
    return {"components": _to_json_schema(copy.deepcopy(spec()["components"]))}


def _to_json_schema(node):
    if isinstance(node, dict):
        node = {k: _to_json_schema(v) for k, v in node.items()
                if k not in ("example", "examples", "xml", "discriminator")}
        if node.get("nullable") is True and "type" in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        node.pop("nullable", None)
        return node
    if isinstance(node, list):
        return [_to_json_schema(v) for v in node]
    return node


def _resolve(node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target = spec()
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


@functools.cache
def _templates() -> list[tuple[re.Pattern, str]]:
    out = []
    for path in spec()["paths"]:
        pattern = re.sub(r"\\\{[^}]+\\\}", r"([^/]+)", re.escape(path))
        out.append((re.compile(f"^{pattern}$"), path))
    return out


def find_operation(method: str, url: str) -> tuple[str, dict, dict]:
    """(template, operation, path values) for a request URL, or a SpecViolation."""
    path = urlsplit(url).path
    matches = [(t, p) for p, t in _templates() if p.match(path)]
    if not matches:
        raise SpecViolation(f"{method} {path}: no such path in the Nmbrs spec")
    # Prefer literal segments over templates (…/employees/personalinfo over …/{employeeId}).
    template, pattern = min(matches, key=lambda m: m[0].count("{"))
    operation = spec()["paths"][template].get(method.lower())
    if operation is None:
        raise SpecViolation(f"{method} {template}: method not in the spec")
    names = re.findall(r"\{([^}]+)\}", template)
    values = dict(zip(names, pattern.match(path).groups()))
    return template, operation, values


def _parameters(template: str, operation: dict) -> dict[tuple[str, str], dict]:
    params = {}
    for raw in spec()["paths"][template].get("parameters", []) + operation.get("parameters", []):
        param = _resolve(raw)
        params[(param["in"], param["name"])] = param
    return params


def validate_request(method: str, url: str, headers: dict) -> str:
    """Check one request against the spec; returns the path template."""
    template, operation, path_values = find_operation(method, url)
    params = _parameters(template, operation)
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    for name, value in query:
        if ("query", name) not in params:
            raise SpecViolation(f"{template}: query parameter {name!r} is not declared")
        _check_value(template, name, value, params[("query", name)]["schema"])
    for name, value in path_values.items():
        if ("path", name) not in params:
            raise SpecViolation(f"{template}: path parameter {name!r} is not declared")
        _check_value(template, name, value, params[("path", name)]["schema"])
    sent = {name for name, _ in query}
    for (where, name), param in params.items():
        if where == "query" and param.get("required") and name not in sent:
            raise SpecViolation(f"{template}: required query parameter {name!r} missing")
    if ("header", "X-Subscription-Key") in params and not headers.get("X-Subscription-Key"):
        raise SpecViolation(f"{template}: X-Subscription-Key header missing")
    if not str(headers.get("Authorization", "")).startswith("Bearer "):
        raise SpecViolation(f"{template}: bearer token missing")
    return template


def _check_value(template: str, name: str, value: str, schema: dict) -> None:
    schema = _resolve(schema)
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise SpecViolation(f"{template}: {name}={value!r} is not an integer")
        number = int(value)
        if "minimum" in schema and number < schema["minimum"]:
            raise SpecViolation(f"{template}: {name}={number} below {schema['minimum']}")
        if "maximum" in schema and number > schema["maximum"]:
            raise SpecViolation(f"{template}: {name}={number} above {schema['maximum']}")
    elif kind == "string" and fmt == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            raise SpecViolation(f"{template}: {name}={value!r} is not a uuid") from None
    elif kind == "boolean" and value not in ("true", "false"):
        raise SpecViolation(f"{template}: {name}={value!r} is not a boolean")


def validate_response(method: str, url: str, status: int, content_type: str,
                      body: bytes) -> None:
    """Check one answer: its status is declared and its JSON body matches the schema."""
    template, operation, _ = find_operation(method, url)
    declared = operation["responses"].get(str(status))
    if declared is None:
        raise SpecViolation(f"{template}: status {status} is not declared")
    content = _resolve(declared).get("content") or {}
    media = (content_type or "").split(";")[0].strip()
    if media not in content:
        raise SpecViolation(f"{template} {status}: content type {media!r} not in {list(content)}")
    if media != "application/json" or content[media].get("schema") is None:
        return
    try:
        document = json.loads(body)
    except ValueError:
        raise SpecViolation(f"{template} {status}: body is not JSON") from None
    validator = _validator(template, method.lower(), str(status), media)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        raise SpecViolation(
            f"{template} {status}: {'/'.join(map(str, first.path))}: {first.message}")


@functools.cache
def _validator(template: str, method: str, status: str, media: str) -> jsonschema.Draft7Validator:
    declared = _resolve(spec()["paths"][template][method]["responses"][status])
    schema = declared["content"][media]["schema"]
    root = {**_json_schema_root(), **_to_json_schema(copy.deepcopy(schema))}
    return jsonschema.Draft7Validator(root, format_checker=jsonschema.FormatChecker())


def validate_exchange(request, response) -> str:
    """Validate a `requests` PreparedRequest and its Response."""
    template = validate_request(request.method, request.url, request.headers)
    validate_response(request.method, request.url, response.status_code,
                      response.headers.get("Content-Type", ""), response.content)
    return template
