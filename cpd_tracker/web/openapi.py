"""The OpenAPI document of the JSON API (:mod:`cpd_tracker.web.api`).

Written out by hand, beside the views it describes, and checked against them: the test suite
fuzzes every operation with schemathesis from this document, so a response the document does
not allow, or a 500, fails the build.
"""

from __future__ import annotations

from typing import Any

from cpd_tracker.engine.compliance import Status
from cpd_tracker.queries.people import LAST_CYCLES, SEARCH_LONGEST, SORTS
from cpd_tracker.record.cycle_statements import OUTCOMES

#: Text without control characters (PostgreSQL refuses NUL; nothing needs the others).
_PRINTABLE = "^[^\\x00-\\x1f\\x7f]*$"
#: (An empty argument is refused rather than read as "any": leave it out for that.)
_DATE = {"type": "string", "format": "date"}


def _text(longest: int, description: str) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": longest, "pattern": _PRINTABLE,
            "description": description}


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    if description or schema.get("description"):
        parameter["description"] = description or schema.pop("description")
    return parameter


_PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1},
           "Page number, from 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
           "Items a page (at most 1,000)."),
]


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


_ERRORS = {"400": _error("A malformed argument: the message names it."),
           "401": _error("Not signed in, or the bearer token is unknown."),
           "403": _error("Signed in, but not allowed to see this.")}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}


def _paged(item: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "total", "page", "per_page", "pages",
                                           "links"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 1},
                "links": {"type": "object", "properties": {
                    "next": {"type": ["string", "null"]},
                    "previous": {"type": ["string", "null"]}}},
                "as_of": {"type": "string", "format": "date"}}}


_STATUS = {"type": "string", "enum": [status.value for status in Status]}
_OUTCOME = {"type": "string", "enum": list(OUTCOMES)}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "message"], "properties": {
            "status": {"type": "integer"}, "message": {"type": "string"},
            "field": {"type": "string"}}}}},
    "Standing": {
        "type": "object", "description": "A person in one role, as last judged.",
        "required": ["reference", "name", "unit", "role", "role_name", "status",
                     "done_minutes", "target_minutes", "percent", "cycle_start", "cycle_end",
                     "due", "next_due", "last_activity", "next_step"],
        "properties": {
            "reference": {"type": "string"}, "name": {"type": "string"},
            "unit": {"type": ["string", "null"]}, "role": {"type": "string"},
            "role_name": {"type": "string"}, "status": _STATUS,
            "done_minutes": {"type": ["integer", "null"],
                             "description": "The role's main time rule: minutes done."},
            "target_minutes": {"type": ["integer", "null"],
                               "description": "Its target after pro rata."},
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
            "framework": {"type": "string"}, "version": {"type": "string"},
            "cycle_start": _DATE, "cycle_end": _DATE, "due": _DATE,
            "next_due": _NULLABLE_DATE, "last_activity": _NULLABLE_DATE,
            "next_step": {"type": "string"},
            "last_cycle": {"type": ["object", "null"],
                           "description": "The last ended cycle's recorded outcome.",
                           "required": ["end", "outcome"],
                           "properties": {"end": _DATE, "outcome": _OUTCOME}}}},
    "PastCycle": {
        "type": "object", "description": "An ended cycle and how it ended, as recorded.",
        "required": ["role", "role_name", "cycle_start", "cycle_end", "due", "outcome",
                     "outcome_label", "not_met", "judged_by", "reason"],
        "properties": {
            "role": {"type": "string"}, "role_name": {"type": "string"},
            "cycle_start": _DATE, "cycle_end": _DATE,
            "due": {**_DATE, "description": "Its last day, or the date it was extended to."},
            "outcome": _OUTCOME, "outcome_label": {"type": "string"},
            "not_met": {"type": "array", "items": {"type": "string"},
                        "description": "The rules not met, by name."},
            "judged_by": {"type": "string"}, "reason": {"type": "string"}}},
    "Rule": {"type": "object", "required": ["code", "label", "measure", "done", "target",
                                            "met", "summary", "due"],
             "properties": {"code": {"type": "string"}, "label": {"type": "string"},
                            "measure": {"type": "string", "enum": ["minutes", "count", "item"]},
                            "done": {"type": "integer"}, "target": {"type": "integer"},
                            "full_target": {"type": "integer"}, "met": {"type": "boolean"},
                            "summary": {"type": "string"}, "due": _DATE}},
    "RoleCompliance": {
        "type": "object", "required": ["role", "status", "cycle_start", "cycle_end", "due",
                                       "rules", "next_step"],
        "properties": {
            "reference": {"type": "string"}, "name": {"type": "string"},
            "unit": {"type": "string"}, "role": {"type": "string"},
            "framework": {"type": "string"}, "framework_title": {"type": "string"},
            "version": {"type": "string"},
            "cycle_start": _DATE, "cycle_end": _DATE, "due": _DATE, "status": _STATUS,
            "rules": {"type": "array", "items": {"$ref": "#/components/schemas/Rule"}},
            "next_step": {"type": "string"},
            "adjustments": {"type": "array", "items": {"type": "string"}}}},
    "PersonCompliance": {
        "type": "object", "required": ["reference", "name", "as_of", "roles"],
        "properties": {
            "reference": {"type": "string"}, "name": {"type": "string"},
            "unit": {"type": ["string", "null"]}, "as_of": _DATE,
            "roles": {"type": "array",
                      "items": {"$ref": "#/components/schemas/RoleCompliance"}},
            "past_cycles": {"type": "array", "description": "Newest first.",
                            "items": {"$ref": "#/components/schemas/PastCycle"}}}},
    "Activity": {
        "type": "object", "required": ["id", "statement_id", "reference", "date", "title",
                                       "minutes", "category", "verification", "roles",
                                       "recorded_at"],
        "properties": {
            "id": {"type": "integer"}, "statement_id": {"type": "string", "format": "uuid"},
            "reference": {"type": "string"}, "date": _DATE, "title": {"type": "string"},
            "minutes": {"type": "integer", "minimum": 0,
                        "description": "0 for a record that is not a length of time."},
            "category": {"type": "string"}, "category_name": {"type": "string"},
            "kind": {"type": ["string", "null"]}, "kind_name": {"type": ["string", "null"]},
            "item": {"type": ["string", "null"]}, "item_name": {"type": ["string", "null"]},
            "participatory": {"type": "boolean"},
            "verification": {"type": "string",
                             "enum": ["self-declared", "awaiting", "verified", "rejected"]},
            "roles": {"type": "array", "items": {"type": "string"}},
            "recorded_at": {"type": "string", "format": "date-time"}}},
    "StandingPage": _paged("Standing"),
    "ActivityPage": _paged("Activity"),
}

