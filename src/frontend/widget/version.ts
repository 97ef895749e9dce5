/** The ipywidgets module Tunelab's Python widgets name (`_model_module`, `_view_module`). */
export const MODULE_NAME = 'tunelab';
/** Version of that module; the Python side asks for `^0.1.0`. */
export const MODULE_VERSION = '0.1.0';
