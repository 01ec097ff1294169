"""The permission strings of the Support module, as the portal grants them."""

from enum import StrEnum


class Permission(StrEnum):
    REQUEST_UPDATE_OWN = "support:request:update:own"
    REQUEST_UPDATE_ASSIGNED = "support:request:update:assigned"
    REQUEST_UPDATE_ALL = "support:request:update:all"
    REQUEST_DELETE_ALL = "support:request:delete:all"
    COMMENT_CREATE = "support:comment:create"
    COMMENT_DELETE_OWN = "support:comment:delete:own"
    INTERNAL = "support:internal"
    ATTACHMENT_UPLOAD = "support:attachment:upload"
    ATTACHMENT_DELETE = "support:attachment:delete"
    SETTINGS_TOPICS = "support:settings:topics"
    SETTINGS_GROUPS = "support:settings:groups"
    SLA_MANAGE = "support:sla:manage"
    SLA_ATTACH = "support:sla:attach"
    ESCALATE = "support:escalate"
    TRANSACTION_CREATE = "support:transaction:create"
    # Held by the portal itself, which owns tenants and the directory.
    PORTAL_TENANTS_WRITE = "portal:tenants:write"
    PORTAL_DIRECTORY_WRITE = "portal:directory:write"


REQUEST_UPDATE = frozenset(
    {
        Permission.REQUEST_UPDATE_OWN,
        Permission.REQUEST_UPDATE_ASSIGNED,
        Permission.REQUEST_UPDATE_ALL,
    }
)
"""Any of these lets an operator view and work tickets."""

REQUEST_VIEW = REQUEST_UPDATE | {Permission.REQUEST_DELETE_ALL}
"""Any of these lets an operator view every ticket of the tenant: those who may
delete tickets see what they delete, and its history."""

SUPPORT_MODULE = "support"
