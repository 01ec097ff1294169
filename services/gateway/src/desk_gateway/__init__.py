"""The gateway: the one public HTTP API of the Support desk.

It authenticates bearer tokens, enforces the permission strings that depend only on
the token, scopes every call to the caller's tenant, and forwards to the services'
internal APIs, which apply the rules that depend on their data (own, assigned).

Errors: :class:`desk_infra.problems.Problem` for every refusal; upstream failures
become 502, 503 or 504 problems.
"""
