"""Who and what a statement is about: statement builders, identities and learners.

The write side's vocabulary: one builder class per kind of statement the library emits, the
agents that name people in them, and the ``cpd_learner`` rows kept in step with the host's users.
"""
