"""``tunelab.fit(model, train_data=..., interactive=True)``: Finetuner's Labeler call, in a notebook cell."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .model import TunedModel
from .options import Tailor
from .progress_bar import in_notebook
from .session import Session, label

#: Seconds between two looks at the session while waiting for Finish (short, so Ctrl-C/Interrupt work).
POLL_INTERVAL = 0.5


def fit(
    model: str | os.PathLike[str] | TunedModel,
    train_data: Any = None,
    interactive: bool = True,
    *,
    name: str | None = None,
    to_embedding_model: bool = False,
    output_dim: int | None = None,
    layer_name: str | None = None,
    freeze: bool = False,
    finish_timeout: float | None = None,
    **options: Any,
) -> TunedModel:
    """Labels ``train_data`` interactively and returns the tuned model when you press Finish.

    Mirrors Finetuner's ``fit(model, train_data, interactive=True)``: it shows the labeling
    panel in the cell, trains while you answer, and blocks until the panel's **Finish** button
    (or ``session.finish()``) ends the session; then it returns the latest ``TunedModel``.
    Interrupt the kernel to stop waiting (the session stays open in the sidebar).

    Parameters
    ----------
    model:
        ``"mlp"``, ``"cnn"``, ``"text-mlp"``, ``"hashed-ngram"``, ``"auto"``, a TF.js
        ``model.json`` path, or a ``TunedModel`` to keep training (vector and image models).
    train_data:
        The unlabeled data, in any form ``tunelab.label`` takes.
    interactive:
        Must be True: Tunelab learns from a person's answers.
    to_embedding_model, output_dim, layer_name, freeze:
        Finetuner's Tailor options: turn a general model.json into an embedding model (cut at
        ``layer_name``, add an ``output_dim`` projection, freeze the base).
    finish_timeout:
        Give up waiting for Finish after this many seconds (``TimeoutError``); default: wait.
    options:
        Any other ``tunelab.label`` option (``field``, ``content_type``, ``top_k``, ``epochs``,
        ``learning_rate``, ``query_order``, ``tailor``, …).
    """
    if not interactive:
        raise ValueError(
            "tunelab.fit needs interactive=True: Tunelab fine-tunes from a person's answers to "
            "labeling questions (human in the loop). For training on data you have already labeled, "
            "use a supervised trainer (e.g. sentence-transformers' fit) instead."
        )
    if train_data is None:
        raise ValueError("tunelab.fit needs train_data: the unlabeled items to ask questions about")
    if to_embedding_model or layer_name is not None or freeze:
        if "tailor" in options:
            raise ValueError("pass either tailor= or to_embedding_model/layer_name/freeze, not both")
        options["tailor"] = Tailor(cut_at_layer=layer_name, freeze=freeze, output_dim=output_dim)
    elif output_dim is not None:
        options["output_dim"] = output_dim
    cleanup: Path | None = None
    if isinstance(model, TunedModel):
        model, cleanup = _continue_from(model)
    try:
        try:
            session = label(train_data, model=model, name=name, **options)
        except ValueError as err:
            if cleanup is not None:
                raise NotImplementedError(
                    f"the sidecar cannot continue training this TunedModel: {err}"
                ) from err
            raise
        _show(session)
        _wait_for_finish(session, finish_timeout)
        # Training may still run a last round: take the model once it is idle.
        with contextlib.suppress(TimeoutError):
            session.wait_for_model(timeout=60)
        return session.model
    finally:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)


def _continue_from(model: TunedModel) -> tuple[str, Path]:
    """Saves ``model`` where the sidecar may read it; returns its model.json path and the folder."""
    if model.content_type == "text":
        raise NotImplementedError(
            "continuing to train a text TunedModel is not supported yet: the sidecar loads model.json "
            "files for vector and image items only. Start from model='text-mlp' instead."
        )
    # The sidecar reads model files only inside its allowed root (the notebook's directory).
    folder = Path(tempfile.mkdtemp(prefix=".tunelab-continue-", dir=os.getcwd()))
    model.save(folder)
    return str(folder / "model.json"), folder


def _show(session: Session) -> None:
    if in_notebook():
        from IPython.display import display

        display(session)
    else:
        print(
            f"Tunelab session {session.name!r} is open: label it in JupyterLab's Tunelab sidebar, "
            "then press Finish.",
            file=sys.stderr,
        )


def _wait_for_finish(session: Session, timeout: float | None) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    while not session.progress.finished:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"session {session.name!r} was not finished within {timeout:g} s")
        time.sleep(POLL_INTERVAL)
