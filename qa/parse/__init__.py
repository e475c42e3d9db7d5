"""The minutes parser's steps; the entry points are in :mod:`qa.minutes`.

``patterns`` (what every step reads alike) → ``reports`` (page → reports) → ``layout`` (opening,
header, body, tail) → ``metadata`` (the meeting's facts) → ``attendance`` (出席/列席/分送) →
``items`` (agenda items).
"""
