"""The page's CSS and JavaScript: files in ``qa/web/static/`` (package data), read when the app starts.

* ``style.css`` — the page's styles (``launch(css=…)``), colours as our own variables for both themes;
* ``page.js`` — the script run once in the page (``launch(head=…)``);
* ``chat.js``, ``cards.js`` — the click handlers of the conversation and the cards (``js_on_load``
  of their HTML components: ``element`` and ``trigger`` are Gradio's);
* ``scroll.js`` — the function that scrolls the opened document to the cited sentence.
"""

from __future__ import annotations

from importlib import resources


def static_text(name: str) -> str:
    """A file of ``qa/web/static`` as text (``style.css``, ``page.js``, …)."""
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def page_head() -> str:
    """What the page's ``<head>`` gets: ``page.js`` in a script element."""
    return "\n<script>\n" + static_text("page.js") + "</script>\n"
