"""Live captions for a meeting: Whisper listens, and every browser page that is open shows the captions.

Taught in notebooks/11_live_captions.ipynb; ``python -m course_utils captions`` runs it (``cli``). The server
(``server``: Starlette on uvicorn) pushes the captions to every viewer over a WebSocket, with ``/captions.json`` for
pages that poll; the listening (``listen``) is the kit's live pipeline (notebook 05), transcribing or translating to
English, in its own thread. Pages (``pages/``): the captions, an overlay for video, and the speaker's microphone.
"""

from .listen import TASKS, Captions, Listener, SpeakerSource, pass_function
from .server import (
    HOST,
    MAX_MESSAGE_BYTES,
    MAX_MESSAGES_PER_S,
    PORT,
    CaptionBoard,
    CaptionServer,
    require_token_off_loopback,
)

__all__ = [
    "HOST",
    "MAX_MESSAGES_PER_S",
    "MAX_MESSAGE_BYTES",
    "PORT",
    "TASKS",
    "CaptionBoard",
    "CaptionServer",
    "Captions",
    "Listener",
    "SpeakerSource",
    "pass_function",
    "require_token_off_loopback",
]
