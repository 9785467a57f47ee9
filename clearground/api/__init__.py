"""The REST API's shared plumbing: authentication, parsers, errors, pagination, parameters, preconditions,
the OpenAPI hooks, token sign-in, and the URL map of /api/ composing each app's `api.py` (decision 0045)."""
