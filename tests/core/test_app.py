import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from festa.extensions import db


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_migrations_match_models(app):
    """The schema only changes through migrations: head must equal the models."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_migrations_run_from_empty_to_head_and_back(app, database_url):
    from flask_migrate import downgrade, upgrade

    downgrade(revision="base")
    assert "events" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    assert "events" in sa.inspect(db.engine).get_table_names()


@pytest.mark.parametrize(
    "lang,title", [("ko", "페이지를 찾을 수 없습니다"), ("en", "Page not found")]
)
def test_404_page_in_both_languages(client, lang, title):
    response = client.get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


def test_api_errors_use_the_contract_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
