"""The request guard: control characters in a query string, a form value or a file name never reach the database.

One check before every view (the rule itself is app.domain.text):
- a query string (GET searches, filters, links) with a control character, or bytes that are not UTF-8 (a raw
  byte rather than its %-escape: werkzeug cannot decode it), gets a 400: a page that says what is wrong, or,
  under /api/, the API's JSON error naming the parameter;
- a form value or uploaded file name with one: a form field the app's forms know is left to the form, which
  answers with a message beside the field (app/forms.py); anything else gets the same 400 page.
Tab and line breaks are allowed in form values (a textarea has them); the form decides per field.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.wrappers import Response

from app.domain.text import has_hidden_characters
from app.web.forms import FIELD_NAMES
from app.web.urls import is_api_path

QUERY_MESSAGE = "The web address contains hidden characters, such as null characters, that the service cannot use"
ENCODING_MESSAGE = "The web address contains characters the service cannot read (they are not encoded as UTF-8)"
FORM_MESSAGE = "What you sent contains hidden characters, such as null characters, that the service cannot use"


def _first_bad(pairs: Iterable[tuple[str, str]], *, multiline: bool) -> str | None:
    """The name of the first parameter whose name or value holds a refused control character."""
    for key, value in pairs:
        if has_hidden_characters(key, multiline=multiline) or has_hidden_characters(value, multiline=multiline):
            return key
    return None


def _refusal(parameter: str, message: str) -> Response:
    current_app.logger.info("refused control characters in %s %s", request.method, request.path)
    if is_api_path(request.path):
        response = jsonify(
            {
                "error": {
                    "code": "invalid_parameter",
                    "parameter": "".join(c for c in parameter if c.isprintable()) or None,
                    "message": message,
                }
            }
        )
    else:
        response = Response(render_template("errors/hidden_characters.html", message=message), mimetype="text/html")
    response.status_code = 400
    response.headers["Cache-Control"] = "no-store"
    return response


def refuse_control_characters() -> Response | None:
    """Before every view: refuse control characters the forms will not answer for (see the module docstring)."""
    try:
        request.query_string.decode()
    except UnicodeDecodeError:
        return _refusal("", ENCODING_MESSAGE)
    bad = _first_bad(request.args.items(multi=True), multiline=False)
    if bad is not None:
        return _refusal(bad, QUERY_MESSAGE)
    if request.method in ("GET", "HEAD", "OPTIONS") or is_api_path(request.path):
        return None  # no body to read (the API reads none: it answers GET only, and 405 to the rest)
    values = [(key, value) for key, value in request.form.items(multi=True) if key not in FIELD_NAMES]
    files = [(key, stored.filename or "") for key, stored in request.files.items(multi=True) if key not in FIELD_NAMES]
    bad = _first_bad(values, multiline=True)
    if bad is None:
        bad = _first_bad(files, multiline=False)
    if bad is not None:
        return _refusal(bad, FORM_MESSAGE)
    return None


def init_app(app: Flask) -> None:
    """Check every request before its view (after the trusted-host check, which runs first of all)."""
    app.before_request(refuse_control_characters)
