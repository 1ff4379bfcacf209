"""Full-text search over providers: a search document per provider, indexed with FTS5 on SQLite and a
GIN index over to_tsvector on PostgreSQL, and each provider's signal score for ranking. Documents and
scores are built by `flask search reindex`.

Revision ID: 0003_provider_search
Revises: 0002_registration
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa

# The engine-specific DDL, written out here rather than imported from the models.
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS provider_fts USING fts5("
    "document, content='provider_search_documents', content_rowid='provider_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS provider_fts_insert AFTER INSERT ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(rowid, document) VALUES (new.provider_id, new.document); END",
    "CREATE TRIGGER IF NOT EXISTS provider_fts_delete AFTER DELETE ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(provider_fts, rowid, document) VALUES ('delete', old.provider_id, old.document); END",
    "CREATE TRIGGER IF NOT EXISTS provider_fts_update AFTER UPDATE ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(provider_fts, rowid, document) VALUES ('delete', old.provider_id, old.document); "
    "INSERT INTO provider_fts(rowid, document) VALUES (new.provider_id, new.document); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS provider_fts_update",
    "DROP TRIGGER IF EXISTS provider_fts_delete",
    "DROP TRIGGER IF EXISTS provider_fts_insert",
    "DROP TABLE IF EXISTS provider_fts",
]

revision = '0003_provider_search'
down_revision = '0002_registration'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'provider_search_documents',
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['provider_id'], ['providers.id'], name=op.f('fk_provider_search_documents_provider_id_providers'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('provider_id', name=op.f('pk_provider_search_documents')),
    )
    # Ranking needs the generative signals' weight beside each provider, and locality a fast
    # district -> provider lookup.
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signal_score', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(
            'ix_providers_status_signal_score', ['status', sa.text('signal_score DESC'), 'name'], unique=False
        )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index('ix_sites_district_provider', ['district_code', 'provider_id'], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for statement in SQLITE_DDL:
            op.execute(statement)
    elif dialect == 'postgresql':
        # A stored text vector, so ranking many matches does not parse every document again.
        op.execute(
            "ALTER TABLE provider_search_documents ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english', document)) STORED"
        )
        op.execute(
            "CREATE INDEX ix_provider_search_documents_tsv ON provider_search_documents USING gin (search_vector)"
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for statement in SQLITE_DROP:
            op.execute(statement)
    elif dialect == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_provider_search_documents_tsv")
    op.drop_table('provider_search_documents')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index('ix_sites_district_provider')
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_index('ix_providers_status_signal_score')
        batch_op.drop_column('signal_score')
