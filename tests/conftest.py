import pytest

import course_utils as cu


@pytest.fixture(scope="session")
def tiny_en():
    """The real tiny.en model (offline weights), loaded once for the whole test session."""
    return cu.load_model("tiny.en", device="cpu")


@pytest.fixture(scope="session")
def jfk_audio():
    return cu.load_audio(cu.clip("jfk").path)
