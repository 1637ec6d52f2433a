"""Tests for the user service handlers."""

from services.user_service import handlers


def test_get_user_returns_profile(client, user):
    resp = client.get(f"/users/{user.id}")
    assert resp.status_code == 200
    assert resp.json["name"] == user.profile.display_name


def test_get_unknown_user_is_404(client):
    resp = client.get("/users/999999")
    assert resp.status_code == 404


def test_update_user_sets_display_name(client, user):
    resp = client.put(f"/users/{user.id}", json={"display_name": "Ada"})
    assert resp.status_code == 200
    assert handlers.get_session().get(type(user), user.id).profile.display_name == "Ada"
