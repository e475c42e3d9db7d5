"""Running the web assistant: ``qa serve`` and ``python app.py`` (:func:`serve`), :func:`launch` for tests.

With no index at start-up the app builds one in the background and shows its progress; writes
go through :class:`qa.index.writer.IndexWriter`, which publishes a new generation atomically, while
:class:`qa.api.LiveAssistant` keeps answering from the last complete generation.
"""

from __future__ import annotations

import os

import gradio as gr

from qa.config import Settings
from qa.web.app import build_app
from qa.web.assets import page_head, static_text
from qa.web.assistant import WebAssistant


def _theme():
    """The page's Gradio theme: local fonts, Gradio's subdued texts at WCAG AA contrast."""
    # Local fonts only: the default theme would fetch web fonts, and there may be no network.
    fonts = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"]
    theme = gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=fonts, font_mono=["monospace"])
    # Gradio's own subdued texts (labels, hints, placeholders) at WCAG AA contrast in both themes.
    return theme.set(
        body_text_color_subdued="*neutral_600",
        body_text_color_subdued_dark="*neutral_300",
        input_placeholder_color="*neutral_500",
        input_placeholder_color_dark="*neutral_300",
        block_label_text_color="*neutral_700",
        block_label_text_color_dark="*neutral_200",
        block_info_text_color="*neutral_600",
        block_info_text_color_dark="*neutral_300",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_dark="*primary_600",
        button_primary_background_fill_hover_dark="*primary_700",
        button_primary_text_color="white",
        button_primary_text_color_dark="white",
    )


def launch(
    app, host: str = "127.0.0.1", port: int = 7860, block: bool = True, quiet: bool = False, mcp: bool = False
) -> str:
    """Start the server (the theme, CSS and page script are given here, as Gradio 6 wants); returns its URL.

    ``mcp``: also serve the MCP tools of :mod:`qa.mcp` at ``/gradio_api/mcp/``.
    """
    if mcp:
        from qa.mcp import add_gradio_tools

        add_gradio_tools(app, app.qa_core.live_assistant, app.qa_core.settings)
    app.queue(default_concurrency_limit=4)
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        quiet=quiet,
        show_error=False,
        max_file_size="50mb",
        theme=_theme(),
        css=static_text("style.css"),
        head=page_head(),
        footer_links=["api"],
        mcp_server=mcp,
    )
    return url or f"http://{host}:{port}/"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def access_warning(settings: Settings, host: str, port: int) -> str | None:
    """The warning for a server that others can reach and that anyone may change, else None."""
    if is_loopback(host) or settings.read_only or settings.admin_token:
        return None
    return (
        f"qa: warning: serving on {host} without --read-only or QA_ADMIN_TOKEN: anyone who can reach "
        f"port {port} can upload, delete and rebuild the library"
    )


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, mcp: bool = False) -> int:
    """Run the web assistant until interrupted (``qa serve`` and ``python app.py``); returns the exit status."""
    import sys

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network calls home
    warning = access_warning(settings, host, port)
    if warning:
        print(warning, file=sys.stderr)
    app = build_app(settings)
    core: WebAssistant = app.qa_core  # type: ignore[attr-defined]
    if core.building():
        print(f"qa: no index at {settings.index}: building one from {settings.source} (progress on the page)")
    try:
        launch(app, host, port, block=True, mcp=mcp)
    except OSError as exc:
        print(f"qa: cannot serve on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    return 0
