"""Showing a live transcription: committed words black, tentative words grey, refreshed in place; SRT export.

Taught in notebooks/05_live_transcription.ipynb ("Live, with a thread for each loop", "Your microphone" and
"Export subtitles").
"""

from __future__ import annotations

import html
import threading
from collections.abc import Sequence

from .. import formats
from .sources import STOP_TIMEOUT_S
from .transcriber import LiveState, LiveTranscriber
from .words import Word, join_words

REFRESH_S = 0.5  # seconds between two refreshes of the live display


class LiveDemo:
    """Shows a :class:`LiveTranscriber` as it runs: committed text black, tentative text grey, refreshed every
    ``refresh_s`` seconds in place (an ``ipywidgets.HTML``, so no flicker), with a status line.

    :meth:`run` blocks until the audio is over (a simulated microphone); :meth:`start` returns at once and
    refreshes from a thread (the browser microphone, whose chunks reach the kernel only while no cell runs: the
    recorder's own Stop button ends the take, and with it the transcription). :meth:`stop` ends every thread
    it started. The demo has no Stop button of its own: one Stop, the recorder's, is clearer than two.
    """

    def __init__(self, transcriber: LiveTranscriber, refresh_s: float = REFRESH_S) -> None:
        import ipywidgets

        self.transcriber, self.refresh_s = transcriber, refresh_s
        self.text = ipywidgets.HTML(layout=ipywidgets.Layout(min_height="3em"))
        self.status = ipywidgets.HTML()
        self.widget = ipywidgets.VBox([self.text, self.status])
        self.widget.add_class("whisper-lab-live")
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The widget, and for viewers without widgets (a notebook on GitHub) a line that says what it was.

        Written out rather than asked of the widget: ipywidgets 7 (Colab's) has no ``_repr_mimebundle_``.
        """
        view = {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}
        return {
            "application/vnd.jupyter.widget-view+json": view,
            "text/plain": "LiveDemo: live subtitles (a widget; run the notebook to see it)",
        }

    def refresh(self) -> None:
        """Show the transcriber's current state (the widgets change only when the text does)."""
        state = self.transcriber.state()
        self.text.value = render_html(state)
        if state.running:
            status = f"listening · {state.received_s:.0f} s heard · buffer {state.buffer_s:.1f} s"
        else:
            heard = f"{state.received_s:.0f} s heard"
            status = f"stopped · {heard} · run the cell that started this demo again to listen again"
        self.status.value = f"<span style='color:#666'>{html.escape(status)}</span>"

    def run(self) -> LiveDemo:
        """Display, run until the audio is over, refreshing from this thread; then stop everything."""
        from IPython.display import display

        display(self)
        self.transcriber.start()
        try:
            while self.transcriber.running and not self._stop.wait(self.refresh_s):
                self.refresh()
        finally:
            self.stop()
        self.transcriber.wait()  # raises the loop's error, if it had one
        return self

    def start(self) -> LiveDemo:
        """Start the transcriber and a refreshing thread; returns at once (display the demo yourself)."""
        self.transcriber.start()
        self._refresher = threading.Thread(target=self._refresh_loop, name="live-display")
        self._refresher.start()
        return self

    def _refresh_loop(self) -> None:
        while not self._stop.wait(self.refresh_s):
            self.refresh()
            if not self.transcriber.running:
                return

    def stop(self) -> None:
        """Stop the source and the transcriber (after one last pass) and the refreshing thread."""
        self.transcriber.stop()
        self._stop.set()
        if self._refresher is not None:
            self._refresher.join(STOP_TIMEOUT_S)
        self.refresh()


def render_html(state: LiveState) -> str:
    """Committed words in black, tentative words in grey, as HTML."""
    committed = html.escape(state.committed_text)
    tentative = html.escape(state.tentative_text)
    error = f"<div style='color:#b00'>{html.escape(state.error)}</div>" if state.error else ""
    return (
        "<div style='font-size:1.3em;line-height:1.5'>"
        f"<span class='committed' style='color:#000'>{committed}</span> "
        f"<span class='tentative' style='color:#999'>{tentative}</span></div>{error}"
    )


def to_srt(words: Sequence[Word], max_line_width: int = 42, max_line_count: int = 2) -> str:
    """Subtitles (SRT) for ``words``, cut into lines of at most ``max_line_width`` characters and cues of at
    most ``max_line_count`` lines (or at a pause of 3 s), by Whisper's own SRT writer (``formats.to_srt``)."""
    if not words:
        return ""
    timings = [{"word": w.text, "start": w.start, "end": w.end} for w in words]
    segment = {"start": words[0].start, "end": words[-1].end, "text": join_words(words), "words": timings}
    return formats.to_srt({"segments": [segment]}, max_line_width, max_line_count)
