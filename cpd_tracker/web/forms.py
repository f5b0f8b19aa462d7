"""WTForms forms (through Flask-WTF, so CSRF is on). Forms parse; services decide.

A form turns what was typed into typed values and says when it cannot (a date that is not a
date). The rules about what may be logged live in the services, whose errors the form shows
next to the right field, so every way in refuses the same things in the same words.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from cpd_tracker.services.accreditation import COMPETENCE_MAX, REASON_MAX, RECORDABLE
from cpd_tracker.services.activities import REFLECTION_MAX, TITLE_MAX, ActivityEntry
from cpd_tracker.services.evidence import COMMENT_MAX, DESCRIPTION_MAX


class ServiceForm(FlaskForm):
    """A form whose rules live in a service: it shows the service's errors where they belong."""

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put a service's ``{field: message}`` errors next to the fields they concern; the
        rest (``form``...) above the form."""
        for name, message in errors.items():
            target = self._fields.get(name)
            if target is not None:
                target.errors = [*target.errors, message]
            else:
                self.form_errors.append(message)


class ActivityForm(ServiceForm):
    """Log a piece of CPD: what, when, how long, which category, what was learned."""

    submission_id = HiddenField()
    title = StringField(
        "Title",
        description="For example: Open-source intelligence refresher (College Learn).",
        validators=[InputRequired("Give the activity a title.")],
        render_kw={"maxlength": TITLE_MAX, "autocomplete": "off"},
    )
    activity_date = DateField(
        "Date",
        validators=[InputRequired("Give the date you did it.")],
        invalid_value_message="Give the date as day, month and year.",
    )
    hours = IntegerField(
        "Hours",
        default=0,
        validators=[Optional(), NumberRange(min=0, message="Hours cannot be negative.")],
        invalid_value_message="Hours must be a whole number.",
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    minutes = IntegerField(
        "Minutes",
        default=0,
        validators=[Optional(), NumberRange(min=0, max=59, message="Minutes must be 0 to 59.")],
        invalid_value_message="Minutes must be a whole number.",
        render_kw={"min": 0, "max": 59, "inputmode": "numeric"},
    )
    category = SelectField("Category", validate_choice=False)
    kind = SelectField("Kind of record (optional)", validate_choice=False,
                       description="If your role's requirements count this kind of record.")
    participatory = BooleanField("Done with other people (participatory learning)")
    item = SelectField("Completes a required item (optional)", validate_choice=False,
                       description="A mandatory course or refresher your role asks for.")
    what_happened = TextAreaField(
        "What happened? (optional)",
        description="The situation or learning, briefly. Plain text.",
        render_kw={"rows": 3, "maxlength": REFLECTION_MAX},
    )
    reflection = TextAreaField(
        "What did you learn?",
        description="Your reflection on the activity. Plain text.",
        render_kw={"rows": 4, "maxlength": REFLECTION_MAX},
    )
    impact = TextAreaField(
        "How has it changed your practice? (optional)",
        description="The difference it made, or will make, to your work. Plain text.",
        render_kw={"rows": 3, "maxlength": REFLECTION_MAX},
    )
    accountabilities = SelectMultipleField(
        "Which of your role's key accountabilities does it relate to? (optional)",
        validate_choice=False, option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    link = URLField("Link (optional)", description="A course page or article, if there is one.",
                    render_kw={"placeholder": "https://"})

    def __init__(self, *args: Any, categories: tuple[tuple[str, str], ...], today: date,
                 kinds: list[tuple[str, str]] = (), items: list[tuple[str, str]] = (),
                 accountabilities: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.accountabilities.choices = [SelectChoice(c, n) for c, n in accountabilities]
        self.category.choices = [SelectChoice(code, label) for code, label in categories]
        self.kind.choices = [SelectChoice("", "—"), *(SelectChoice(c, n) for c, n in kinds)]
        self.item.choices = [SelectChoice("", "—"), *(SelectChoice(c, n) for c, n in items)]
        self.activity_date.render_kw = {"max": today.isoformat()}
        if not self.is_submitted():
            self.submission_id.data = str(uuid.uuid4())
            self.activity_date.data = self.activity_date.data or today
        #: Errors about the duration as a whole (hours and minutes together).
        self.duration_errors: list[str] = []

    def entry(self) -> ActivityEntry:
        """The submitted values as an entry for
        :func:`~cpd_tracker.services.activities.log_activity`."""
        return ActivityEntry(
            title=self.title.data or "",
            activity_date=self.activity_date.data,
            minutes=(self.hours.data or 0) * 60 + (self.minutes.data or 0),
            category=self.category.data or "",
            reflection=self.reflection.data or None,
            link=(self.link.data or "").strip() or None,
            submission_id=self.submission_id.data or "",
            kind=self.kind.data or None,
            participatory=bool(self.participatory.data),
            item=self.item.data or None,
            impact=self.impact.data or None,
            what_happened=self.what_happened.data or None,
            accountabilities=tuple(self.accountabilities.data or ()),
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        """As every form, but errors about the duration go beside hours and minutes together."""
        self.duration_errors += [message for name, message in errors.items()
                                 if name == "duration"]
        super().show_errors({name: message for name, message in errors.items()
                             if name != "duration"})


class EvidenceForm(ServiceForm):
    """Attach a file as evidence of an activity."""

    submission_id = HiddenField()
    file = FileField("File", description="A certificate, a photo of a course register or a "
                                         "document: PDF, JPEG, PNG, Word or OpenDocument.")
    description = TextAreaField("What does it show? (optional)",
                                render_kw={"rows": 2, "maxlength": DESCRIPTION_MAX})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.submission_id.data = str(uuid.uuid4())


class DecisionForm(ServiceForm):
    """A lead's decision: approve, or reject with a comment the officer will read."""

    comment = TextAreaField("Comment for the officer", description="Needed to reject.",
                            render_kw={"rows": 3, "maxlength": COMMENT_MAX})


