"""The mail-ingest service's errors.

MailIngestError
├── Unparseable        the bytes are not a mail message (quarantined)
├── UnknownMailbox     no mailbox is configured for the recipient (SMTP 550, HTTP 404)
├── NotFound           a mailbox or stored message that does not exist (HTTP 404)
├── Conflict           a mailbox address already taken (HTTP 409)
└── StorageUnavailable the database or blob store failed (SMTP 451, HTTP 503)
"""


class MailIngestError(Exception):
    """Base of the service's errors."""


class Unparseable(MailIngestError):
    pass


class UnknownMailbox(MailIngestError):
    pass


class NotFound(MailIngestError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} not found")
        self.what = what
        self.key = key


class Conflict(MailIngestError):
    pass


class StorageUnavailable(MailIngestError):
    pass
