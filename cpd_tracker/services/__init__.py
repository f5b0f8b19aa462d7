"""Commands: check the request, build statements, store them with their projections, signal.

Each service owns its transaction and raises :class:`cpd_tracker.errors.Refused` (field ->
message) for a request it cannot do, with nothing written.
"""
