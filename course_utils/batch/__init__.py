"""Many recordings at once: batched decoding on this machine or on Ray, resumable outputs, and what it costs.

Taught in notebooks/09_batch_transcription.ipynb; ``python -m course_utils transcribe-batch`` runs it
(:mod:`.cli`), ``python -m course_utils bench-batch`` measures it (:mod:`.bench`).
"""
