"""Every answer the HTTP tests get through conftest's Server, checked
against docs/openapi.yaml (with Debian's python3-jsonschema): its status
is documented for the path and method (or falls to `default`), its content
type is one the description names, and a JSON body validates against the
schema. So the description cannot drift from the server."""
import json
import pathlib
import re

import yaml
from jsonschema import Draft202012Validator, RefResolver

SPEC_PATH = pathlib.Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
SPEC = yaml.safe_load(SPEC_PATH.read_text())
_RESOLVER = RefResolver.from_schema(SPEC)
_ERROR = SPEC["components"]["responses"]["Error"]
# Path templates as patterns: an {id} may hold '/', other parameters not.
ROUTES = [(re.compile("^" + re.sub(r"\{(\w+)\}",
                                   lambda m: "(.+)" if m.group(1) == "id" else "([^/]+)",
                                   template) + "$"), template, item)
          for template, item in SPEC["paths"].items()]
checked = 0  # answers checked in this process (a test asserts it grew)


def _resolve(node):
    while "$ref" in node:
        node = _RESOLVER.resolve(node["$ref"])[1]
    return node


def check(method: str, path: str, status: int, content_type: str, body: bytes) -> None:
    global checked
    bare = path.split("?", 1)[0]
    item = next((it for rx, _, it in ROUTES if rx.match(bare)), None)
    op = item.get(method.lower() if method != "HEAD" else "get") if item else None
    responses = op["responses"] if op else {"default": _ERROR}  # unknown path, method
    response = responses.get(str(status)) or responses.get("default")
    assert response is not None, f"{method} {path}: {status} is not in docs/openapi.yaml"
    response = _resolve(response)
    checked += 1
    if method == "HEAD" or not body:
        return
    ctype = (content_type or "").split(";")[0].strip()
    content = response.get("content", {})
    assert ctype in content, (f"{method} {path}: {status} answered {ctype!r}; "
                              f"docs/openapi.yaml has {sorted(content)}")
    schema = content[ctype].get("schema")
    if schema is not None and ctype == "application/json":
        Draft202012Validator(schema, resolver=_RESOLVER).validate(json.loads(body))
