"""cpd-tracker: continuing professional development and accreditation records for police LMSs.

Embed it in a Flask app with ``CPDTracker(app, db=db)``; see the README.
"""

from cpd_tracker import _compat
from cpd_tracker.extension import CPDTracker
from cpd_tracker.migration import include_object
from cpd_tracker.record.learners import LearnerProfile
from cpd_tracker.state import get_state

__version__ = "0.1.0"

_compat.install()  # the 0.1 import paths, for one more release (see the changelog)

__all__ = ["CPDTracker", "LearnerProfile", "__version__", "get_state", "include_object"]