_SORT_VALUES = [key for name in SORTS for key in (name, f"-{name}")]


def document(*, server: str) -> dict[str, Any]:
    """The document, with ``server`` (the API's base path) as its one server."""
    security = [{"bearer": []}, {"session": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "cpd-tracker reporting API", "version": "1",
                 "description": "Compliance and CPD activities for the force's reporting "
                                "tools. The same permissions as the pages: a bearer token "
                                "(CPD_API_TOKENS) reads what a lead of its scopes may; a "
                                "signed-in session reads what its user may."},
        "servers": [{"url": server}],
        "security": security,
        "paths": {
            "/compliance": {"get": {
                "operationId": "scopeCompliance",
                "summary": "Every standing in the caller's scope, paged (leads and tokens).",
                "parameters": [
                    _query("status", {"type": "array", "items": _STATUS},
                           "Only these statuses (repeat the argument for several)."),
                    _query("role", _text(64, "A role code.")),
                    _query("unit", _text(255, "An organisational unit.")),
                    _query("due_before", dict(_DATE), "Something owed by this date."),
                    _query("search", _text(SEARCH_LONGEST, "Part of a name or reference.")),
                    _query("last_cycle", {"type": "string",
                                          "enum": list(LAST_CYCLES)},
                           "How the last ended cycle ended ('none': no cycle ended yet)."),
                    _query("sort", {"type": "string", "enum": _SORT_VALUES,
                                    "default": "name"},
                           "Sort key; '-' before it for the other way."),
                    *_PAGING],
                "responses": {"200": _ok("StandingPage", "A page of standings."),
                              **_ERRORS}}},
            "/people/{reference}/compliance": {"get": {
                "operationId": "personCompliance",
                "summary": "One person's standing in each role, judged now, rule by rule.",
                "parameters": [{"name": "reference", "in": "path", "required": True,
                                "schema": {"type": "string", "minLength": 1,
                                           "pattern": _PRINTABLE},
                                "description": "The person's user reference."}],
                "responses": {"200": _ok("PersonCompliance", "The person's compliance."),
                              "404": _error("No such person whose record the caller may "
                                            "see."),
                              **_ERRORS}}},
            "/activities": {"get": {
                "operationId": "activities",
                "summary": "CPD activities, newest first: one person's, or everyone's in the "
                           "caller's scope.",
                "parameters": [
                    _query("person", _text(255, "A person's reference.")),
                    _query("unit", _text(255, "An organisational unit.")),
                    _query("role", _text(64, "Activities counting for this role code.")),
                    _query("since", dict(_DATE), "On or after this date."),
                    _query("until", dict(_DATE), "On or before this date."),
                    *_PAGING],
                "responses": {"200": _ok("ActivityPage", "A page of activities."),
                              "404": _error("No such person whose record the caller may "
                                            "see."),
                              **_ERRORS}}},
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A token of CPD_API_TOKENS."},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "The LMS's signed-in session."}}},
    }
