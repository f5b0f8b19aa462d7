"""The compliance engine: pure functions over plain values, and their words.

Requirement sets, cycles, the judgement of a person against a role's rules, and how an
accreditation stands. Nothing here imports Flask or SQLAlchemy (the layering contract in
``setup.cfg`` forbids it), so every rule is tested, and property-tested, on values.
"""
