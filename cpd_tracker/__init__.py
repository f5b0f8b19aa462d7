"""cpd-tracker: continuing professional development and accreditation records for police LMSs.

Embed it in a Flask app with ``CPDTracker(app, db=db)``; see the README.
"""

from cpd_tracker.extension import CPDTracker
from cpd_tracker.migration import include_object
from cpd_tracker.record.learners import LearnerProfile
from cpd_tracker.state import get_state

__version__ = "0.1.0"

__all__ = ["CPDTracker", "LearnerProfile", "__version__", "get_state", "include_object"]
