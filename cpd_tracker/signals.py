"""Blinker signals a host can connect to, to react to what happens in cpd-tracker.

Signals are sent after the transaction has committed, so a receiver never sees a record that
could still be rolled back. Each is sent with the Flask app as sender.
"""

from blinker import Namespace

_signals = Namespace()

#: An officer logged CPD. Keyword arguments: ``learner`` (:class:`~cpd_tracker.models.Learner`),
#: ``activity`` (:class:`~cpd_tracker.models.Activity`), ``statement`` (the stored statement).
activity_logged = _signals.signal("activity-logged")

#: A learner record was created from the host's user. Keyword argument: ``learner``.
learner_created = _signals.signal("learner-created")

#: An officer attached evidence. Keyword arguments: ``learner``, ``evidence``
#: (:class:`~cpd_tracker.models.Evidence`).
evidence_attached = _signals.signal("evidence-attached")

#: A lead verified or rejected evidence. Keyword arguments: ``evidence``, ``approved`` (bool).
evidence_decided = _signals.signal("evidence-decided")

#: An officer corrected or withdrew an activity. Keyword arguments: ``learner``, ``activity``
#: (the new version, or ``None`` when withdrawn), ``replaced`` (the statement id voided).
activity_corrected = _signals.signal("activity-corrected")
