"""Operations: take the session and collaborators, add and flush, write the audit event, never commit."""
