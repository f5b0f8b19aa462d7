"""A lead's bulk import of CPD records from CSV: the template, the dry run and the import.
Thin: parse, authorise, call :mod:`cpd_tracker.services.importing`, render the report."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from cpd_tracker.permissions import VERIFY
from cpd_tracker.services import importing
from cpd_tracker.services.import_file import COLUMNS, template_csv
from cpd_tracker.web.auth import may
from cpd_tracker.web.forms import ImportForm

#: Rows a file may have on the page: each row is stored as a statement with its read models
#: (about 10 to 20 ms a row), so larger files go through ``flask cpd import``, not a request.
WEB_MAX_ROWS = 5_000


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/import", "import_records", import_records,
                           methods=["GET", "POST"])
    blueprint.add_url_rule("/import/template.csv", "import_template", import_template)


def import_records() -> Response | tuple[str, int]:
    """The upload form; a dry run lists every problem, an import stores all rows or none."""
    state, user = may(VERIFY, None)
    form = ImportForm()
    report = None
    filename = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = ["Choose a CSV file to check or import."]
            status = 422
        else:
            filename = upload.filename
            data = upload.read()
            access = state.access(user)
            if request.form.get("action") == "import":
                report = importing.run(state.session, state.settings, access,
                                       state.learner_for(user), data, today=state.today(),
                                       max_rows=WEB_MAX_ROWS)
                if report.ok:
                    flash(f"{filename}: {report.summary()}", "cpd-success")
                    return redirect(url_for("cpd_tracker.import_records"))
            else:
                report = importing.check(state.session, state.settings, access, data,
                                         today=state.today(), max_rows=WEB_MAX_ROWS)
            status = 200 if report.ok else 422
    elif form.is_submitted():
        status = 400
    return render_template("cpd_tracker/import.html", form=form, report=report,
                           filename=filename, columns=COLUMNS,
                           max_rows=WEB_MAX_ROWS), status


def import_template() -> Response:
    """A CSV to start from: the header and one example row."""
    state, _user = may(VERIFY, None)
    response = Response(template_csv(state.settings), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="cpd-import-template.csv"'
    return response
