"""Schemathesis checks for AQuA's semantics (loaded by schemathesis.toml).

AQuA refuses invalid submissions inside HTTP 200: the body carries `errorCode` and `message`
and no `id`. The built-in `negative_data_rejection` expects a 4xx for every schema-violating
request, so schemathesis.toml turns it off for submitJob, and the check below takes its place
there: a schema-violating submission must be refused either way, a 4xx or AQuA's error inside
HTTP 200. Everything else is left to the built-in check itself (with its usual exceptions,
such as undeclared headers), so nothing else is relaxed.
"""

import json

import schemathesis
from schemathesis.specs.openapi.checks import negative_data_rejection


def is_aqua_refusal(response):
    if response.status_code != 200:
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and "errorCode" in body and body.get("id") is None


@schemathesis.check
def aqua_negative_submissions_are_refused(ctx, response, case):
    """submitJob: a schema-violating submission gets a 4xx, or HTTP 200 with an AQuA error
    and no job."""
    if case.operation.definition.raw.get("operationId") != "submitJob":
        return None
    if is_aqua_refusal(response):
        return True
    return negative_data_rejection(ctx, response, case)
