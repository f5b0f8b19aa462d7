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

#: Context extension: what happened, the first question of a structured reflective account.
EXT_WHAT_HAPPENED = f"{BASE}/extensions/what-happened"
#: Context extension: codes of the role profile's key accountabilities a reflection links to.
EXT_ACCOUNTABILITIES = f"{BASE}/extensions/accountabilities"

#: An officer attached evidence (a file, in the statement's attachments) to a CPD activity.
VERB_ATTACHED_EVIDENCE = f"{BASE}/verbs/attached-evidence"
VERB_ATTACHED_EVIDENCE_DISPLAY = {"en-GB": "attached evidence to"}
#: The usage type of an evidence attachment (a certificate, a course register, a document).
ATTACHMENT_EVIDENCE = f"{BASE}/attachment-usage/evidence"

#: A lead verified what a statement submitted (object: a StatementRef to the evidence or renewal).
VERB_VERIFIED = f"{BASE}/verbs/verified"
VERB_VERIFIED_DISPLAY = {"en-GB": "verified"}
#: A lead rejected what a statement submitted, with the reason in the result's response.
VERB_REJECTED = f"{BASE}/verbs/rejected"
VERB_REJECTED_DISPLAY = {"en-GB": "rejected"}

#: The object of accreditation statements: a person's accreditation in a scheme.
ACTIVITY_TYPE_ACCREDITATION = f"{BASE}/activity-types/accreditation"
#: An officer recorded their accreditation in a scheme (status, date, endorsements).
VERB_RECORDED_ACCREDITATION = f"{BASE}/verbs/recorded-accreditation"
VERB_RECORDED_ACCREDITATION_DISPLAY = {"en-GB": "recorded accreditation in"}
#: An officer submitted a renewal of an accreditation, with evidence of continued competence.
VERB_SUBMITTED_RENEWAL = f"{BASE}/verbs/submitted-renewal"
VERB_SUBMITTED_RENEWAL_DISPLAY = {"en-GB": "submitted a renewal of"}
#: A lead (or the lapse job) changed a person's accreditation status (object: the person).
VERB_CHANGED_ACCREDITATION = f"{BASE}/verbs/changed-accreditation-status"
VERB_CHANGED_ACCREDITATION_DISPLAY = {"en-GB": "changed the accreditation status of"}
#: Context extension: the accreditation scheme (the framework code, e.g. ``ipp-example``).
EXT_SCHEME = f"{BASE}/extensions/scheme"
#: Context extension: an accreditation status (``accredited``, ``suspended``...).
EXT_ACCREDITATION_STATUS = f"{BASE}/extensions/accreditation-status"
#: Context extension: the day a person was (re)accredited (``YYYY-MM-DD``).
EXT_ACCREDITED_ON = f"{BASE}/extensions/accredited-on"
#: Context extension: the day an accreditation expires (``YYYY-MM-DD``).
EXT_EXPIRES_ON = f"{BASE}/extensions/expires-on"
#: Context extension: codes of the scheme's endorsements the person holds (list of strings).
EXT_ENDORSEMENTS = f"{BASE}/extensions/endorsements"

#: The outcome of one CPD cycle of an officer in a role, judged once its due date has passed
#: (actor: the library) or judged again by a lead (actor: the lead, reason in the response).
#: Object: the officer. The latest such statement about a cycle is its recorded outcome.
VERB_JUDGED_CYCLE = f"{BASE}/verbs/judged-cycle"
VERB_JUDGED_CYCLE_DISPLAY = {"en-GB": "judged the CPD cycle of"}
#: Context extension: the last day of a cycle (``YYYY-MM-DD``).
EXT_CYCLE_END = f"{BASE}/extensions/cycle-end"
#: Context extension: how a cycle ended: ``met``, ``met-late`` (within an extension),
#: ``not-met`` or ``exempt``.
EXT_CYCLE_OUTCOME = f"{BASE}/extensions/cycle-outcome"
#: Context extension: the codes of the rules a cycle did not meet (list of strings).
EXT_UNMET_RULES = f"{BASE}/extensions/unmet-rules"
