"""The desk's own templates for the notices that have no configured wording.

They are rendered by the same sandboxed engine as the SLA templates, with the
variables documented in ``docs/templates.md``.
"""

SLA_TITLE = {
    "warning": "SLA warning: {{ ticket.subject }}",
    "breach": "SLA breached: {{ ticket.subject }}",
}
SLA_FALLBACK_BODY = (
    "The {{ sla.name }} SLA of {{ ticket.reference }} "
    "{% if sla.point == 'breach' %}was breached{% else %}is close to breach{% endif %}"
    " (due {{ sla.due_at }})."
)
"""Used when an SLA definition has no message template."""

MENTION_TITLE = "You were mentioned: {{ ticket.subject }}"
MENTION_BODY = """Hello {{ recipient.name }},

{{ actor.name }} mentioned you on {{ ticket.reference }}:

{{ comment.body }}
"""
NOTE_MENTION_BODY = """Hello {{ recipient.name }},

{{ actor.name }} mentioned you in an internal note on {{ ticket.reference }}\
{% if ticket.subject %} ({{ ticket.subject }}){% endif %}.
Open the ticket to read it: {{ ticket.url }}
"""
"""Without the note's text: the person mentioned may not be allowed to read it."""

REPLY_TITLE = "{{ ticket.subject }}"
REPLY_BODY = """{{ comment.body }}

--
{{ actor.name }}, about your request {{ ticket.reference }}.
Reply to this email to add to the conversation.
"""

ASSIGNED_TITLE = "Assigned to you{% if via_team %} (team {{ via_team }}){% endif %}"
ASSIGNED_BODY = """Hello {{ recipient.name }},

{{ ticket.reference }}{% if ticket.subject %} ({{ ticket.subject }}){% endif %} \
was assigned to \
{% if via_team %}your team {{ via_team }}{% else %}you{% endif %}\
{% if role == 'primary' %} as primary assignee{% endif %} by {{ actor.name }}.
"""

STATUS_TITLE = "Your request is now {{ status.to_label }}"
STATUS_BODY = """Hello {{ recipient.name }},

Your request {{ ticket.reference }}\
{% if ticket.subject %} ({{ ticket.subject }}){% endif %} is now {{ status.to_label }} \
(it was {{ status.from_label }}).
{% if status.to == 'pending' %}
We are waiting for your answer: reply to this email to carry on.
{% elif status.to == 'resolved' %}
If the problem is not solved, reply to this email and we will reopen it.
{% endif %}"""

STATUS_LABELS = {
    "open": "open",
    "in_progress": "in progress",
    "pending": "waiting for you",
    "resolved": "resolved",
    "closed": "closed",
}
