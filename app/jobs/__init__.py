"""Long work run outside the request: the shared runner (:mod:`.runner`: RQ, a thread, or inline, with progress and
lost-job detection), the supplier import's check and commit on it (:mod:`.imports`), and sending the outbox's mail
(:mod:`.mail`). Jobs call the same services the pages and the commands do, and own their transactions."""
