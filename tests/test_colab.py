"""course_utils.colab outside Colab (here): no proxy; the origin and host of a proxy address, parsed as Colab gives it."""

from __future__ import annotations

import pytest

from course_utils import colab


def test_no_proxy_outside_colab():
    assert not colab.in_colab()
    assert colab.proxy_url(8765) is None
    assert colab.proxy_origin_and_host(8765) is None


def test_origin_and_host_of_a_proxy_address(monkeypatch):
    monkeypatch.setattr(colab, "proxy_url", lambda port: f"https://abc123-{port}-Colab.googleusercontent.com/")
    origin, host = colab.proxy_origin_and_host(8765)
    assert origin == "https://abc123-8765-colab.googleusercontent.com"
    assert host == "abc123-8765-colab.googleusercontent.com"


def test_a_proxy_address_that_is_no_web_address_is_an_error(monkeypatch):
    monkeypatch.setattr(colab, "proxy_url", lambda port: "about:blank")
    with pytest.raises(RuntimeError, match="not an http"):
        colab.proxy_origin_and_host(8765)


def test_a_served_page_is_a_frame_and_a_link_outside_colab(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    colab.show_served_page(8765, "/overlay", height=480, width=640)
    frame, link = shown
    assert (frame.src, frame.width, frame.height) == ("http://127.0.0.1:8765/overlay", 640, 480)
    assert 'href="http://127.0.0.1:8765/overlay"' in link.data
