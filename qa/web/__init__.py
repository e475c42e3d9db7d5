"""纪要问答 web assistant: a Gradio app over the live index (``python app.py`` or ``qa serve``).

The package, by concern:

* :mod:`qa.web.server` — :func:`serve` (``qa serve``, ``python app.py``) and :func:`launch`;
* :mod:`qa.web.app` — :func:`build_app`: the Gradio components, their events and the queue;
* :mod:`qa.web.assistant` — :class:`WebAssistant`, what the page asks of the library (plain
  Python, no Gradio): ask, prepare, export, add, delete, rebuild, access;
* :mod:`qa.web.render` — what the page shows, pure functions from answer dicts to HTML and text;
* :mod:`qa.web.excerpt` — what a card quotes from the document as written;
* :mod:`qa.web.inputs` — dates, filters and follow-up topics as people type them;
* :mod:`qa.web.messages` — :class:`UserError` and the library's messages said in Chinese;
* :mod:`qa.web.progress` — an index write's progress as the page says it;
* :mod:`qa.web.export` — one answer's sources as CSV and Word;
* :mod:`qa.web.assets` — the CSS and JavaScript of ``qa/web/static``, read at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qa.web.assistant import WebAssistant
from qa.web.messages import UserError

if TYPE_CHECKING:
    from qa.web.app import build_app
    from qa.web.server import launch, serve

__all__ = ["UserError", "WebAssistant", "build_app", "launch", "serve"]


def __getattr__(name: str):
    """``build_app``, ``launch`` and ``serve``, imported on first use: only they need Gradio (a
    second or more to import), while the core, the renderers and their tests do not."""
    if name == "build_app":
        from qa.web.app import build_app

        return build_app
    if name in ("launch", "serve"):
        from qa.web import server

        return getattr(server, name)
    raise AttributeError(f"module 'qa.web' has no attribute {name!r}")
