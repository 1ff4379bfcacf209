"""Initial schema: areas, councils, the postcode directory and its releases, providers and their
sites, users, statutory thresholds, spend bands, the audit trail, the outbox, import batches and
cached geocoder answers.

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=9), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('country', 'region', 'combined_authority', 'district', 'ward', name='area_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('combined_authority_id', sa.Integer(), nullable=True),
    sa.Column('boundary', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['combined_authority_id'], ['areas.id'], name=op.f('fk_areas_combined_authority_id_areas')),
    sa.ForeignKeyConstraint(['parent_id'], ['areas.id'], name=op.f('fk_areas_parent_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_areas')),
    sa.UniqueConstraint('code', name=op.f('uq_areas_code'))
    )
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_areas_combined_authority_id'), ['combined_authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_areas_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_areas_parent_id'), ['parent_id'], unique=False)

    op.create_table('cpv_codes',
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('label', sa.String(length=400), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_cpv_codes'))
    )
    op.create_table('geocode_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('geocoder', sa.String(length=60), nullable=False),
    sa.Column('query', sa.String(length=500), nullable=False),
    sa.Column('found', sa.Boolean(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_geocode_results')),
    sa.UniqueConstraint('geocoder', 'query', name='uq_geocode_results_geocoder_query')
    )
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('source_name', sa.String(length=300), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batches_sha256'), ['sha256'], unique=False)

    op.create_table('outbox_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_emails'))
    )
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_emails_to_address'), ['to_address'], unique=False)

    op.create_table('postcode_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('source_file', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=200), nullable=False),
    sa.Column('source_format', sa.String(length=40), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('with_coordinates', sa.Integer(), nullable=False),
    sa.Column('with_wards', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds_to_load', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postcode_releases'))
    )
    with op.batch_alter_table('postcode_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postcode_releases_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_postcode_releases_sha256'), ['sha256'], unique=False)

    op.create_table('service_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_service_categories_slug'))
    )
    op.create_table('statutory_thresholds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_type', sa.Enum('goods_and_services', 'works', 'light_touch', name='contract_type', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('vat_basis', sa.Enum('included', 'excluded', name='vat_basis', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('legislation', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.CheckConstraint('amount_pence > 0', name=op.f('ck_statutory_thresholds_positive_amount')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statutory_thresholds')),
    sa.UniqueConstraint('contract_type', 'effective_from', name='uq_statutory_thresholds_type_from')
    )
    op.create_table('councils',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('local_area_definition', sa.Enum('own_area', 'own_area_plus_bordering', 'joint_area', name='local_area_definition', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('wider_area_id', sa.Integer(), nullable=True),
    sa.Column('local_area_rationale', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['areas.id'], name=op.f('fk_councils_district_id_areas')),
    sa.ForeignKeyConstraint(['wider_area_id'], ['areas.id'], name=op.f('fk_councils_wider_area_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_councils')),
    sa.UniqueConstraint('district_id', name=op.f('uq_councils_district_id'))
    )
    op.create_table('outcode_centroids',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('outcode', sa.String(length=4), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('postcode_count', sa.Integer(), nullable=False),
    sa.Column('main_district_code', sa.String(length=9), nullable=True),
    sa.Column('main_district_share', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['release_id'], ['postcode_releases.id'], name=op.f('fk_outcode_centroids_release_id_postcode_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('release_id', 'outcode', name=op.f('pk_outcode_centroids'))
    )
    op.create_table('postcodes',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('postcode', sa.String(length=8), nullable=False),
    sa.Column('outcode', sa.String(length=4), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('district_code', sa.String(length=9), nullable=True),
    sa.Column('ward_code', sa.String(length=9), nullable=True),
    sa.Column('terminated', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['release_id'], ['postcode_releases.id'], name=op.f('fk_postcodes_release_id_postcode_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('release_id', 'postcode', name=op.f('pk_postcodes'))
    )
    with op.batch_alter_table('postcodes', schema=None) as batch_op:
        batch_op.create_index('ix_postcodes_release_outcode', ['release_id', 'outcode'], unique=False)

    op.create_table('providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('trading_name', sa.String(length=300), nullable=True),
    sa.Column('legal_form', sa.Enum('cic', 'cooperative_society', 'community_benefit_society', 'charity', 'company_limited_by_guarantee', 'private_company', 'sole_trader_or_partnership', 'unincorporated_association', 'other', 'unknown', name='legal_form', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=320), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'verified', 'changes_requested', 'rejected', 'archived', name='provider_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.Enum('self_registered', 'imported', name='provider_source', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('source_reference', sa.String(length=100), nullable=True),
    sa.Column('claimed', sa.Boolean(), nullable=False),
    sa.Column('incorporated_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batches.id'], name=op.f('fk_providers_import_batch_id_import_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_providers')),
    sa.UniqueConstraint('import_batch_id', 'source_reference', name='uq_providers_batch_reference')
    )
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_providers_import_batch_id'), ['import_batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_providers_status'), ['status'], unique=False)
        batch_op.create_index('ix_providers_status_name', ['status', 'name'], unique=False)

    op.create_table('service_category_cpv',
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('cpv_code', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_service_category_cpv_category_id_service_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cpv_code'], ['cpv_codes.code'], name=op.f('fk_service_category_cpv_cpv_code_cpv_codes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('category_id', 'cpv_code', name=op.f('pk_service_category_cpv'))
    )
    op.create_table('council_joint_areas',
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_council_joint_areas_area_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_council_joint_areas_council_id_councils'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('council_id', 'area_id', name=op.f('pk_council_joint_areas'))
    )
    op.create_table('provider_areas_served',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_provider_areas_served_area_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_areas_served_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', 'area_id', name=op.f('pk_provider_areas_served'))
    )
    op.create_table('provider_services',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_provider_services_category_id_service_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_services_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', 'category_id', name=op.f('pk_provider_services'))
    )
    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('registered_office', 'trading_site', name='site_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('town', sa.String(length=200), nullable=True),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('placement', sa.Enum('postcode', 'postcode_district', 'address', 'not_placed', name='placement', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('placed_by', sa.String(length=60), nullable=True),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('placement_note', sa.Text(), nullable=True),
    sa.Column('district_code', sa.String(length=9), nullable=True),
    sa.Column('ward_code', sa.String(length=9), nullable=True),
    sa.Column('address_public', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_sites_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_district_code'), ['district_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_postcode'), ['postcode'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_provider_id'), ['provider_id'], unique=False)

    op.create_table('spend_bands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('lower_pence', sa.Integer(), nullable=False),
    sa.Column('upper_pence', sa.Integer(), nullable=True),
    sa.Column('upper_is_statutory_threshold', sa.Boolean(), nullable=False),
    sa.Column('lower_is_statutory_threshold', sa.Boolean(), nullable=False),
    sa.Column('vat_basis', sa.Enum('included', 'excluded', name='vat_basis', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('min_quotes', sa.Integer(), nullable=False),
    sa.Column('route', sa.Text(), nullable=False),
    sa.Column('advertised', sa.Boolean(), nullable=False),
    sa.Column('locality_rule', sa.Enum('local_only', 'local_first', 'open', name='locality_rule', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('reservation', sa.Enum('none', 'sme', 'vcse', name='reservation', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('lower_pence >= 0', name=op.f('ck_spend_bands_lower_not_negative')),
    sa.CheckConstraint('min_quotes >= 1', name=op.f('ck_spend_bands_at_least_one_quote')),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_spend_bands_council_id_councils')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spend_bands'))
    )
    with op.batch_alter_table('spend_bands', schema=None) as batch_op:
        batch_op.create_index('ix_spend_bands_council_effective', ['council_id', 'effective_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_spend_bands_council_id'), ['council_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('provider', 'commissioner', 'officer', 'admin', name='role', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('council_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_signed_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_users_council_id_councils')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_users_provider_id_providers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_council_id'), ['council_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_provider_id'), ['provider_id'], unique=False)

    # Added after users exists: users -> providers -> import_batches -> users is a cycle.
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_import_batches_created_by_id_users'), 'users', ['created_by_id'], ['id'], ondelete='SET NULL'
        )

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=320), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('entity_type', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=60), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('provider_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('asset_lock', 'dividend_cap', 'member_owned', 'employee_owned', 'community_owned', 'ultimate_parent', 'parent_country', 'real_living_wage', 'social_enterprise_mark', 'social_enterprise', 'staff_count', 'turnover', 'local_staff_share', 'supported_employment', 'public_service_mutual', name='fact_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('value', sa.String(length=300), nullable=True),
    sa.Column('evidence', sa.Enum('unknown', 'self_declared', 'register_matched', 'officer_verified', name='evidence_state', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('evidence_note', sa.Text(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_facts_provider_id_providers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_provider_facts_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_facts')),
    sa.UniqueConstraint('provider_id', 'kind', name='uq_provider_facts_provider_kind')
    )
    with op.batch_alter_table('provider_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_facts_provider_id'), ['provider_id'], unique=False)

    op.create_table('provider_identifiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=20), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('evidence', sa.Enum('unknown', 'self_declared', 'register_matched', 'officer_verified', name='evidence_state', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_provider_identifiers_checked_by_id_users')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_identifiers_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_identifiers')),
    sa.UniqueConstraint('org_id', name=op.f('uq_provider_identifiers_org_id'))
    )
    with op.batch_alter_table('provider_identifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_identifiers_provider_id'), ['provider_id'], unique=False)



def downgrade():
    with op.batch_alter_table('provider_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_identifiers_provider_id'))

    op.drop_table('provider_identifiers')
    with op.batch_alter_table('provider_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_facts_provider_id'))

    op.drop_table('provider_facts')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_occurred_at'))
        batch_op.drop_index('ix_audit_events_entity')
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_provider_id'))
        batch_op.drop_index(batch_op.f('ix_users_council_id'))

    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_import_batches_created_by_id_users'), type_='foreignkey')

    op.drop_table('users')
    with op.batch_alter_table('spend_bands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spend_bands_council_id'))
        batch_op.drop_index('ix_spend_bands_council_effective')

    op.drop_table('spend_bands')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_provider_id'))
        batch_op.drop_index(batch_op.f('ix_sites_postcode'))
        batch_op.drop_index(batch_op.f('ix_sites_district_code'))

    op.drop_table('sites')
    op.drop_table('provider_services')
    op.drop_table('provider_areas_served')
    op.drop_table('council_joint_areas')
    op.drop_table('service_category_cpv')
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_index('ix_providers_status_name')
        batch_op.drop_index(batch_op.f('ix_providers_status'))
        batch_op.drop_index(batch_op.f('ix_providers_import_batch_id'))

    op.drop_table('providers')
    with op.batch_alter_table('postcodes', schema=None) as batch_op:
        batch_op.drop_index('ix_postcodes_release_outcode')

    op.drop_table('postcodes')
    op.drop_table('outcode_centroids')
    op.drop_table('councils')
    op.drop_table('statutory_thresholds')
    op.drop_table('service_categories')
    with op.batch_alter_table('postcode_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postcode_releases_sha256'))
        batch_op.drop_index(batch_op.f('ix_postcode_releases_active'))

    op.drop_table('postcode_releases')
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_emails_to_address'))

    op.drop_table('outbox_emails')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batches_sha256'))

    op.drop_table('import_batches')
    op.drop_table('geocode_results')
    op.drop_table('cpv_codes')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_areas_parent_id'))
        batch_op.drop_index(batch_op.f('ix_areas_kind'))
        batch_op.drop_index(batch_op.f('ix_areas_combined_authority_id'))

    op.drop_table('areas')
