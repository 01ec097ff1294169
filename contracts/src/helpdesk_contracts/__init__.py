"""Public contracts of the Support desk: the event envelope, event schemas, names.

Compatibility policy: within a major version (``.v1``) fields are only ever added,
and only as optional fields; consumers ignore fields they do not know. A breaking
change gets a new major version, a new event type and a new routing key, and the
producer publishes both versions while consumers migrate.
"""

from helpdesk_contracts.envelope import Envelope, EventData, new_event_id

__all__ = ["Envelope", "EventData", "new_event_id"]
