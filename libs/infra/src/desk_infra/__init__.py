"""Infrastructure shared by every Support desk service, written once.

Errors raised here derive from :class:`desk_infra.errors.InfraError`:

- ``InfraError``
  - ``PublishFailed``: the broker did not confirm a message.
  - ``NotReady``: a dependency (database, broker) does not answer.
"""
