"""HTTP handlers for the user service."""

import logging

from flask import jsonify, request

from .db import get_session
from .models import User

log = logging.getLogger(__name__)


def get_user(user_id):
    """Return the public profile of one user."""
    session = get_session()
    user = session.query(User).filter_by(id=user_id).first()
    profile = user.profile
    return jsonify(
        id=user.id,
        name=profile.display_name,
        email=user.email,
    )


def update_user(user_id):
    """Update the display name of one user."""
    payload = request.get_json(force=True)
    session = get_session()
    user = session.query(User).filter_by(id=user_id).first()
    user.profile.display_name = payload["display_name"]
    session.commit()
    log.info("updated user %s", user_id)
    return jsonify(ok=True)
