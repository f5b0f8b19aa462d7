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
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from cpd_tracker.activities import REFLECTION_MAX, TITLE_MAX, ActivityEntry


class ActivityForm(FlaskForm):
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
    reflection = TextAreaField(
        "What did you learn?",
        description="How it changed or will change your practice. Plain text.",
        render_kw={"rows": 5, "maxlength": REFLECTION_MAX},
    )
    link = URLField("Link (optional)", description="A course page or article, if there is one.",
                    render_kw={"placeholder": "https://"})

    def __init__(self, *args: Any, categories: tuple[tuple[str, str], ...], today: date,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice(code, label) for code, label in categories]
        self.activity_date.render_kw = {"max": today.isoformat()}
        if not self.is_submitted():
            self.submission_id.data = str(uuid.uuid4())
            self.activity_date.data = self.activity_date.data or today
        #: Errors about the duration as a whole (hours and minutes together).
        self.duration_errors: list[str] = []

    def entry(self) -> ActivityEntry:
        """The submitted values as an entry for :func:`~cpd_tracker.activities.log_activity`."""
        return ActivityEntry(
            title=self.title.data or "",
            activity_date=self.activity_date.data,
            minutes=(self.hours.data or 0) * 60 + (self.minutes.data or 0),
            category=self.category.data or "",
            reflection=self.reflection.data or None,
            link=(self.link.data or "").strip() or None,
            submission_id=self.submission_id.data or "",
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put a service's ``{field: message}`` errors next to the fields they concern."""
        for name, message in errors.items():
            if name == "duration":
                self.duration_errors.append(message)
            elif name in self._fields:
                self._fields[name].errors = [*self._fields[name].errors, message]
            else:
                self.form_errors.append(message)
