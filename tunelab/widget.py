"""The labeling widget shown in a notebook cell.

The widget carries no labeling data: the browser view connects to the
sidecar itself through the authenticated Jupyter websocket; the widget only
tells it which session to show.
"""

from __future__ import annotations

import ipywidgets
from traitlets import Unicode

#: npm package and version of the front-end module that renders the widget.
MODULE_NAME = "tunelab"
MODULE_VERSION = "^0.1.0"


class Labeler(ipywidgets.DOMWidget):
    """Shows the labeling UI of one Tunelab session."""

    _model_name = Unicode("LabelerModel").tag(sync=True)
    _view_name = Unicode("LabelerView").tag(sync=True)
    _model_module = Unicode(MODULE_NAME).tag(sync=True)
    _view_module = Unicode(MODULE_NAME).tag(sync=True)
    _model_module_version = Unicode(MODULE_VERSION).tag(sync=True)
    _view_module_version = Unicode(MODULE_VERSION).tag(sync=True)

    #: Id of the sidecar session to show.
    session_id = Unicode("").tag(sync=True)
    #: Its name, shown while the view connects (and used to find it again after a restart).
    session_name = Unicode("").tag(sync=True)