class JudgeAgainForm(ServiceForm):
    """A lead judges a closed cycle again, as things stand now for its days, with the reason."""

    reason = TextAreaField("Why judge it again", description=(
        "Kept with the new judgement; the officer sees it. For example: a course logged late."),
        render_kw={"rows": 2, "maxlength": 2000})


class AccreditationForm(ServiceForm):
    """An officer's record of their accreditation: working towards it, or accredited on a day
    with endorsements."""

    submission_id = HiddenField()
    status = SelectField("Where are you?", validate_choice=False, choices=[
        SelectChoice("working-towards", "Working towards accreditation"),
        SelectChoice("accredited", "Accredited")])
    accredited_on = DateField("Date accredited", validators=[Optional()],
                              description="Leave empty while you are working towards it.",
                              invalid_value_message="Give the date as day, month and year.")
    endorsements = SelectMultipleField(
        "Endorsements", validate_choice=False, option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False))

    def __init__(self, *args: Any, endorsements: list[tuple[str, str]] = (), today: date,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert {choice.value for choice in self.status.choices} == set(RECORDABLE)
        self.endorsements.choices = [SelectChoice(code, name) for code, name in endorsements]
        self.accredited_on.render_kw = {"max": today.isoformat()}
        if not self.submission_id.data:  # a fresh form (also one built beside a sent one)
            self.submission_id.data = str(uuid.uuid4())


class RenewalForm(ServiceForm):
    """An officer's renewal: how they kept up their competence, and evidence of it."""

    submission_id = HiddenField()
    competence = TextAreaField(
        "How have you kept up your competence?",
        description="Your statement of continued competence, for the accreditation lead. "
                    "Plain text.", render_kw={"rows": 6, "maxlength": COMPETENCE_MAX})
    files = MultipleFileField(
        "Evidence", description="One or more files: PDF, JPEG, PNG, Word or OpenDocument.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.submission_id.data:  # a fresh form (also one built beside a sent one)
            self.submission_id.data = str(uuid.uuid4())


class StatusForm(ServiceForm):
    """A lead's decision on someone's accreditation, with the reason the officer will read."""

    # Nothing is chosen at first: a decision this grave is never one click away.
    status = SelectField("Change the status to", validate_choice=False, choices=[
        SelectChoice("", "Choose a status"), SelectChoice("suspended", "Suspended"),
        SelectChoice("withdrawn", "Withdrawn"), SelectChoice("lapsed", "Lapsed"),
        SelectChoice("reinstated", "Reinstated")])
    reason = TextAreaField("Reason", description="Kept with the decision; the officer sees it.",
                           render_kw={"rows": 3, "maxlength": REASON_MAX})


class ImportForm(FlaskForm):
    """A lead's CSV file of CPD records, checked (dry run) or imported."""

    file = FileField("CSV file", description="UTF-8 CSV with the columns below (Excel: save as "
                                             "\u201cCSV UTF-8\u201d).")
