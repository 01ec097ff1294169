"""Request and response schemas of the public HTTP API (``/v1``)."""
