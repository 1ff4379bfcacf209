"""Long work run outside the request: an import's check and commit (RQ, a thread, or inline) and sending the
outbox's mail. Jobs call the same services the pages and the commands do, and own their transactions."""
