"""Versions, reviews and an audit log for every document, in SQLite inside the workspace's `.isms/`."""

from assistant.store.comments import Comment, CommentRefused
from assistant.store.service import Approval, ApprovalRefused, DocumentStore, StaleEdit
from assistant.store.verify import verify

__all__ = ["Approval", "ApprovalRefused", "Comment", "CommentRefused", "DocumentStore", "StaleEdit", "verify"]
