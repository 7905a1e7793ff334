from __future__ import annotations

from flask.testing import FlaskClient


def test_french_is_the_default(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in html and "Évaluez vos compétences numériques" in html


def test_browser_language_is_honoured(client: FlaskClient) -> None:
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Assess your digital skills" in html


def test_chosen_language_wins_and_sticks(client: FlaskClient) -> None:
    client.get("/langue/en?next=/")
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    client.get("/langue/fr?next=/")
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_ignored(client: FlaskClient) -> None:
    client.get("/langue/xx?next=/")
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
