"""SMTP reply lines as named constants (with enhanced status codes, RFC 3463)."""

from __future__ import annotations

OK = "250 2.0.0 Ok: queued as {id}"
RECIPIENT_OK = "250 2.1.5 Ok"
SENDER_OK = "250 2.1.0 Ok"
TRY_LATER = "451 4.3.0 Temporary failure, please try again later"
LOW_DISK = "452 4.3.1 Insufficient system storage, please try again later"
NO_SUCH_USER = "550 5.1.1 Recipient address rejected: no such mailbox here"
TOO_BIG = "552 5.3.4 Message too big"
TOO_MANY_CONNECTIONS = "421 4.7.0 Too many connections from your host, try again later"
