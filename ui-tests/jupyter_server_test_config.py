"""Jupyter server configuration for Tunelab's UI tests (Galata).

Never use it outside tests: it turns off authentication. It serves the
extension straight from the build in ``../tunelab/labextension`` and enables
the ``tunelab`` server extension (the websocket relay) from the repository.
"""

import os
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (c is the config object Jupyter passes in)

REPO = Path(__file__).resolve().parent.parent

c.ServerApp.port = int(os.environ.get("TUNELAB_UI_TESTS_PORT", "8888"))  # noqa: F821

# JupyterLab serves a federated extension from <labextensions dir>/<name>/, so
# the build directory is linked under a temporary directory as "tunelab".
_extensions_dir = Path(tempfile.mkdtemp(prefix="tunelab-labextensions-"))
(_extensions_dir / "tunelab").symlink_to(REPO / "tunelab" / "labextension", target_is_directory=True)
c.LabServerApp.extra_labextensions_path = [  # noqa: F821
    str(Path(c.LabServerApp.extra_labextensions_path)),  # noqa: F821 (Galata's test helpers)
    str(_extensions_dir),
]

c.ServerApp.jpserver_extensions = {"tunelab": True}  # noqa: F821

# Containers and CI runners often run the tests as root.
c.ServerApp.allow_root = True  # noqa: F821

# Each UI test run gets its own label store (the sidecar and the kernels inherit this).
os.environ["TUNELAB_DATA_DIR"] = tempfile.mkdtemp(prefix="tunelab-ui-data-")
