"""Document files: Markdown with front matter (the source of truth), Word and Excel renderings."""
