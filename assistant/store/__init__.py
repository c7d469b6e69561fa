"""Versions, reviews and an audit log for every document, in SQLite inside the workspace's `.isms/`."""

from assistant.store.service import ApprovalRefused, DocumentStore, StaleEdit

__all__ = ["ApprovalRefused", "DocumentStore", "StaleEdit"]
