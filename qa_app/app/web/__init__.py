"""Web: the workbench page and the HTTP API; pure HTML renderers, handlers returning named results, the layout.

Imports only the assistant, records, errors and config, and the app's own modules.
"""
