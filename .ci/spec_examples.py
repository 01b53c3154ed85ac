"""Third-party checks of spec/aqua.yaml, with tools nobody here wrote.

1. The document is valid OpenAPI 3.0 (`openapi-spec-validator`).
2. Every example validates against its schema (`jsonschema`, through the OpenAPI 3.0 dialect of
   `openapi-schema-validator`), with format checking on: `date-time` (RFC 3339), `int32`,
   `int64`, `regex`, ... A format whose checker is missing fails the run instead of passing
   silently.

Examples are found wherever OpenAPI allows them: `example` and `examples` of media types and
parameters (request bodies, responses, headers), and `example` of schemas. References to
`#/components/...` are followed.

Usage: python spec_examples.py SPEC
"""

import sys

import yaml
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import _format as oas_format
from openapi_spec_validator import validate as validate_document
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_URI = "urn:aqua-spec"
# Formats the spec uses that a checker must really check (a missing optional dependency of
# `jsonschema` would otherwise let any value pass).
REQUIRED_FORMATS = ["date-time", "date", "int32", "int64", "regex", "uri"]


def format_checker():
    checker = FormatChecker()  # every format `jsonschema` knows, date-time included
    for name, check in [
        ("int32", oas_format.is_int32),
        ("int64", oas_format.is_int64),
        ("float", oas_format.is_float),
        ("double", oas_format.is_double),
        ("byte", oas_format.is_byte),
        ("binary", oas_format.is_binary_pragmatic),
        ("password", oas_format.is_password),
    ]:
        checker.checks(name)(check)
    missing = [f for f in REQUIRED_FORMATS if f not in checker.checkers]
    if missing:
        sys.exit(f"format checkers missing (install jsonschema[format-nongpl]): {missing}")
    if checker.conforms("2021-01-18T17:13:48+0000", "date-time"):
        sys.exit("the date-time checker accepts a non-RFC 3339 value; formats are not checked")
    return checker


def escape(token):
    return str(token).replace("~", "~0").replace("/", "~1")


def resolve(doc, node):
    """Follows a local `$ref` (examples, parameters, responses, ...)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            sys.exit(f"external reference {ref} is not supported here")
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
    return node


def schema_examples(schema, pointer, found):
    """`example` of a schema and of its subschemas (inline ones only; references are
    visited where they are defined)."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    if "example" in schema:
        found.append((pointer + "/example", pointer, schema["example"]))
    for key in ("properties",):
        for name, sub in schema.get(key, {}).items():
            schema_examples(sub, f"{pointer}/{key}/{escape(name)}", found)
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            schema_examples(schema[key], f"{pointer}/{key}", found)
    for key in ("oneOf", "anyOf", "allOf"):
        for i, sub in enumerate(schema.get(key, [])):
            schema_examples(sub, f"{pointer}/{key}/{i}", found)


def holder_examples(doc, holder, pointer, found):
    """`example`/`examples` next to a `schema` (a media type or a parameter)."""
    if "schema" not in holder:
        return
    schema_pointer = pointer + "/schema"
    schema = holder["schema"]
    if isinstance(schema, dict) and "$ref" in schema:
        schema_pointer = schema["$ref"][1:]
    else:
        schema_examples(schema, schema_pointer, found)
    if "example" in holder:
        found.append((pointer + "/example", schema_pointer, holder["example"]))
    for name, example in holder.get("examples", {}).items():
        example = resolve(doc, example)
        if "value" not in example:
            sys.exit(f"{pointer}/examples/{escape(name)}: an example without `value`")
        found.append((f"{pointer}/examples/{escape(name)}", schema_pointer, example["value"]))


def collect(doc):
    found = []
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        schema_examples(schema, f"/components/schemas/{escape(name)}", found)

    def content(node, pointer):
        for media, holder in node.get("content", {}).items():
            holder_examples(doc, holder, f"{pointer}/content/{escape(media)}", found)

    def parameters(node, pointer):
        for i, p in enumerate(node.get("parameters", [])):
            if "$ref" not in p:
                holder_examples(doc, p, f"{pointer}/parameters/{i}", found)

    components = doc.get("components", {})
    for name, p in components.get("parameters", {}).items():
        holder_examples(doc, p, f"/components/parameters/{escape(name)}", found)
    for name, r in components.get("responses", {}).items():
        content(r, f"/components/responses/{escape(name)}")
        for h, header in r.get("headers", {}).items():
            holder_examples(doc, header, f"/components/responses/{escape(name)}/headers/{escape(h)}", found)
    for name, b in components.get("requestBodies", {}).items():
        content(b, f"/components/requestBodies/{escape(name)}")
    for path, item in doc.get("paths", {}).items():
        at = f"/paths/{escape(path)}"
        parameters(item, at)
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                continue
            op_at = f"{at}/{method}"
            parameters(op, op_at)
            if "requestBody" in op and "$ref" not in op["requestBody"]:
                content(op["requestBody"], f"{op_at}/requestBody")
            for status, response in op.get("responses", {}).items():
                if "$ref" in response:
                    continue
                content(response, f"{op_at}/responses/{escape(status)}")
                for h, header in response.get("headers", {}).items():
                    holder_examples(doc, header, f"{op_at}/responses/{escape(status)}/headers/{escape(h)}", found)
    return found


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    validate_document(doc)
    print(f"{path}: a valid OpenAPI {doc['openapi']} document (openapi-spec-validator)")

    registry = Registry().with_resource(
        SPEC_URI, Resource.from_contents(doc, default_specification=DRAFT4)
    )
    checker = format_checker()
    examples = collect(doc)
    if not examples:
        sys.exit("no examples found: the walk is broken")
    failures = 0
    for example_at, schema_at, value in examples:
        validator = OAS30Validator(
            {"$ref": f"{SPEC_URI}#{schema_at}"}, registry=registry, format_checker=checker
        )
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        for e in errors:
            failures += 1
            where = "/".join(escape(p) for p in e.absolute_path)
            print(f"FAIL #{example_at} (schema #{schema_at}) at /{where}: {e.message}")
    sys.stdout.flush()
    if failures:
        sys.exit(f"{failures} validation errors in {len(examples)} examples")
    print(f"{len(examples)} examples validate against their schemas (formats checked)")


if __name__ == "__main__":
    main()
