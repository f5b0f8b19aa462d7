"""Reminders: what is due on a day, the mail outbox that sends each once, leads' weekly digest,
and the SMTP transport."""

from cpd_tracker import _compat

#: The names this module had in 0.1 and that live elsewhere now (for one more release).
__getattr__ = _compat.module_getattr("cpd_tracker.reminders")
