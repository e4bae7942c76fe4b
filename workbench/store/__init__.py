"""Storage: the data model and database access (the only package that knows SQL)."""

from .db import Database, Transaction, default_user, resolve_url, safe_url
from .models import (AuditEvent, Base, Code, CodebookVersion, Coding, LoginToken, Memo, MemoDraft, Pseudonym,
                     ReleasedQuote, RemovedSpeaker, Segment, SegmentEmbedding, Setting, Source, Speaker, Suggestion, TrainedModel, User)

__all__ = ["Database", "Transaction", "default_user", "resolve_url", "safe_url", "AuditEvent", "Base", "Code",
           "CodebookVersion", "Coding", "LoginToken", "Memo", "MemoDraft", "Pseudonym", "ReleasedQuote", "RemovedSpeaker", "Segment", "SegmentEmbedding", "Setting", "Source", "Speaker", "Suggestion",
           "TrainedModel", "User"]
