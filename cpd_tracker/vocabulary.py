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
#: Context extension: what sort of record this is, in the framework's words
#: (``reflective-account``, ``peer-discussion``...). Absent for a plain piece of CPD.
EXT_KIND = f"{BASE}/extensions/kind"
#: Context extension: ``true`` when the learning was done with other people.
EXT_PARTICIPATORY = f"{BASE}/extensions/participatory"
#: Context extension: the code of the named item (mandatory course) the activity completes.
EXT_ITEM = f"{BASE}/extensions/item"
#: Context extension: how the activity changed the officer's practice (free text).
EXT_IMPACT = f"{BASE}/extensions/impact"

#: A lead exempted a person from a role's requirements for one cycle (object: the person).
VERB_EXEMPTED = f"{BASE}/verbs/exempted"
VERB_EXEMPTED_DISPLAY = {"en-GB": "exempted from CPD requirements"}
#: A lead extended the due date of a person's cycle for a role (object: the person).
VERB_EXTENDED = f"{BASE}/verbs/extended"
VERB_EXTENDED_DISPLAY = {"en-GB": "extended the CPD due date of"}
#: A lead approved an absence (parental leave, long-term sickness) that pro-rates targets.
VERB_APPROVED_ABSENCE = f"{BASE}/verbs/approved-absence"
VERB_APPROVED_ABSENCE_DISPLAY = {"en-GB": "approved an absence for"}
#: Context extension: the role an exemption or extension is for (role code).
EXT_ROLE = f"{BASE}/extensions/role"
#: Context extension: the first day of the cycle an exemption or extension is for.
EXT_CYCLE_START = f"{BASE}/extensions/cycle-start"
#: Context extension: the new due date an extension grants (``YYYY-MM-DD``).
EXT_DUE_DATE = f"{BASE}/extensions/due-date"
#: Context extensions: the first and last days of an approved absence (``YYYY-MM-DD``).
EXT_ABSENCE_START = f"{BASE}/extensions/absence-start"
EXT_ABSENCE_END = f"{BASE}/extensions/absence-end"
