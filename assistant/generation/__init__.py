"""Bulk generation of the whole document set: incremental, resumable, concurrent."""
