"""The xAPI vocabulary cpd-tracker speaks: verbs, activity types and extension IRIs.

These IRIs are a public contract: other LRSs, reports and LMS content match on them. Never
change one; add a new one instead.
"""

BASE = "https://w3id.org/xapi/cpd-tracker"

#: An officer recorded a piece of CPD they did.
VERB_LOGGED = f"{BASE}/verbs/logged"
VERB_LOGGED_DISPLAY = {"en-GB": "logged CPD"}

#: The object of a logged-CPD statement: one piece of continuing professional development.
ACTIVITY_TYPE_CPD = f"{BASE}/activity-types/cpd-activity"

#: Context extension: the CPD category code (string).
EXT_CATEGORY = f"{BASE}/extensions/category"
#: Context extension: the codes of the roles the activity counts towards (list of strings).
EXT_ROLES = f"{BASE}/extensions/roles"
#: Context extension: the calendar date the activity took place, ``YYYY-MM-DD`` in the force's
#: time zone. A timestamp alone cannot say which day a person meant.
EXT_ACTIVITY_DATE = f"{BASE}/extensions/activity-date"
